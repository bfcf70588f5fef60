import { OcpiError } from '../../core/errors.ts'
import type { PartyRef } from '../../core/party.ts'
import type { HubContext } from '../../hub-context.ts'
import { callDestination, type ForwardedRequest } from '../../routing/forward.ts'
import { relayedAnswer, type HubAnswer, type MessageSource } from '../../routing/hub-answer.ts'
import type { Requester } from '../../routing/requester.ts'
import { rememberRoute } from '../../routing/route-index.store.ts'
import { routeToOneParty } from '../../routing/routed-request.ts'
import type { HttpMethod } from '../../partners/partner-channel.ts'
import { outboundPath, type OutboundPath } from '../../core/outbound-path.ts'
import type { ChargingPreferences, Session, SessionPatch } from './sessions.schema.ts'
import {
  checkSessionIds,
  checkSessionOwner,
  checkSpeaksAsOwner,
  isAccepted,
  sessionCounterpart,
  sessionOfCaller,
  SESSION_RECEIVERS,
  speakerOf,
  tokenOwner,
} from './sessions.routing.ts'

/**
 * Sessions through the hub (mod_sessions), as operations on plain values. Sessions are personal data
 * about one driver: each message goes to exactly one party, never to everyone, and the hub keeps no copy.
 */

/** One session of a CPO, as its URL names it. */
export interface SessionRef {
  readonly owner: PartyRef
  readonly sessionId: string
}

/** What a CPO's message about one of its sessions needs to find the session's eMSP. */
interface OwnerMessage extends SessionRef {
  readonly method: HttpMethod
  readonly body: unknown
  /** The ids the body carries, checked against the URL once the caller is known to own it. */
  readonly idsInBody?: { country_code?: unknown; party_id?: unknown; id?: unknown }
  /** Open routing: the eMSP worked out from the content, when there are no TO headers. */
  readonly destinationFromContent: () => Promise<PartyRef | undefined>
  readonly noDestination: () => OcpiError
}

/** What an eMSP's request to a CPO (list, charging preferences) needs to find the CPO. */
interface ReaderMessage {
  readonly method: HttpMethod
  readonly pathAndQuery: OutboundPath
  readonly body: unknown
  readonly destinationFromContent?: (requester: Requester) => Promise<PartyRef | undefined>
  /** The party the requester speaks as when it sends no FROM (the session's eMSP). */
  readonly preferredSpeaker?: () => PartyRef | undefined
  readonly noDestination: () => OcpiError
}

/**
 * The session's own CPO (URL owner = one of the caller's CPO roles, FROM = that owner) to a party that
 * receives sessions, never to a CPO or the hub.
 */
async function routeOwnerMessage(
  context: HubContext,
  source: MessageSource,
  message: OwnerMessage,
): Promise<ForwardedRequest> {
  const { owner, sessionId } = message
  checkSessionOwner(source.requester, owner)
  if (message.idsInBody) checkSessionIds(message.idsInBody, owner, sessionId)
  checkSpeaksAsOwner(source.routing, owner, 'the session')
  const routed = await routeToOneParty(context, source, {
    module: 'sessions',
    interfaceRole: 'RECEIVER',
    method: message.method,
    pathAndQuery: outboundPath([owner.country_code, owner.party_id, sessionId]),
    body: message.body,
    destinationFromContent: message.destinationFromContent,
    noDestination: message.noDestination,
  })
  // The destination holds a role that receives sessions (routed-request: INTERFACE_IMPLEMENTERS).
  return { ...routed.forward, from: owner }
}

/** A party that receives sessions (eMSP, SCSP, OTHER) to a CPO. */
async function routeReaderMessage(
  context: HubContext,
  source: MessageSource,
  message: ReaderMessage,
): Promise<ForwardedRequest> {
  const routed = await routeToOneParty(context, source, {
    module: 'sessions',
    interfaceRole: 'SENDER',
    method: message.method,
    pathAndQuery: message.pathAndQuery,
    body: message.body,
    destinationFromContent: message.destinationFromContent,
    noDestination: message.noDestination,
  })
  const from = speakerOf(routed.requester, source.routing, SESSION_RECEIVERS, message.preferredSpeaker?.())
  return { ...routed.forward, from }
}

/**
 * A CPO's Session PUT: to the eMSP named in TO, else the owner of its `cdr_token`. Once the eMSP took it,
 * later PATCHes and GETs of this session without TO headers find their way to the same eMSP.
 */
