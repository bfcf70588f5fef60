import { createHash } from 'node:crypto'
import { sameParty, type PartyRef } from '../../core/party.ts'
import type {
  Connector,
  Evse,
  Location,
  RegularHours,
  Status,
} from '../../modules/locations/locations.schema.ts'
import type {
  ChargingFacility,
  EvseDataRecord,
  EvseStatusRecord,
  GeoCoordinates,
  OpeningTimes,
  PullEvseDataRecord,
} from './oicp.schema.ts'
import { isoEvseId, partyOfEvseId } from './oicp-ids.ts'

/**
 * OCPI Location/EVSE/Connector ↔ OICP EvseDataRecord and status, per mapping.md §3 and §4. What cannot be
 * carried is dropped and listed in docs/bridges/oicp.md; what cannot be carried without misleading (an EVSE
 * without an ISO evse_id, without a plug OICP knows, without a hotline number) is refused with a reason.
 */

/** What the bridge fills in where OCPI has nothing and OICP needs a value. */
export interface RecordDefaults {
  /** OICP's mandatory HotlinePhoneNumber when the Location has no usable `help_phone`. */
  readonly hotlinePhoneNumber: string | undefined
  /** The language of ChargingStationNames (OCPI's `name` has none). */
  readonly language: string
}

export type RecordOutcome =
  | { readonly kind: 'record'; readonly record: EvseDataRecord }
  | { readonly kind: 'refused'; readonly reason: string }

// ----- OCPI → OICP

const PLUG_OF_STANDARD: Readonly<Record<string, string | { SOCKET: string; CABLE: string }>> = {
  IEC_62196_T2: { SOCKET: 'Type 2 Outlet', CABLE: 'Type 2 Connector (Cable Attached)' },
  IEC_62196_T2_COMBO: 'CCS Combo 2 Plug (Cable Attached)',
  IEC_62196_T1: 'Type 1 Connector (Cable Attached)',
  IEC_62196_T1_COMBO: 'CCS Combo 1 Plug (Cable Attached)',
  CHADEMO: 'CHAdeMO',
  IEC_62196_T3A: 'Type 3 Outlet',
  IEC_62196_T3C: 'Type 3 Outlet',
  DOMESTIC_E: 'Type E French Standard',
  DOMESTIC_F: 'Type F Schuko',
  DOMESTIC_G: 'Type G British Standard',
  DOMESTIC_J: 'Type J Swiss Standard',
  TESLA_R: 'Tesla Connector',
  TESLA_S: 'Tesla Connector',
  IEC_60309_2_single_16: 'IEC 60309 Single Phase',
  IEC_60309_2_three_16: 'IEC 60309 Three Phase',
  IEC_60309_2_three_32: 'IEC 60309 Three Phase',
  IEC_60309_2_three_64: 'IEC 60309 Three Phase',
  NEMA_5_20: 'NEMA 5-20',
}

function plugOf(connector: Connector): string | undefined {
  const plug = PLUG_OF_STANDARD[connector.standard]
  return typeof plug === 'object' ? plug[connector.format] : plug
}

function phasesOf(powerType: string): number {
  return powerType === 'AC_3_PHASE' ? 3 : 1
}

function facilityOf(connector: Connector): ChargingFacility {
  // OICP has no AC_2_PHASE: the nearest is one phase (mapping.md §3.1).
  const PowerType =
    connector.power_type === 'DC' || connector.power_type === 'AC_3_PHASE'
      ? connector.power_type
      : 'AC_1_PHASE'
  const watts =
    connector.max_electric_power ??
    connector.max_voltage * connector.max_amperage * phasesOf(connector.power_type)
  return {
    PowerType,
    Power: Math.min(999, Math.round(watts / 1000)),
    // OICP caps Voltage at 999 and Amperage at 99: above that the value is left out rather than made wrong.
    ...(connector.max_voltage <= 999 ? { Voltage: connector.max_voltage } : {}),
    ...(connector.max_amperage <= 99 ? { Amperage: connector.max_amperage } : {}),
  }
}

/** `+31 20 123 4567` → `+31201234567`; undefined when it is not an international number OICP accepts. */
function oicpPhone(text: string | undefined): string | undefined {
  const compact = text?.replace(/[\s()./-]/g, '')
  return compact && /^\+[0-9]{5,15}$/.test(compact) ? compact : undefined
}

