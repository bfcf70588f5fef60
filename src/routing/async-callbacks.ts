import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { sql } from 'kysely'
import { OcpiError } from '../core/errors.ts'
import type { PartyRef } from '../core/party.ts'
import type { HubContext } from '../hub-context.ts'
import { hubInterfaceUrl } from '../modules/registry.ts'
import { AT_ENDPOINT } from '../core/outbound-path.ts'
import { callDestination, type DestinationAnswer, type ForwardedRequest } from './forward.ts'
import { relayedAnswer, type HubAnswer } from './hub-answer.ts'
import type { RoutedRequest } from './routed-request.ts'

export interface CallbackRegistration {
  readonly module: 'commands' | 'chargingprofiles'
  readonly requesterPlatformId: string
  readonly requester: PartyRef
  readonly responderPlatformId: string
  readonly responder: PartyRef
  /** The requester's own response_url. */
  readonly responseUrl: string
  readonly correlationId: string
}

/** The hosts (`name:port`) a platform registered: those of its versions URL and of its endpoints. */
export function registeredHosts(platform: {
  readonly versions_url: string | null
  readonly endpoints: readonly { readonly url: string }[]
}): Set<string> {
  const hosts = new Set<string>()
  for (const raw of [platform.versions_url, ...platform.endpoints.map((endpoint) => endpoint.url)]) {
    if (raw && URL.canParse(raw)) hosts.add(new URL(raw).host.toLowerCase())
  }
  return hosts
}

/**
 * The hub only calls a partner on hosts that partner registered: a URL it hands over in a message
 * (response_url) must not make the hub call someone else (SSRF, or results of one partner sent elsewhere).
 */
export async function checkUrlOnPartnerHosts(
  context: HubContext,
  platformId: string,
  url: string,
  what: string,
): Promise<void> {
  const platform = context.directory.platform(platformId)
  const host = URL.canParse(url) ? new URL(url).host.toLowerCase() : undefined
  if (!platform || !host || !registeredHosts(platform).has(host)) {
    throw new OcpiError(
      'HUB_ERR_INVALID_PARAMETERS',
      `${what} ${url} is not on a host your platform registered (its versions URL or endpoints): the hub only calls you there`,
    )
  }
}

/**
 * Creates the hub's stand-in for a requester's `response_url` (Commands, ChargingProfiles): a unique URL
 * on the hub's SENDER interface of the module, which only the responder may call, once, before it
 * expires. Returns the URL to put in the forwarded request.
 */
export async function createCallback(
  context: HubContext,
  registration: CallbackRegistration,
): Promise<{ id: string; url: string }> {
  await checkUrlOnPartnerHosts(
    context,
    registration.requesterPlatformId,
    registration.responseUrl,
    'response_url',
  )
  const id = randomUUID()
  await context.db
    .insertInto('async_callbacks')
    .values({
      id,
      module: registration.module,
      requester_platform_id: registration.requesterPlatformId,
      requester_country_code: registration.requester.country_code,
      requester_party_id: registration.requester.party_id,
      responder_platform_id: registration.responderPlatformId,
      responder_country_code: registration.responder.country_code,
      responder_party_id: registration.responder.party_id,
      response_url: registration.responseUrl,
      correlation_id: registration.correlationId,
      // How long a requester may wait when the responder names no timeout (COMMAND_RESULT_WAIT_SECONDS).
      expires_at: new Date(Date.now() + context.config.asyncResults.waitSeconds * 1000),
    })
    .execute()
  return { id, url: `${hubInterfaceUrl(context.hub, registration.module, 'SENDER')}/callbacks/${id}` }
}

/**
 * The responder accepted the request and said how long it may take (CommandResponse.timeout): wait that
 * long and a bit (COMMAND_RESULT_GRACE_SECONDS), for results in transit and clocks that differ.
 */
export async function extendCallback(context: HubContext, id: string, timeoutSeconds: number): Promise<void> {
  const seconds = Math.min(Math.max(timeoutSeconds, 0), 86_400) + context.config.asyncResults.graceSeconds
  await context.db
    .updateTable('async_callbacks')
    .set({ expires_at: new Date(Date.now() + seconds * 1000) })
    .where('id', '=', id)
    .execute()
}

/** The responder refused or never received the request: no result will come. */
export async function dropCallback(context: HubContext, id: string): Promise<void> {
  await context.db.deleteFrom('async_callbacks').where('id', '=', id).execute()
}

/** A request that carries the requester's response_url (a command, a charging-profile request). */
export interface CallbackBoundRequest {
  readonly module: CallbackRegistration['module']
  /** The requester's own response_url. */
  readonly responseUrl: string
  /** The request as the responder must see it: the hub's callback URL in place of the requester's. */
  readonly withCallbackUrl: (callbackUrl: string) => Pick<ForwardedRequest, 'pathAndQuery' | 'body'>
}

export interface CallbackForwardOutcome {
  readonly answer: HubAnswer
  /** The responder accepted (`result: ACCEPTED`): its asynchronous result will follow. */
  readonly accepted: boolean
}

