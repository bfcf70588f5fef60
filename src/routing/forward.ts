import { OcpiError } from '../core/errors.ts'
import type { PartyRef } from '../core/party.ts'
import type { HubContext } from '../hub-context.ts'
import type { InterfaceRole, ModuleId } from '../core/modules.ts'
import type { PlatformRow } from '../storage/tables.ts'
import type { OcpiEnvelope } from '../core/envelope.ts'
import type { HttpMethod, PartnerAnswer, PartnerCallFailure } from '../partners/partner-channel.ts'
import type { OutboundPath } from '../core/outbound-path.ts'
import { refusalAsOcpiError } from '../version-adapters/adapt.ts'

export interface ForwardedRequest {
  readonly platform: PlatformRow
  readonly module: ModuleId
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