/** OICP wants street and house number apart; OCPI has one `address` line. Split at a trailing number. */
function streetAndNumber(address: string): { Street: string; HouseNum: string } {
  const match = /^(.*\S)\s+(\d+\s?[A-Za-z]?(?:[-/]\d+[A-Za-z]?)?)$/.exec(address.trim())
  return match ? { Street: match[1]!, HouseNum: match[2]! } : { Street: address.trim(), HouseNum: '' }
}

/** The zone's offset now as OICP writes it, `UTC+01:00`; undefined for a zone the runtime does not know. */
function utcOffsetOf(timeZone: string, at: Date): string | undefined {
  try {
    const name = new Intl.DateTimeFormat('en', { timeZone, timeZoneName: 'longOffset' })
      .formatToParts(at)
      .find((part) => part.type === 'timeZoneName')?.value
    if (name === 'GMT') return 'UTC+00:00'
    const match = name && /^GMT([+-]\d{2}:\d{2})$/.exec(name)
    return match ? `UTC${match[1]}` : undefined
  } catch {
    return undefined
  }
}

function decimalDegrees(coordinates: { latitude: string; longitude: string }): GeoCoordinates {
  // OICP allows at most 6 decimals, OCPI up to 7.
  return {
    DecimalDegree: {
      Latitude: Number(coordinates.latitude).toFixed(6),
      Longitude: Number(coordinates.longitude).toFixed(6),
    },
  }
}

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const

function openingTimesOf(hours: readonly RegularHours[]): OpeningTimes[] {
  return WEEKDAYS.flatMap((day, index) => {
    const periods = hours.filter((h) => h.weekday === index + 1)
    return periods.length === 0
      ? []
      : [{ on: day, Period: periods.map((p) => ({ begin: p.period_begin, end: p.period_end })) }]
  })
}

/**
 * One OCPI EVSE of a Location as the EvseDataRecord HBS keeps: the Location's data repeated on each of
 * its EVSEs (OICP has no Location). Refused, never sent half right, when OICP's mandatory data is missing.
 */
export function evseDataRecord(
  location: Location,
  evse: Evse,
  defaults: RecordDefaults,
  at: Date,
): RecordOutcome {
  const evseId = evse.evse_id ? isoEvseId(evse.evse_id) : undefined
  if (evseId === undefined) {
    return {
      kind: 'refused',
      reason: !evse.evse_id
        ? `EVSE ${evse.uid} has no evse_id: OICP keys every EVSE by its EvseID`
        : `EVSE ${evse.uid}: evse_id ${evse.evse_id} is not an ISO 15118 EvseID (CC*OOO*E…), which OICP needs`,
    }
  }
  const evseOwner = partyOfEvseId(evseId)
  if (!evseOwner || !sameParty(evseOwner, location)) {
    return {
      kind: 'refused',
      reason: `EVSE ${evse.uid}: evse_id ${evseId} does not belong to ${location.country_code}*${location.party_id}; HBS would refuse it (018)`,
    }
  }
  const plugs = [...new Set(evse.connectors.map(plugOf).filter((plug) => plug !== undefined))]
  if (plugs.length === 0) {
    return {
      kind: 'refused',
      reason: `EVSE ${evseId}: none of its connector standards (${evse.connectors.map((c) => c.standard).join(', ')}) has an OICP plug type`,
    }
  }
  const hotline = oicpPhone(location.help_phone ?? undefined) ?? defaults.hotlinePhoneNumber
  if (hotline === undefined) {
    return {
      kind: 'refused',
      reason: `EVSE ${evseId}: OICP needs a hotline number (+digits); the Location has no usable help_phone and the bridge no default_hotline_phone`,
    }
  }
  const capabilities = new Set(evse.capabilities ?? [])
  const pnc = evse.connectors.some((c) => c.capabilities?.some((cap) => cap.startsWith('ISO_15118')))
  const authenticationModes = [
    ...(capabilities.has('RFID_READER') ? ['NFC RFID Classic'] : []),
    ...(capabilities.has('REMOTE_START_STOP_CAPABLE') ? ['REMOTE'] : []),
    ...(pnc ? ['PnC'] : []),
  ]
  const services = [
    ...(capabilities.has('RESERVABLE') ? ['Reservation'] : []),
    ...(capabilities.has('CHARGING_PROFILE_CAPABLE') ? ['ChargingPlans'] : []),
  ]
  const timeZone = utcOffsetOf(location.time_zone, at)
  const hours = location.opening_times
  const open24 = !hours || hours.twentyfourseven
  const restricted = (evse.parking_restrictions ?? []).includes('CUSTOMERS')
  return {
    kind: 'record',
    record: {
      EvseID: evseId,
      ChargingStationID: location.id,
      ChargingStationNames: [
        { lang: defaults.language, value: (location.name ?? location.address).slice(0, 150) },
      ],
      Address: {
        Country: location.country,
        City: location.city,
        ...streetAndNumber(location.address),
        PostalCode: location.postal_code ?? '',
        ...(location.state ? { Region: location.state.slice(0, 50) } : {}),
        ...(evse.floor_level ? { Floor: evse.floor_level } : {}),
        ...(timeZone ? { TimeZone: timeZone } : {}),
      },
      GeoCoordinates: decimalDegrees(evse.coordinates ?? location.coordinates),
      Plugs: plugs,
      ChargingFacilities: evse.connectors.map(facilityOf),
      RenewableEnergy: location.energy_mix?.is_green_energy ?? false,
      CalibrationLawDataAvailability: 'Not Available',
      AuthenticationModes: authenticationModes,
      PaymentOptions: ['Contract'],
      ValueAddedServices: services.length > 0 ? services : ['None'],
      Accessibility: restricted ? 'Restricted access' : 'Free publicly accessible',
      HotlinePhoneNumber: hotline,
      IsOpen24Hours: open24,
      ...(open24 ? {} : { OpeningTimes: openingTimesOf(hours?.regular_hours ?? []) }),
      IsHubjectCompatible: capabilities.has('REMOTE_START_STOP_CAPABLE'),
      DynamicInfoAvailable: 'auto',
    },
  }
}