/** `timeout` of an accepted CommandResponse / ChargingProfileResponse (null: none named); undefined when not accepted. */
function acceptedTimeout(answer: DestinationAnswer): number | null | undefined {
  const { httpStatus, envelope } = answer
  if (httpStatus < 200 || httpStatus > 299 || envelope.status_code !== 1000) return undefined
  const data = envelope.data as { result?: unknown; timeout?: unknown } | null | undefined
  if (typeof data !== 'object' || data === null || data.result !== 'ACCEPTED') return undefined
  return Number.isInteger(data.timeout) ? (data.timeout as number) : null
}

/**
 * Forwards a request that carries a response_url: the requester's URL is replaced by a fresh hub
 * callback, and the responder's answer is relayed unchanged. The callback stays open for the timeout the
 * responder names when it accepts; when it refuses, fails or does not answer, no result will come and the
 * callback is dropped. Never retried: a command must not run twice.
 */
export async function forwardWithCallback(
  context: HubContext,
  routed: RoutedRequest,
  bound: CallbackBoundRequest,
): Promise<CallbackForwardOutcome> {
  const callback = await createCallback(context, {
    module: bound.module,
    requesterPlatformId: routed.requester.platformId,
    requester: routed.forward.from,
    responderPlatformId: routed.forward.platform.id,
    responder: routed.forward.to,
    responseUrl: bound.responseUrl,
    correlationId: routed.forward.correlationId,
  })
  const forward: ForwardedRequest = { ...routed.forward, ...bound.withCallbackUrl(callback.url) }
  let answer: DestinationAnswer
  try {
    answer = await callDestination(context, forward)
  } catch (error) {
    await dropCallback(context, callback.id)
    throw error
  }
  const timeout = acceptedTimeout(answer)
  if (timeout === undefined) await dropCallback(context, callback.id)
  // No timeout named: the callback keeps the COMMAND_RESULT_WAIT_SECONDS it was created with.
  else if (timeout !== null) await extendCallback(context, callback.id, timeout)
  return { answer: relayedAnswer(answer, forward), accepted: timeout !== undefined }
}

/** An asynchronous result POSTed to a hub callback. */
export interface CallbackResult {
  readonly module: CallbackRegistration['module']
  /** The callback's id, the last segment of its URL. */
  readonly id: string
  /** The platform that POSTed the result: only the responder the callback was handed to may. */
  readonly responderPlatformId: string
  readonly body: unknown
  readonly log: FastifyBaseLogger
}

/**
 * A result POSTed to a hub callback: only by the responder it was handed to, once, before it expires;
 * then delivered to the requester's own response_url with FROM = responder, TO = requester, and the
 * requester's answer relayed back. Results are not queued or retried: the responder sees the outcome.
 */
export async function relayCallbackResult(context: HubContext, result: CallbackResult): Promise<HubAnswer> {
  const { module, id } = result
  const callback = await context.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('async_callbacks')
      .selectAll()
      .where('id', '=', id)
      .where('module', '=', module)
      .forUpdate()
      .executeTakeFirst()
    if (!row || row.responder_platform_id !== result.responderPlatformId) return undefined
    if (row.used_at !== null || new Date(row.expires_at).getTime() < Date.now())
      return { ...row, usable: false }
    await trx
      .updateTable('async_callbacks')
      .set({ used_at: sql<Date>`now()` })
      .where('id', '=', id)
      .execute()
    return { ...row, usable: true }
  })
  if (!callback) throw new OcpiError('HUB_ERR_UNKNOWN_OBJECT', `Unknown ${module} callback ${id}`)
  if (!callback.usable) {
    throw new OcpiError(
      'HUB_ERR_UNKNOWN_OBJECT',
      `The ${module} callback ${id} has expired or was already used`,
    )
  }
  const platform = context.directory.platform(callback.requester_platform_id)
  if (!platform || platform.status !== 'CONNECTED') {
    throw new OcpiError(
      'HUB_ERR_RECEIVER_NOT_CONNECTED',
      'The requester of this result is no longer connected',
    )
  }
  const forward: ForwardedRequest = {
    platform,
    module,
    interfaceRole: 'SENDER',
    method: 'POST',
    pathAndQuery: AT_ENDPOINT,
    url: callback.response_url,
    body: result.body,
    from: { country_code: callback.responder_country_code, party_id: callback.responder_party_id },
    to: { country_code: callback.requester_country_code, party_id: callback.requester_party_id },
    correlationId: callback.correlation_id,
    hubInterfaceUrl: hubInterfaceUrl(context.hub, module, 'SENDER'),
  }
  result.log.info({ module, callbackId: id, requester: forward.to }, 'relaying an asynchronous result')
  return relayedAnswer(await callDestination(context, forward), forward)
}

/** Forgets callbacks whose results can no longer come (expired an hour ago). */
export async function pruneCallbacks(context: HubContext): Promise<void> {
  await context.db
    .deleteFrom('async_callbacks')
    .where('expires_at', '<', new Date(Date.now() - 3_600_000))
    .execute()
}
