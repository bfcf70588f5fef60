import { OcpiError } from '../core/errors.ts'
import type { PartyRef } from '../core/party.ts'
import type { HubContext } from '../hub-context.ts'
import type { InterfaceRole, ModuleId } from '../core/modules.ts'
import type { PlatformRow } from '../storage/tables.ts'
import type { OcpiEnvelope } from '../transport/envelope.ts'
import { PartnerCallError, type HttpMethod } from '../transport/ocpi-client.ts'
import { outboundUrl, type OutboundPath } from '../transport/outbound-path.ts'
import { routingRequestHeaders } from '../transport/routing-headers.ts'
import { refusalAsOcpiError } from '../version-adapters/adapt.ts'
import { CANONICAL_VERSION, type OcpiVersion, versionOf } from '../core/ocpi-versions.ts'
import { adaptAnswerData, adaptOutbound, type OutboundPlan } from '../version-adapters/outbound.ts'

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

/** A destination's answer, an OCPI envelope, as it came back. */
export interface DestinationAnswer {
  readonly httpStatus: number
  readonly envelope: OcpiEnvelope
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  /** The destination's endpoint URL that was called (Link rewriting). */
  readonly endpointUrl: string
  /** The destination's version, and what converting the request and its answer lost (told to the requester). */
  readonly version: OcpiVersion
  readonly losses: readonly string[]
}

function who(party: PartyRef): string {
  return `${party.country_code}*${party.party_id}`
}

/**
 * Party-to-party via the hub, the call itself: sends the request to the destination (new X-Request-ID,
 * same X-Correlation-ID, routing headers as given). A timeout is 4002, an unreachable destination 4003, an
 * answer that is not OCPI 4000.
 */
export async function callDestination(
  context: HubContext,
  request: ForwardedRequest,
): Promise<DestinationAnswer> {
  const endpoint = request.platform.endpoints.find(
    (e) => e.identifier.toLowerCase() === request.module && e.role === request.interfaceRole,
  )
  if ((!endpoint && !request.url) || !request.platform.outbound_token) {
    throw new OcpiError(
      'HUB_ERR_FORWARD_FAILED',
      `${who(request.to)} offers no ${request.module} ${request.interfaceRole} interface`,
    )
  }
  const endpointUrl = endpoint ? endpoint.url.replace(/\/+$/, '') : ''
  const version = versionOf(request.platform)
  const plan =
    version === CANONICAL_VERSION ? undefined : await adaptForDestination(context, version, request)
  const pathAndQuery = plan ? plan.pathAndQuery : request.pathAndQuery
  let response
  try {
    response = await context.client.send({
      method: request.method,
      url: request.url ?? outboundUrl(endpointUrl, pathAndQuery),
      token: request.platform.outbound_token,
      rawToken: version === '2.1.1',
      body: plan ? plan.body : request.body,
      correlationId: request.correlationId,
      // 2.1.1 has no routing headers: its receivers work out everything from the URL and the token.
      headers: version === '2.1.1' ? {} : routingRequestHeaders(request.from, request.to),
      timeoutMs: request.timeoutMs,
    })
  } catch (error) {
    if (!(error instanceof PartnerCallError)) throw error
    if (error.failure === 'timeout') {
      throw new OcpiError('HUB_ERR_FORWARD_TIMEOUT', `${who(request.to)} did not answer in time`, {
        detail: error.message,
      })
    }
    if (error.failure === 'unreachable') {
      throw new OcpiError('HUB_ERR_RECEIVER_NOT_CONNECTED', `${who(request.to)} could not be reached`, {
        detail: error.message,
      })
    }
    if (error.failure === 'answer-too-large') {
      throw new OcpiError(
        'HUB_ERR_FORWARD_FAILED',
        `${who(request.to)} answered with more than OUTBOUND_ANSWER_LIMIT_BYTES: the answer is not passed on`,
        { detail: error.message },
      )
    }
    if (error.failure === 'address-refused') {
      // Where the destination's host name points is for the operator's log, not for the requester.
      throw new OcpiError(
        'HUB_ERR_FORWARD_FAILED',
        `${who(request.to)} cannot be called: its address is not allowed`,
        {
          detail: error.message,
        },
      )
    }
    throw new OcpiError('HUB_ERR_FORWARD_FAILED', `${who(request.to)} cannot be called: ${error.message}`)
  }
  if (!response.envelope) {
    throw new OcpiError(
      'HUB_ERR_FORWARD_FAILED',
      `${who(request.to)} answered HTTP ${response.httpStatus} without an OCPI envelope`,
    )
  }
  if (!plan) {
    return {
      httpStatus: response.httpStatus,
      envelope: response.envelope,
      headers: response.headers,
      endpointUrl,
      version,
      losses: [],
    }
  }
  let answer: Awaited<ReturnType<typeof adaptAnswerData>>
  try {
    answer = await adaptAnswerData(context, version, request, plan.kinds, response.envelope.data, {
      owner: request.to,
      commandTimeout: context.config.asyncResults.waitSeconds,
    })
  } catch (error) {
    throw refusalAsOcpiError(error, version)
  }
  return {
    httpStatus: response.httpStatus,
    envelope: { ...response.envelope, data: answer.value },
    headers: response.headers,
    endpointUrl,
    version,
    losses: [...plan.losses, ...answer.losses],
  }
}

/**
 * The request in the destination's version. A module or object that version lacks cannot be forwarded
 * (4000 naming why); a refused conversion is 2001 to the requester, and nothing is sent.
 */
async function adaptForDestination(
  context: HubContext,
  version: OcpiVersion,
  request: ForwardedRequest,
): Promise<Extract<OutboundPlan, { send: true }>> {
  let plan: OutboundPlan
  try {
    plan = await adaptOutbound(context, version, request)
  } catch (error) {
    throw refusalAsOcpiError(error, version)
  }
  if (!plan.send) {
    throw new OcpiError(
      'HUB_ERR_FORWARD_FAILED',
      `${who(request.to)} speaks OCPI ${version}: ${plan.reason}, so the request cannot be passed on`,
    )
  }
  return plan
}