const OICP_STATUS: Readonly<Record<Status, EvseStatusRecord['EvseStatus'] | undefined>> = {
  AVAILABLE: 'Available',
  RESERVED: 'Reserved',
  CHARGING: 'Occupied',
  BLOCKED: 'Occupied',
  INOPERATIVE: 'OutOfService',
  OUTOFORDER: 'OutOfService',
  UNKNOWN: 'Unknown',
  // A planned EVSE has data but no status yet; a removed one is deleted from HBS's EVSE data.
  PLANNED: undefined,
  REMOVED: undefined,
}

/** The OICP status of an OCPI one; undefined where OICP pushes none (PLANNED, REMOVED). */
export function oicpStatusOf(status: Status): EvseStatusRecord['EvseStatus'] | undefined {
  return OICP_STATUS[status]
}

// ----- OICP → OCPI

const STANDARD_OF_PLUG: Readonly<Record<string, Pick<Connector, 'standard' | 'format'>>> = {
  'Type 2 Outlet': { standard: 'IEC_62196_T2', format: 'SOCKET' },
  'Type 2 Connector (Cable Attached)': { standard: 'IEC_62196_T2', format: 'CABLE' },
  'CCS Combo 2 Plug (Cable Attached)': { standard: 'IEC_62196_T2_COMBO', format: 'CABLE' },
  'Type 1 Connector (Cable Attached)': { standard: 'IEC_62196_T1', format: 'CABLE' },
  'CCS Combo 1 Plug (Cable Attached)': { standard: 'IEC_62196_T1_COMBO', format: 'CABLE' },
  CHAdeMO: { standard: 'CHADEMO', format: 'CABLE' },
  'Type 3 Outlet': { standard: 'IEC_62196_T3C', format: 'SOCKET' },
  'Type E French Standard': { standard: 'DOMESTIC_E', format: 'SOCKET' },
  'Type F Schuko': { standard: 'DOMESTIC_F', format: 'SOCKET' },
  'Type G British Standard': { standard: 'DOMESTIC_G', format: 'SOCKET' },
  'Type J Swiss Standard': { standard: 'DOMESTIC_J', format: 'SOCKET' },
  'Tesla Connector': { standard: 'TESLA_S', format: 'CABLE' },
  'IEC 60309 Single Phase': { standard: 'IEC_60309_2_single_16', format: 'SOCKET' },
  'IEC 60309 Three Phase': { standard: 'IEC_60309_2_three_16', format: 'SOCKET' },
  'NEMA 5-20': { standard: 'NEMA_5_20', format: 'SOCKET' },
}

