import { ConversionRefused, type OcpiObject } from '../contract.ts'
import {
  dropFields,
  isObject,
  isSet,
  lose,
  omitFields,
  renameField,
  requireOwner,
  type ConversionRun,
  type Step,
} from '../shared/conversion-run.ts'
import { mapIfUnknown } from '../shared/enum-values.ts'
import { priceDownTo211, priceUpFrom211 } from '../shared/money.ts'
import { chargingPeriodsDown, chargingPeriodsUp } from './charging-periods.ts'
import { embeddedLocation, embeddedLocationIds } from './embedded-location.ts'

/**
 * Sessions 2.3.0 ↔ 2.1.1: start_datetime/end_datetime, `auth_id` (the token's contract id) instead of
 * cdr_token, the Location embedded instead of location_id/evse_uid/connector_id, total_cost a number
 * excluding VAT, no authorization_reference, fewer statuses and auth methods.
 *
 * Up, cdr_token names the eMSP the Session is routed to; `auth_id` alone does not say whose token it is,
 * so the caller must give the Token (context.token, looked up by contract_id) or the Session is refused.
 */

const SESSION_STATUSES_2_1_1 = ['ACTIVE', 'COMPLETED', 'INVALID', 'PENDING'] as const
const AUTH_METHODS_2_1_1 = ['AUTH_REQUEST', 'WHITELIST'] as const

/** cdr_token → auth_id, and the shared field changes of Sessions and CDRs on the way down. */
export function tokenAndAuthMethodDown(value: OcpiObject, run: ConversionRun, path: string): OcpiObject {
  let down = value
  if (isObject(down.cdr_token)) {
    down = { ...omitFields(down, ['cdr_token']), auth_id: down.cdr_token.contract_id }
  }
  // A session started by command was authorized by the eMSP: the nearer of the two 2.1.1 methods.
  down = mapIfUnknown(down, 'auth_method', AUTH_METHODS_2_1_1, () => 'AUTH_REQUEST', run, path, '2.1.1')
  return dropFields(down, ['authorization_reference'], run, path, '2.1.1')
}

/** auth_id → cdr_token, from the Token the caller looked up. */
export function cdrTokenUp(value: OcpiObject, run: ConversionRun, path: string): OcpiObject {
  if (!('auth_id' in value)) return value
  const token = run.context.token
  if (token === undefined || token.contract_id !== value.auth_id) {
    throw new ConversionRefused(`${path}.auth_id`, 'the hub knows no Token with this contract id')
  }
  const { country_code, party_id, uid, type, contract_id } = token
  return { ...omitFields(value, ['auth_id']), cdr_token: { country_code, party_id, uid, type, contract_id } }
}

export const sessionDown: Step = (session, run, path) => {
  let down = omitFields(session, ['country_code', 'party_id'])
  down = renameField(renameField(down, 'start_date_time', 'start_datetime'), 'end_date_time', 'end_datetime')
  down = tokenAndAuthMethodDown(down, run, path)
  const { location_id, evse_uid, connector_id, ...rest } = down
  if (typeof location_id === 'string' && typeof evse_uid === 'string' && typeof connector_id === 'string') {
    down = {
      ...rest,
      location: embeddedLocation({ location_id, evse_uid, connector_id }, run, `${path}.location`),
    }
  } else if (isSet(location_id) || isSet(evse_uid) || isSet(connector_id)) {
    // A PATCH naming only some of the three ids cannot carry an embedded Location.
    lose(
      run,
      `${path}.location_id`,
      'dropped with evse_uid and connector_id (2.1.1 embeds the Location, which needs all three)',
    )
    down = rest
  }
  if (isObject(down.total_cost))
    down = { ...down, total_cost: priceDownTo211(down.total_cost, run, `${path}.total_cost`) }
  // A reservation is a session that has not started yet.
  down = mapIfUnknown(down, 'status', SESSION_STATUSES_2_1_1, () => 'PENDING', run, path, '2.1.1')
  return chargingPeriodsDown(down, run, path)
}

export const sessionUp: Step = (session, run, path) => {
  let up = renameField(
    renameField(session, 'start_datetime', 'start_date_time'),
    'end_datetime',
    'end_date_time',
  )
  up = cdrTokenUp(up, run, path)
  if (isObject(up.location)) {
    up = { ...omitFields(up, ['location']), ...embeddedLocationIds(up.location, `${path}.location`) }
  }
  if (isSet(up.total_cost)) up = { ...up, total_cost: priceUpFrom211(up.total_cost as number) }
  up = chargingPeriodsUp(up, run, path)
  return run.context.partial ? up : { ...requireOwner(run, path), ...up }
}
