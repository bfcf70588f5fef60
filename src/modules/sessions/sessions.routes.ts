import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { OcpiError } from '../../core/errors.ts'
import { DateTime } from '../../core/ocpi-types.schema.ts'
import type { PartyRef } from '../../core/party.ts'
import type { HubContext } from '../../hub-context.ts'
import { callDestination, relayAnswer, type ForwardedRequest } from '../../routing/forward.ts'
import { loadRequester, type Requester } from '../../routing/requester.ts'
import { rememberRoute } from '../../routing/route-index.store.ts'
import { queryPassedOn } from '../../routing/route-to.ts'
import { routeToOneParty } from '../../routing/routed-request.ts'
import { partnerOf } from '../../transport/authorization.ts'
import type { HttpMethod } from '../../transport/ocpi-client.ts'
import { outboundPath, type OutboundPath } from '../../transport/outbound-path.ts'
import { ObjectIdParam, OwnedObjectParams, ownerFromParams } from '../../transport/path-params.ts'
import { routingHeadersOf } from '../../transport/routing-headers.ts'
import { interfacePath } from '../registry.ts'
import { ChargingPreferences, Session, SessionPatch } from './sessions.schema.ts'
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

const SessionParams = OwnedObjectParams({ session_id: ObjectIdParam })
const SenderSessionParams = Type.Object({ session_id: ObjectIdParam })
// mod_sessions: date_from is required on the Sessions list (optional on every other list).
const SessionListQuery = Type.Object({ date_from: DateTime, date_to: Type.Optional(DateTime) })

/** What a CPO's message about one of its sessions needs to find the session's eMSP. */
interface OwnerMessage {
  readonly method: HttpMethod
  readonly owner: PartyRef
  readonly sessionId: string
  readonly body: unknown
  /** The ids the body carries, checked against the URL once the caller is known to own it. */
  readonly idsInBody?: { country_code?: unknown; party_id?: unknown; id?: unknown }
  /** Open routing: the eMSP worked out from the content, when there are no TO headers. */
  readonly destinationFromContent: () => Promise<PartyRef | undefined>
  readonly noDestination: OcpiError
}

/** What an eMSP's request to a CPO (list, charging preferences) needs to find the CPO. */
interface ReaderMessage {
  readonly method: HttpMethod
  readonly pathAndQuery: OutboundPath
  readonly body: unknown
  readonly destinationFromContent?: (requester: Requester) => Promise<PartyRef | undefined>
  /** The party the requester speaks as when it sends no FROM (the session's eMSP). */
  readonly preferredSpeaker?: () => PartyRef | undefined
  readonly noDestination: OcpiError
}

/**
 * Sessions module (mod_sessions), both interfaces of the hub. Sessions are personal data about one
 * driver: each message goes to exactly one party, never to everyone, and the hub keeps no copy.
 * RECEIVER: a CPO's PUT/PATCH/GET of `{cc}/{pid}/{session_id}` goes to the eMSP of the session (TO, else
 * the `cdr_token` owner or the eMSP the hub saw the session's PUT go to). SENDER: the list and
 * `charging_preferences` go to the CPO named in TO (or, for charging preferences, the session's CPO).
 */
