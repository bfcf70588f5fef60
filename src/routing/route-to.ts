import { OcpiError } from '../core/errors.ts'
import type { PartyRef } from '../core/party.ts'

/**
 * Query parameter the hub adds to the `Link` of a routed page (`route_to=NL-ABC`): a requester following
 * the link reaches the same destination even when it does not repeat the routing headers.
 */
export const ROUTE_TO_PARAMETER = 'route_to'

/** The destination a hub Link names in its `route_to` query parameter; undefined when absent. */
export function routeToFromQuery(value: unknown): PartyRef | undefined {
  if (value === undefined) return undefined
  const match = typeof value === 'string' ? /^([A-Za-z]{2})-([A-Za-z0-9]{3})$/.exec(value) : null
  if (!match?.[1] || !match[2]) {
    throw new OcpiError('HUB_ERR_INVALID_PARAMETERS', `${ROUTE_TO_PARAMETER} must look like NL-ABC`)
  }
  return { country_code: match[1].toUpperCase(), party_id: match[2].toUpperCase() }
}

/** The query parameters without the hub's own routing parameter, as they are passed on (outboundPath). */
export function queryPassedOn(rawUrl: string): URLSearchParams {
  const index = rawUrl.indexOf('?')
  const params = new URLSearchParams(index < 0 ? '' : rawUrl.slice(index + 1))
  params.delete(ROUTE_TO_PARAMETER)
  return params
}