const DC_STANDARDS = new Set(['IEC_62196_T2_COMBO', 'IEC_62196_T1_COMBO', 'CHADEMO'])

/** An OICP id as an OCPI CiString(36): itself when it fits, else a digest of it (kept in the identifier map). */
export function fitOcpiId(text: string): string {
  const upper = text.toUpperCase()
  return upper.length <= 36
    ? upper
    : createHash('sha256').update(upper).digest('hex').slice(0, 36).toUpperCase()
}

/** The OCPI Location an OICP EVSE belongs to: its pool, else its station, else the EVSE alone (mapping.md §2). */
export function locationIdOf(record: EvseDataRecord & { ChargingStationId?: string }): string {
  return fitOcpiId(
    record.ChargingPoolID ?? record.ChargingStationID ?? record.ChargingStationId ?? record.EvseID,
  )
}

/**
 * OICP's plugs and charging facilities are two unlinked lists: paired by position when they are as long,
 * else each plug takes the first facility of its kind (DC or AC).
 */
function connectorsOf(record: EvseDataRecord, lastUpdated: string): Connector[] {
  const facilities = record.ChargingFacilities
  return record.Plugs.flatMap((plug, index): Connector[] => {
    const kind = STANDARD_OF_PLUG[plug]
    if (!kind) return []
    const dc = DC_STANDARDS.has(kind.standard)
    const facility =
      (facilities.length === record.Plugs.length ? facilities[index] : undefined) ??
      facilities.find((f) => (f.PowerType === 'DC') === dc) ??
      facilities[0]
    const powerType = facility?.PowerType ?? (dc ? 'DC' : 'AC_1_PHASE')
    const voltage = facility?.Voltage ?? (dc ? 400 : powerType === 'AC_3_PHASE' ? 400 : 230)
    const watts = (facility?.Power ?? 0) * 1000
    const amperage = facility?.Amperage ?? Math.round(watts / (voltage * phasesOf(powerType)))
    return [
      {
        id: String(index + 1),
        ...kind,
        power_type: powerType,
        max_voltage: voltage,
        max_amperage: amperage,
        ...(watts > 0 ? { max_electric_power: watts } : {}),
        last_updated: lastUpdated,
      },
    ]
  })
}

function ocpiCoordinates(geo: GeoCoordinates): { latitude: string; longitude: string } | undefined {
  const [latitude, longitude] = geo.DecimalDegree
    ? [geo.DecimalDegree.Latitude, geo.DecimalDegree.Longitude]
    : (geo.Google?.Coordinates.split(/[\s,]+/) ?? [])
  if (latitude === undefined || longitude === undefined) return undefined
  const lat = Number(latitude)
  const lon = Number(longitude)
  return Number.isFinite(lat) && Number.isFinite(lon)
    ? { latitude: lat.toFixed(6), longitude: lon.toFixed(6) }
    : undefined
}

/** `UTC+01:00` → `Etc/GMT-1` (IANA's Etc zones count the other way); `UTC` when not a whole hour. */
function ianaZoneOf(offset: string | undefined): string {
  const match = offset === undefined ? null : /^UTC([+-])(\d{2}):00$/.exec(offset)
  if (!match || Number(match[2]) === 0) return 'UTC'
  return `Etc/GMT${match[1] === '+' ? '-' : '+'}${Number(match[2])}`
}

function regularHoursOf(times: readonly OpeningTimes[]): RegularHours[] {
  return times.flatMap((time) => {
    const days =
      time.on === 'Everyday'
        ? [1, 2, 3, 4, 5, 6, 7]
        : time.on === 'Workdays'
          ? [1, 2, 3, 4, 5]
          : time.on === 'Weekend'
            ? [6, 7]
            : [WEEKDAYS.indexOf(time.on as (typeof WEEKDAYS)[number]) + 1].filter((day) => day > 0)
    return days.flatMap((weekday) =>
      time.Period.map((period) => ({ weekday, period_begin: period.begin, period_end: period.end })),
    )
  })
}