export async function sessionsRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const receiver = `/${interfacePath('sessions', 'RECEIVER')}`
  const sender = `/${interfacePath('sessions', 'SENDER')}`
  const objectUrl = `${receiver}/:country_code/:party_id/:session_id`

  /**
   * The session's own CPO (URL owner = one of the caller's CPO roles, FROM = that owner) to a party that
   * receives sessions, never to a CPO or the hub.
   */
  async function routeOwnerMessage(
    request: FastifyRequest,
    message: OwnerMessage,
  ): Promise<ForwardedRequest> {
    const { owner, sessionId } = message
    checkSessionOwner(loadRequester(context.directory, partnerOf(request)), owner)
    if (message.idsInBody) checkSessionIds(message.idsInBody, owner, sessionId)
    checkSpeaksAsOwner(routingHeadersOf(request), owner, 'the session')
    const routed = await routeToOneParty(context, request, {
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
    request: FastifyRequest,
    message: ReaderMessage,
  ): Promise<ForwardedRequest> {
    const routed = await routeToOneParty(context, request, {
      module: 'sessions',
      interfaceRole: 'SENDER',
      method: message.method,
      pathAndQuery: message.pathAndQuery,
      body: message.body,
      destinationFromContent: message.destinationFromContent,
      noDestination: message.noDestination,
    })
    const from = speakerOf(
      routed.requester,
      routingHeadersOf(request),
      SESSION_RECEIVERS,
      message.preferredSpeaker?.(),
    )
    return { ...routed.forward, from }
  }

  routes.put(objectUrl, { schema: { params: SessionParams, body: Session } }, async (request, reply) => {
    const owner = ownerFromParams(request.params)
    const sessionId = request.params.session_id
    const forward = await routeOwnerMessage(request, {
      method: 'PUT',
      owner,
      sessionId,
      body: request.body,
      idsInBody: request.body,
      // The eMSP of the driver: a Session PUT always carries its cdr_token.
      destinationFromContent: () => Promise.resolve(tokenOwner(request.body.cdr_token)),
      noDestination: new OcpiError('HUB_ERR_INVALID_PARAMETERS', 'cdr_token: is required'),
    })
    const answer = await callDestination(context, forward)
    // PATCHes and GETs of this session without TO headers find their way to the same eMSP.
    if (isAccepted(answer)) await rememberRoute(context.db, 'session', sessionId, owner, forward.to)
    return relayAnswer(reply, answer, forward)
  })

  // Passed on as it came: the eMSP appends its charging_periods to its copy (mod_sessions PATCH).
  routes.patch(
    objectUrl,
    { schema: { params: SessionParams, body: SessionPatch } },
    async (request, reply) => {
      const owner = ownerFromParams(request.params)
      const sessionId = request.params.session_id
      const forward = await routeOwnerMessage(request, {
        method: 'PATCH',
        owner,
        sessionId,
        body: request.body,
        idsInBody: request.body,
        destinationFromContent: async () =>
          (await sessionCounterpart(context.db, owner, sessionId)) ?? tokenOwner(request.body.cdr_token),
        noDestination: new OcpiError(
          'HUB_ERR_ROUTING_HEADERS',
          `No receiver for session ${sessionId}: no OCPI-to-* headers, no cdr_token in the PATCH, and the hub has not passed on a PUT of this session from ${owner.country_code}*${owner.party_id}`,
        ),
      })
      return relayAnswer(reply, await callDestination(context, forward), forward)
    },
  )

  // The CPO re-reads the eMSP's copy (e.g. after a failed PATCH). Only the session's own CPO gets here:
  // the URL owner must be the caller's, and the route index is keyed by that owner.
  routes.get(objectUrl, { schema: { params: SessionParams } }, async (request, reply) => {
    const owner = ownerFromParams(request.params)
    const sessionId = request.params.session_id
    const forward = await routeOwnerMessage(request, {
      method: 'GET',
      owner,
      sessionId,
      body: undefined,
      destinationFromContent: () => sessionCounterpart(context.db, owner, sessionId),
      noDestination: new OcpiError(
        'HUB_ERR_GET_NEEDS_DESTINATION',
        `The hub does not know the eMSP of session ${sessionId} of ${owner.country_code}*${owner.party_id}: name it in OCPI-to-*`,
      ),
    })
    return relayAnswer(reply, await callDestination(context, forward), forward)
  })

  // The hub does not keep sessions, so there is no GET All: the list is always one CPO's.
  routes.get(sender, { schema: { querystring: SessionListQuery } }, async (request, reply) => {
    const forward = await routeReaderMessage(request, {
      method: 'GET',
      pathAndQuery: outboundPath([], queryPassedOn(request.url)),
      body: undefined,
      noDestination: new OcpiError(
        'HUB_ERR_ROUTING_HEADERS',
        'The hub keeps no sessions: name the CPO whose sessions to list in OCPI-to-* (or route_to=CC-PID)',
      ),
    })
    return relayAnswer(reply, await callDestination(context, forward), forward)
  })

  routes.put(
    `${sender}/:session_id/charging_preferences`,
    { schema: { params: SenderSessionParams, body: ChargingPreferences } },
    async (request, reply) => {
      const sessionId = request.params.session_id
      let sessionReceiver: PartyRef | undefined
      const forward = await routeReaderMessage(request, {
        method: 'PUT',
        pathAndQuery: outboundPath([sessionId, 'charging_preferences']),
        body: request.body,
        // Open routing: the CPO of the session the hub passed on to one of the caller's parties.
        destinationFromContent: async (requester) => {
          const known = await sessionOfCaller(context.db, requester, sessionId)
          sessionReceiver = known?.counterpart
          return known?.owner
        },
        preferredSpeaker: () => sessionReceiver,
        noDestination: new OcpiError(
          'HUB_ERR_ROUTING_HEADERS',
          `The hub has not passed on a session ${sessionId} to you: name its CPO in OCPI-to-*`,
        ),
      })
      return relayAnswer(reply, await callDestination(context, forward), forward)
    },
  )
}
