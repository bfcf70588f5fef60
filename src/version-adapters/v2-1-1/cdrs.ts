import { ConversionRefused, type OcpiObject } from '../contract.ts'
import {
  dropFields,
  isObject,
  isSet,
  lose,
  mapList,
  mapListLeavingOutRefused,
  omitFields,
  renameField,
  requireOwner,
  type ConversionRun,
  type Step,
} from '../shared/conversion-run.ts'
import { mapIfUnknown } from '../shared/enum-values.ts'
import { priceDownTo211, priceUpFrom211 } from '../shared/money.ts'
import { refuseUnknownStandard } from '../shared/narrow-locations.ts'
import { V2_1_1 } from '../shared/vocabulary.ts'
import { chargingPeriodsDown, chargingPeriodsUp } from './charging-periods.ts'
import { embeddedLocation, embeddedLocationIds } from './embedded-location.ts'
import { cdrTokenUp, tokenAndAuthMethodDown } from './sessions.ts'
import { tariffDown, tariffUp } from './tariffs.ts'

/**
 * CDRs 2.3.0 ↔ 2.1.1. A 2.1.1 CDR embeds the Location (with its one EVSE and connector) where 2.3.0 has
 * a CdrLocation, names the token by auth_id, ends at stop_date_time and has one cost, total_cost, a number
 * excluding VAT. The 2.3.0 cost breakdown, signed data and references are dropped with loss lines. A
 * credit CDR is refused: 2.1.1 has no credits, and the receiver would bill the amount a second time.
 */

const DROPPED_FIELDS = [
  'session_id',
  'signed_data',
  'total_fixed_cost',
  'total_energy_cost',
  'total_time_cost',
  'total_parking_cost',
  'total_reservation_cost',
  'invoice_reference_id',
  'home_charging_compensation',
  'booking_id',
] as const

/** CdrLocation fields that are Location fields of the same name. */
const LOCATION_FIELDS = ['id', 'name', 'address', 'city', 'postal_code', 'country', 'coordinates'] as const

function firstItem(value: unknown): OcpiObject {
  const item: unknown = Array.isArray(value) ? value[0] : undefined
  return isObject(item) ? item : {}
}

/** The embedded 2.1.1 Location: the caller's Location when known, overlaid with what the CDR recorded. */
function locationFromCdrLocation(cdrLocation: OcpiObject, run: ConversionRun, path: string): OcpiObject {
  refuseUnknownStandard(cdrLocation, 'connector_standard', V2_1_1, path)
  const recorded = mapIfUnknown(
    cdrLocation,
    'connector_power_type',
    V2_1_1.powerTypes,
    () => 'AC_1_PHASE',
    run,
    path,
    '2.1.1',
  )
  if (isSet(recorded.state)) lose(run, `${path}.state`, 'dropped (not in OCPI 2.1.1)')
  const ids = {
    location_id: String(recorded.id),
    evse_uid: String(recorded.evse_uid),
    connector_id: String(recorded.connector_id),
  }
  const location = embeddedLocation(ids, run, path)
  const evse = firstItem(location.evses)
  const connector = firstItem(evse.connectors)
  const overlay = Object.fromEntries(
    LOCATION_FIELDS.filter((field) => isSet(recorded[field])).map((field) => [field, recorded[field]]),
  )
  return {
    ...location,
    ...overlay,
    evses: [
      {
        ...evse,
        uid: recorded.evse_uid,
        evse_id: recorded.evse_id,
        connectors: [
          {
            ...connector,
            id: recorded.connector_id,
            standard: recorded.connector_standard,
            format: recorded.connector_format,
            power_type: recorded.connector_power_type,
          },
        ],
      },
    ],
  }
}

/** The CdrLocation of an embedded 2.1.1 Location; its other fields are not carried. */
function cdrLocationFromLocation(location: OcpiObject, run: ConversionRun, path: string): OcpiObject {
  const ids = embeddedLocationIds(location, path)
  const evse = firstItem(location.evses)
  const connector = firstItem(evse.connectors)
  if (!isSet(evse.evse_id)) {
    throw new ConversionRefused(`${path}.evses[0].evse_id`, 'required in a 2.3.0 CdrLocation')
  }
  lose(run, path, 'only the fields of a 2.3.0 CdrLocation are kept')
  const fields = Object.fromEntries(
    LOCATION_FIELDS.filter((field) => isSet(location[field])).map((field) => [field, location[field]]),
  )
  return {
    ...(location.postal_code === '' ? omitFields(fields, ['postal_code']) : fields),
    evse_uid: ids.evse_uid,
    evse_id: evse.evse_id,
    connector_id: ids.connector_id,
    connector_standard: connector.standard,
    connector_format: connector.format,
    connector_power_type: connector.power_type,
  }
}

export const cdrDown: Step = (cdr, run, path) => {
  if (cdr.credit === true) {
    throw new ConversionRefused(
      `${path}.credit`,
      'OCPI 2.1.1 has no credit CDRs; the receiver would bill it again',
    )
  }
  let down = omitFields(cdr, ['country_code', 'party_id', 'credit', 'credit_reference_id'])
  down = renameField(down, 'end_date_time', 'stop_date_time')
  down = tokenAndAuthMethodDown(down, run, path)
  down = dropFields(down, DROPPED_FIELDS, run, path, '2.1.1')
  if (isObject(down.cdr_location)) {
    const location = locationFromCdrLocation(down.cdr_location, run, `${path}.cdr_location`)
    down = { ...omitFields(down, ['cdr_location']), location }
  }
  if (isObject(down.total_cost))
    down = { ...down, total_cost: priceDownTo211(down.total_cost, run, `${path}.total_cost`) }
  down = mapListLeavingOutRefused(down, 'tariffs', tariffDown, run, path)
  return chargingPeriodsDown(down, run, path)
}

export const cdrUp: Step = (cdr, run, path) => {
  let up = renameField(cdr, 'stop_date_time', 'end_date_time')
  up = cdrTokenUp(up, run, path)
  if (isObject(up.location)) {
    up = {
      ...omitFields(up, ['location']),
      cdr_location: cdrLocationFromLocation(up.location, run, `${path}.location`),
    }
  }
  if (isSet(up.total_cost)) up = { ...up, total_cost: priceUpFrom211(up.total_cost as number) }
  up = mapList(up, 'tariffs', tariffUp, run, path)
  up = chargingPeriodsUp(up, run, path)
  return run.context.partial ? up : { ...requireOwner(run, path), ...up }
}