/** OICP's opening times; none when a station that is not open 24 hours names no period (OCPI needs one). */
function openingTimesOfRecord(record: EvseDataRecord): Pick<Location, 'opening_times'> {
  if (record.IsOpen24Hours) return { opening_times: { twentyfourseven: true } }
  const regular = regularHoursOf(record.OpeningTimes ?? [])
  return regular.length > 0 ? { opening_times: { twentyfourseven: false, regular_hours: regular } } : {}
}

const OCPI_STATUS: Readonly<Record<EvseStatusRecord['EvseStatus'], Status | undefined>> = {
  Available: 'AVAILABLE',
  Reserved: 'RESERVED',
  // BLOCKED cannot be told from CHARGING (mapping.md §4).
  Occupied: 'CHARGING',
  OutOfService: 'OUTOFORDER',
  Unknown: 'UNKNOWN',
  EvseNotFound: undefined,
}

/** The OCPI status of an OICP one; undefined for EvseNotFound, which changes nothing. */
export function ocpiStatusOf(status: EvseStatusRecord['EvseStatus']): Status | undefined {
  return OCPI_STATUS[status]
}

/** One OICP EVSE as an OCPI EVSE; undefined when none of its plugs has an OCPI standard. */
export function ocpiEvseOf(record: EvseDataRecord, status: Status, now: Date): Evse | undefined {
  const lastUpdated = record.lastUpdate ? new Date(record.lastUpdate).toISOString() : now.toISOString()
  const connectors = connectorsOf(record, lastUpdated)
  if (connectors.length === 0) return undefined
  const modes = new Set(record.AuthenticationModes)
  const capabilities = [
    ...(modes.has('REMOTE') ? ['REMOTE_START_STOP_CAPABLE'] : []),
    ...(modes.has('NFC RFID Classic') || modes.has('NFC RFID DESFire') ? ['RFID_READER'] : []),
    ...(record.ValueAddedServices.includes('Reservation') ? ['RESERVABLE'] : []),
  ]
  const coordinates = ocpiCoordinates(record.GeoCoordinates)
  return {
    uid: fitOcpiId(record.EvseID),
    evse_id: record.EvseID.toUpperCase(),
    status,
    ...(capabilities.length > 0 ? { capabilities } : {}),
    connectors,
    ...(record.Address.Floor ? { floor_level: record.Address.Floor.slice(0, 4) } : {}),
    ...(coordinates ? { coordinates } : {}),
    last_updated: lastUpdated,
  }
}

/**
 * The OICP EVSEs of one Location (same operator, same pool or station) as the OCPI Location of the
 * operator's virtual CPO party. Undefined when the first record has no usable coordinates.
 */
export function ocpiLocationOf(
  owner: PartyRef,
  records: readonly PullEvseDataRecord[],
  evses: readonly Evse[],
  now: Date,
): Location | undefined {
  const first = records[0]
  const coordinates = first && ocpiCoordinates(first.GeoCoordinates)
  if (!first || !coordinates || evses.length === 0) return undefined
  const address = first.Address
  const name = first.ChargingStationNames[0]?.value
  const phone = first.HotlinePhoneNumber
  const lastUpdated = evses.map((evse) => evse.last_updated).reduce((a, b) => (a > b ? a : b))
  return {
    country_code: owner.country_code,
    party_id: owner.party_id,
    id: locationIdOf(first),
    publish: true,
    ...(name ? { name: name.slice(0, 255) } : {}),
    address: `${address.Street} ${address.HouseNum}`.trim().slice(0, 255),
    city: address.City.slice(0, 45),
    ...(address.PostalCode ? { postal_code: address.PostalCode.slice(0, 10) } : {}),
    ...(address.Region ? { state: address.Region.slice(0, 45) } : {}),
    country: address.Country.toUpperCase(),
    coordinates,
    evses: [...evses],
    operator: { name: first.OperatorName.slice(0, 100) },
    time_zone: ianaZoneOf(address.TimeZone),
    ...openingTimesOfRecord(first),
    energy_mix: { is_green_energy: first.RenewableEnergy },
    ...(phone ? { help_phone: phone.slice(0, 25) } : {}),
    last_updated: lastUpdated > now.toISOString() ? now.toISOString() : lastUpdated,
  }
}