export async function putSession(
  context: HubContext,
  source: MessageSource,
  put: SessionRef & { readonly session: Session },
): Promise<HubAnswer> {
  const { owner, sessionId, session } = put
  const forward = await routeOwnerMessage(context, source, {
    method: 'PUT',
    owner,
    sessionId,
    body: session,
    idsInBody: session,
    // The eMSP of the driver: a Session PUT always carries its cdr_token.
    destinationFromContent: () => Promise.resolve(tokenOwner(session.cdr_token)),
    noDestination: () => new OcpiError('HUB_ERR_INVALID_PARAMETERS', 'cdr_token: is required'),
  })
  const answer = await callDestination(context, forward)
  if (isAccepted(answer)) {
    await rememberRoute(context.db, 'session', sessionId, owner, forward.to)
    const correlationId = forward.correlationId
    context.events.emit('session.updated', {
      method: 'PUT',
      owner,
      receiver: forward.to,
      sessionId,
      session,
      correlationId,
    })
  }
  return relayedAnswer(answer, forward)
}

/**
 * A CPO's Session PATCH, passed on as it came (the eMSP appends its charging_periods to its copy): to TO,
 * else the eMSP the hub passed the session's PUT to, else the owner of a `cdr_token` in the PATCH.
 */
export async function patchSession(
  context: HubContext,
  source: MessageSource,
  patch: SessionRef & { readonly patch: SessionPatch },
): Promise<HubAnswer> {
  const { owner, sessionId } = patch
  const forward = await routeOwnerMessage(context, source, {
    method: 'PATCH',
    owner,
    sessionId,
    body: patch.patch,
    idsInBody: patch.patch,
    destinationFromContent: async () =>
      (await sessionCounterpart(context.db, owner, sessionId)) ?? tokenOwner(patch.patch.cdr_token),
    noDestination: () =>
      new OcpiError(
        'HUB_ERR_ROUTING_HEADERS',
        `No receiver for session ${sessionId}: no OCPI-to-* headers, no cdr_token in the PATCH, and the hub has not passed on a PUT of this session from ${owner.country_code}*${owner.party_id}`,
      ),
  })
  const answer = await callDestination(context, forward)
  if (isAccepted(answer)) {
    const correlationId = forward.correlationId
    context.events.emit('session.updated', {
      method: 'PATCH',
      owner,
      receiver: forward.to,
      sessionId,
      session: patch.patch,
      correlationId,
    })
  }
  return relayedAnswer(answer, forward)
}

/**
 * The CPO re-reads the eMSP's copy (e.g. after a failed PATCH). Only the session's own CPO gets here: the
 * owner must be the caller's, and the route index is keyed by that owner.
 */
export async function readSessionCopy(
  context: HubContext,
  source: MessageSource,
  session: SessionRef,
): Promise<HubAnswer> {
  const { owner, sessionId } = session
  const forward = await routeOwnerMessage(context, source, {
    method: 'GET',
    owner,
    sessionId,
    body: undefined,
    destinationFromContent: () => sessionCounterpart(context.db, owner, sessionId),
    noDestination: () =>
      new OcpiError(
        'HUB_ERR_GET_NEEDS_DESTINATION',
        `The hub does not know the eMSP of session ${sessionId} of ${owner.country_code}*${owner.party_id}: name it in OCPI-to-*`,
      ),
  })
  return relayedAnswer(await callDestination(context, forward), forward)
}

/** The hub does not keep sessions, so there is no GET All: the list is always one CPO's, named in TO. */
export async function listSessions(
  context: HubContext,
  source: MessageSource,
  list: { readonly query: URLSearchParams },
): Promise<HubAnswer> {
  const forward = await routeReaderMessage(context, source, {
    method: 'GET',
    pathAndQuery: outboundPath([], list.query),
    body: undefined,
    noDestination: () =>
      new OcpiError(
        'HUB_ERR_ROUTING_HEADERS',
        'The hub keeps no sessions: name the CPO whose sessions to list in OCPI-to-* (or route_to=CC-PID)',
      ),
  })
  return relayedAnswer(await callDestination(context, forward), forward)
}

/**
 * An eMSP's charging preferences for a session: to TO, else (open routing) the CPO of the session the hub
 * passed on to one of the caller's parties, spoken as that party.
 */
export async function setChargingPreferences(
  context: HubContext,
  source: MessageSource,
  put: { readonly sessionId: string; readonly preferences: ChargingPreferences },
): Promise<HubAnswer> {
  const { sessionId } = put
  let sessionReceiver: PartyRef | undefined
  const forward = await routeReaderMessage(context, source, {
    method: 'PUT',
    pathAndQuery: outboundPath([sessionId, 'charging_preferences']),
    body: put.preferences,
    destinationFromContent: async (requester) => {
      const known = await sessionOfCaller(context.db, requester, sessionId)
      sessionReceiver = known?.counterpart
      return known?.owner
    },
    preferredSpeaker: () => sessionReceiver,
    noDestination: () =>
      new OcpiError(
        'HUB_ERR_ROUTING_HEADERS',
        `The hub has not passed on a session ${sessionId} to you: name its CPO in OCPI-to-*`,
      ),
  })
  return relayedAnswer(await callDestination(context, forward), forward)
}
