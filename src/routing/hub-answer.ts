import type { FastifyBaseLogger } from 'fastify'
import type { PartyRef } from '../core/party.ts'
import { type HubContext } from '../hub-context.ts'
import { hubParty, type HubIdentity } from '../core/hub-identity.ts'
import type { OcpiEnvelope } from '../core/envelope.ts'
import type { RoutingHeaders } from '../core/routing-headers.ts'
import { describeLosses, withLossNote } from '../version-adapters/adapt.ts'
import { callDestination, type DestinationAnswer, type ForwardedRequest } from './forward.ts'
import type { Requester } from './requester.ts'
import { ROUTE_TO_PARAMETER } from './route-to.ts'

/**
 * Who sends a message through the hub and how it is addressed: the plain input every routing service
 * starts from. An HTTP request is read into one at the edge (transport/service-adapter.ts); a bridge or a
 * console builds one itself.
 */
export interface MessageSource {
  /** The sending platform and the parties it may act as. */
  readonly requester: Requester
  /** OCPI-from-* and OCPI-to-* (or the `route_to` of a hub Link, where the operation follows links). */
  readonly routing: RoutingHeaders
  readonly correlationId: string
  /** Where the operation logs what it did (over HTTP: the request's logger, which carries its ids). */
  readonly log: FastifyBaseLogger
}

/** What the hub answers a message, as a plain value: the transport writes it out. */
export interface HubAnswer {
  readonly httpStatus: number
  readonly envelope: OcpiEnvelope
  /** The answer's routing: FROM, and TO when the requester is known. */
  readonly from: PartyRef
  readonly to: PartyRef | undefined
  /** Further headers by lower-case name: `link`, `x-total-count`, `x-limit`, `location`. */
  readonly headers: Readonly<Record<string, string>>
  /** What the message log notes about how the message was handled (a broadcast that skipped receivers). */
  readonly note?: string
}

/** Headers of a destination's answer that travel back to the requester (pagination). */
const RELAYED_HEADERS = ['x-total-count', 'x-limit'] as const

/**
 * A destination's answer relayed to the requester unchanged (HTTP status and envelope), with FROM = the
 * destination and TO = the requester, the pagination headers, and `Link` rewritten onto the hub. What
 * converting between versions lost is added to `status_message`.
 */
export function relayedAnswer(answer: DestinationAnswer, request: ForwardedRequest): HubAnswer {
  const headers: Record<string, string> = {}
  for (const name of RELAYED_HEADERS) {
    const value = answer.headers[name]
    if (typeof value === 'string') headers[name] = value
  }
  const link = answer.headers['link']
  if (typeof link === 'string' && answer.endpointUrl) {
    const rewritten = rewriteLink(link, answer.endpointUrl, request.hubInterfaceUrl, request.to)
    if (rewritten) headers['link'] = rewritten
  }
  const note = describeLosses(answer.version, answer.losses)
  const statusMessage = note ? withLossNote(answer.envelope.status_message, note) : undefined
  return {
    httpStatus: answer.httpStatus,
    envelope:
      statusMessage === undefined ? answer.envelope : { ...answer.envelope, status_message: statusMessage },
    from: request.to,
    to: request.from,
    headers,
  }
}

/** Party-to-party via the hub: the call, then its answer relayed unchanged. */
export async function forwardAndRelay(context: HubContext, request: ForwardedRequest): Promise<HubAnswer> {
  return relayedAnswer(await callDestination(context, request), request)
}

/**
 * The destination's `Link: <its URL>; rel="next"` points at a server the requester cannot call with its
 * hub token; the hub hands out its own URL of the same page instead, which also names the destination so
 * that following it works even without routing headers. A link elsewhere is dropped.
 */
export function rewriteLink(
  link: string,
  endpointUrl: string,
  hubUrl: string,
  to: PartyRef,
): string | undefined {
  const match = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(link)
  const target = match?.[1]
  if (!target || !target.startsWith(endpointUrl)) return undefined
  const rest = new URL(target.slice(endpointUrl.length) || '/', 'http://rest.invalid')
  rest.searchParams.set(ROUTE_TO_PARAMETER, `${to.country_code}-${to.party_id}`)
  const path = rest.pathname === '/' ? '' : rest.pathname
  return `<${hubUrl}${path}${rest.search}>; rel="next"`
}

/** An answer the hub gives itself (from its copy, or a broadcast it took on): FROM = the hub. */
export function answerFromHub(
  hub: HubIdentity,
  to: PartyRef | undefined,
  envelope: OcpiEnvelope,
  options: { httpStatus?: number; headers?: Record<string, string>; note?: string } = {},
): HubAnswer {
  return {
    httpStatus: options.httpStatus ?? 200,
    envelope,
    from: hubParty(hub),
    to,
    headers: options.headers ?? {},
    note: options.note,
  }
}
