import type { FastifyReply } from 'fastify'
import { OcpiError } from '../core/errors.ts'
import type { PartyRef } from '../core/party.ts'
import type { HubContext } from '../hub-context.ts'
import type { InterfaceRole } from '../modules/registry.ts'
import type { PlatformRow } from '../storage/tables.ts'
import type { OcpiEnvelope } from '../transport/envelope.ts'
import type { HttpMethod, PartnerAnswer, PartnerCallFailure } from '../partners/partner-channel.ts'
import type { OutboundPath } from '../transport/outbound-path.ts'
import { setResponseRouting } from '../transport/routing-headers.ts'
import { describeLosses, refusalAsOcpiError, withLossNote } from '../version-adapters/adapt.ts'
import { ROUTE_TO_PARAMETER } from './route-to.ts'

export interface ForwardedRequest {
  readonly platform: PlatformRow
  readonly module: string
  /** The interface of the destination to call: usually the same one the requester called on the hub. */
  readonly interfaceRole: InterfaceRole
  readonly method: HttpMethod
  /** Below the module endpoint, with the query string: `/NL/ABC/LOC1`, `?offset=10` (outboundPath). */
  readonly pathAndQuery: OutboundPath
  /** A full URL the destination handed out earlier (a CDR `Location`, a `response_url`), instead of its endpoint. */
  readonly url?: string
  readonly body: unknown
  readonly from: PartyRef
  readonly to: PartyRef
  readonly correlationId: string
  /** The hub's own URL of the same interface: Link headers of the answer are rewritten onto it. */
  readonly hubInterfaceUrl: string
  /** Time the destination has to answer; OUTBOUND_TIMEOUT_MS when absent. */
  readonly timeoutMs?: number
}

/** A destination's answer, an OCPI envelope with its data canonical, and what converting lost (told to the requester). */
export type DestinationAnswer = PartnerAnswer & { readonly envelope: OcpiEnvelope }

/** Headers of a destination's answer that travel back to the requester (pagination). */
const RELAYED_HEADERS = ['x-total-count', 'x-limit'] as const

function who(party: PartyRef): string {
  return `${party.country_code}*${party.party_id}`
}

/**
 * Party-to-party via the hub, the call itself: sends the request to the destination through the partner
 * channel (new X-Request-ID, same X-Correlation-ID, routing headers as given) and returns its answer, with
 * its data canonical, whatever its status. A timeout is 4002, an unreachable destination 4003, an answer
 * that is not OCPI 4000, a request its version cannot carry 4000 or 2001.
 */
export async function callDestination(
  context: HubContext,
  request: ForwardedRequest,
): Promise<DestinationAnswer> {
  const outcome = await context.partners.deliver(request.platform, {
    module: request.module,
    interfaceRole: request.interfaceRole,
    method: request.method,
    pathAndQuery: request.pathAndQuery,
    url: request.url,
    body: { value: request.body },
    from: request.from,
    to: request.to,
    correlationId: request.correlationId,
    timeoutMs: request.timeoutMs,
    readsAnswer: true,
  })
  switch (outcome.kind) {
    case 'delivered':
    case 'refused': {
      const { answer } = outcome
      if (!answer.envelope) {
        throw new OcpiError(
          'HUB_ERR_FORWARD_FAILED',
          `${who(request.to)} answered HTTP ${answer.httpStatus} without an OCPI envelope`,
        )
      }
      return { ...answer, envelope: answer.envelope }
    }
    case 'no-endpoint':
      throw new OcpiError(
        'HUB_ERR_FORWARD_FAILED',
        `${who(request.to)} offers no ${request.module} ${request.interfaceRole} interface`,
      )
    case 'not-in-version':
      throw new OcpiError(
        'HUB_ERR_FORWARD_FAILED',
        `${who(request.to)} speaks OCPI ${outcome.version}: ${outcome.reason}, so the request cannot be passed on`,
      )
    case 'conversion-refused':
      throw refusalAsOcpiError(outcome.refusal, outcome.version)
    case 'failed':
      throw failureAsOcpiError(request.to, outcome.failure, outcome.message)
  }
}

/** A call that brought no usable answer, as the requester is told. */
function failureAsOcpiError(to: PartyRef, failure: PartnerCallFailure, message: string): OcpiError {
  switch (failure) {
    case 'timeout':
      return new OcpiError('HUB_ERR_FORWARD_TIMEOUT', `${who(to)} did not answer in time`, {
        detail: message,
      })
    case 'unreachable':
      return new OcpiError('HUB_ERR_RECEIVER_NOT_CONNECTED', `${who(to)} could not be reached`, {
        detail: message,
      })
    case 'answer-too-large':
      return new OcpiError(
        'HUB_ERR_FORWARD_FAILED',
        `${who(to)} answered with more than OUTBOUND_ANSWER_LIMIT_BYTES: the answer is not passed on`,
        { detail: message },
      )
    case 'address-refused':
      // Where the destination's host name points is for the operator's log, not for the requester.
      return new OcpiError(
        'HUB_ERR_FORWARD_FAILED',
        `${who(to)} cannot be called: its address is not allowed`,
        { detail: message },
      )
    case 'invalid-url':
    case 'local-resource':
      return new OcpiError('HUB_ERR_FORWARD_FAILED', `${who(to)} cannot be called: ${message}`)
  }
}

/**
 * Relays a destination's answer to the requester unchanged (HTTP status and envelope), with FROM = the
 * destination and TO = the requester, the pagination headers, and `Link` rewritten onto the hub.
 */
export function relayAnswer(
  reply: FastifyReply,
  answer: DestinationAnswer,
  request: ForwardedRequest,
): OcpiEnvelope {
  for (const name of RELAYED_HEADERS) {
    const value = answer.headers[name]
    if (typeof value === 'string') void reply.header(name, value)
  }
  const link = answer.headers['link']
  if (typeof link === 'string' && answer.endpointUrl) {
    const rewritten = rewriteLink(link, answer.endpointUrl, request.hubInterfaceUrl, request.to)
    if (rewritten) void reply.header('link', rewritten)
  }
  setResponseRouting(reply, request.to, request.from)
  void reply.code(answer.httpStatus)
  const note = describeLosses(answer.version, answer.losses)
  if (!note) return answer.envelope
  const statusMessage = withLossNote(answer.envelope.status_message, note)
  return statusMessage === undefined ? answer.envelope : { ...answer.envelope, status_message: statusMessage }
}

/** Party-to-party via the hub: the call, then its answer relayed unchanged. */
export async function forwardAndRelay(
  context: HubContext,
  reply: FastifyReply,
  request: ForwardedRequest,
): Promise<OcpiEnvelope> {
  return relayAnswer(reply, await callDestination(context, request), request)
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
