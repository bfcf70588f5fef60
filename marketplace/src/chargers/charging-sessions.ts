// The tariff engine is pure (no I/O, no hub state): decision 0028 lets the marketplace price its own CDRs with it.
import { priceSession } from '../../../src/pricing/price-session.ts'
import type { PricedTariff, SessionToPrice } from '../../../src/pricing/pricing-types.ts'
import type { ListingDetails } from '../listings/listing.schema.ts'
import { evseIdOf, evseUidOf, type CpoIdentity } from '../listings/ocpi-objects.ts'

/** The driver's token as a Session and a CDR carry it; country_code/party_id are the driver's eMSP. */
export interface CdrToken {
  readonly country_code: string
  readonly party_id: string
  readonly uid: string
  readonly type: string
  readonly contract_id: string
}

/** One meter reading of a transaction: when, and the register in Wh. */
export interface MeterSample {
  readonly at: string
  readonly wh: number
}

/** A charging session at a managed charger, as the marketplace keeps it. */
export interface ChargingSession {
  readonly id: string
  readonly listing_id: string
  readonly connector_id: number
  readonly cdr_token: CdrToken
  readonly auth_method: string
  readonly authorization_reference: string | null
  readonly meter_start_wh: number
  /** Readings after the start, oldest first; the stop reading is the last one of a completed session. */
  readonly samples: readonly MeterSample[]
  readonly started_at: Date
  readonly ended_at: Date | null
  readonly status: string
}

const MS_PER_HOUR = 3_600_000

/** A CDR's charging period as the tariff engine reads it. */
type ChargingPeriod = SessionToPrice['charging_periods'][number]

function kwhOf(session: ChargingSession): number {
  const last = session.samples.at(-1)?.wh ?? session.meter_start_wh
  return Math.max(0, last - session.meter_start_wh) / 1000
}

/** Rounded as OCPI amounts are written: 4 decimals. */
export function amount(value: number): number {
  return Math.round(value * 10_000) / 10_000
}

/**
 * The session's charging periods from its meter readings: a stretch in which energy flowed is charging
 * (ENERGY and TIME), one in which it did not is idle (PARKING_TIME); neighbours of one kind merge.
 */
export function chargingPeriods(session: ChargingSession): ChargingPeriod[] {
  const readings = [{ at: session.started_at.toISOString(), wh: session.meter_start_wh }, ...session.samples]
  const stretches: { start: string; charging: boolean; wh: number; ms: number }[] = []
  for (let index = 1; index < readings.length; index++) {
    const from = readings[index - 1]!
    const to = readings[index]!
    const wh = Math.max(0, to.wh - from.wh)
    const ms = Math.max(0, Date.parse(to.at) - Date.parse(from.at))
    const charging = wh > 0
    const previous = stretches.at(-1)
    if (previous && previous.charging === charging) {
      previous.wh += wh
      previous.ms += ms
    } else stretches.push({ start: from.at, charging, wh, ms })
  }
  if (stretches.length === 0) stretches.push({ start: readings[0]!.at, charging: true, wh: 0, ms: 0 })
  return stretches.map((stretch) => ({
    start_date_time: stretch.start,
    dimensions: stretch.charging
      ? [
          { type: 'ENERGY', volume: amount(stretch.wh / 1000) },
          { type: 'TIME', volume: amount(stretch.ms / MS_PER_HOUR) },
        ]
      : [{ type: 'PARKING_TIME', volume: amount(stretch.ms / MS_PER_HOUR) }],
  }))
}

/** The OCPI Session of a charging session (mod_sessions), owned by the marketplace's CPO. */
export function ocpiSession(cpo: CpoIdentity, session: ChargingSession, lastUpdated: Date) {
  return {
    country_code: cpo.country_code,
    party_id: cpo.party_id,
    id: session.id,
    start_date_time: session.started_at.toISOString(),
    ...(session.ended_at ? { end_date_time: session.ended_at.toISOString() } : {}),
    kwh: amount(kwhOf(session)),
    cdr_token: session.cdr_token,
    auth_method: session.auth_method,
    ...(session.authorization_reference ? { authorization_reference: session.authorization_reference } : {}),
    location_id: session.listing_id,
    evse_uid: evseUidOf(session.listing_id),
    connector_id: String(session.connector_id),
    currency: cpo.currency,
    status: session.status,
    last_updated: lastUpdated.toISOString(),
  }
}

/** A CDR's `cdr_location`: the listing's one EVSE, and its connector (1-based; the first when unknown). */
export function cdrLocation(
  cpo: Pick<CpoIdentity, 'country_code' | 'party_id'>,
  listingId: string,
  listing: ListingDetails,
  connectorId: number,
) {
  const connector = listing.connectors[connectorId - 1] ?? listing.connectors[0]!
  return {
    id: listingId,
    name: listing.name,
    address: listing.address,
    city: listing.city,
    ...(listing.postal_code === undefined ? {} : { postal_code: listing.postal_code.slice(0, 10) }),
    country: listing.country,
    coordinates: { latitude: listing.latitude.toFixed(6), longitude: listing.longitude.toFixed(6) },
    evse_uid: evseUidOf(listingId),
    evse_id: evseIdOf(cpo, listingId),
    connector_id: String(connectorId),
    connector_standard: connector.standard,
    connector_format: connector.format,
    connector_power_type: connector.power_type,
  }
}

/** The CDR of a completed session, priced with the listing's Tariff by the tariff engine (mod_cdrs). */
export function ocpiCdr(
  cpo: CpoIdentity,
  session: ChargingSession,
  listing: ListingDetails,
  tariff: PricedTariff & Record<string, unknown>,
  lastUpdated: Date,
) {
  const end = session.ended_at ?? lastUpdated
  const charging_periods = chargingPeriods(session)
  const price = priceSession({
    tariffs: [tariff],
    charging_periods,
    time_zone: listing.time_zone,
    end_date_time: end.toISOString(),
    currency: cpo.currency,
  })
  const cost = (value: { excl_vat: number }) => ({ before_taxes: amount(value.excl_vat) })
  const parkingHours = charging_periods
    .flatMap((period) => period.dimensions)
    .filter((dimension) => dimension.type === 'PARKING_TIME')
    .reduce((sum, dimension) => sum + dimension.volume, 0)
  return {
    country_code: cpo.country_code,
    party_id: cpo.party_id,
    id: session.id,
    start_date_time: session.started_at.toISOString(),
    end_date_time: end.toISOString(),
    session_id: session.id,
    cdr_token: session.cdr_token,
    auth_method: session.auth_method,
    ...(session.authorization_reference ? { authorization_reference: session.authorization_reference } : {}),
    cdr_location: cdrLocation(cpo, session.listing_id, listing, session.connector_id),
    currency: cpo.currency,
    tariffs: [tariff],
    charging_periods,
    total_cost: cost(price.total),
    total_fixed_cost: cost(price.costs.fixed),
    total_energy: amount(kwhOf(session)),
    total_energy_cost: cost(price.costs.energy),
    total_time: amount((end.getTime() - session.started_at.getTime()) / MS_PER_HOUR),
    total_time_cost: cost(price.costs.time),
    total_parking_time: amount(parkingHours),
    total_parking_cost: cost(price.costs.parking),
    last_updated: lastUpdated.toISOString(),
  }
}
