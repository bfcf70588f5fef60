import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { OcpiError } from '../../core/errors.ts'
import { DateTime } from '../../core/ocpi-types.schema.ts'
import type { PartyRef } from '../../core/party.ts'
import type { HubContext } from '../../hub-context.ts'
import { callDestination, forwardAndRelay, relayAnswer } from '../../routing/forward.ts'
import { loadRequester } from '../../routing/requester.ts'
import { rememberRoute } from '../../routing/route-index.store.ts'
import { queryWithoutRouteTo } from '../../routing/route-to.ts'
import { routeToOneParty } from '../../routing/routed-request.ts'
import { partnerOf } from '../../transport/authorization.ts'
import { ObjectIdParam, OwnedObjectParams, ownerFromParams } from '../../transport/path-params.ts'
import { routingHeadersOf } from '../../transport/routing-headers.ts'
import { interfacePath } from '../registry.ts'
import { ChargingPreferences, Session, SessionPatch } from './sessions.schema.ts'
import {
  checkSessionIds,
  checkSessionOwner,
  isAccepted,
  sessionOfCaller,
  sessionCounterpart,
  tokenOwner,
} from './sessions.routing.ts'

const SessionParams = OwnedObjectParams({ session_id: ObjectIdParam })
const SenderSessionParams = Type.Object({ session_id: ObjectIdParam })
// mod_sessions: date_from is required on the Sessions list (optional on every other list).
const SessionListQuery = Type.Object({ date_from: DateTime, date_to: Type.Optional(DateTime) })

/**
 * Sessions module (mod_sessions), both interfaces of the hub. Sessions are personal data about one
 * driver: each message goes to exactly one party, never to everyone, and the hub keeps no copy.
 * RECEIVER: a CPO's PUT/PATCH/GET of `{cc}/{pid}/{session_id}` goes to the eMSP of the session (TO, else
 * the `cdr_token` owner or the eMSP the hub saw the session's PUT go to). SENDER: the list and
 * `charging_preferences` go to the CPO named in TO (or, for charging preferences, the session's CPO).
 */
export async function sessionsRoutes(app: FastifyInstance, { context }: { context: HubContext }): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const receiver = `/2.3.0/${interfacePath('sessions', 'RECEIVER')}`
  const sender = `/2.3.0/${interfacePath('sessions', 'SENDER')}`
  const objectUrl = `${receiver}/:country_code/:party_id/:session_id`
  const objectPath = (owner: PartyRef, sessionId: string) =>
    `/${owner.country_code}/${owner.party_id}/${encodeURIComponent(sessionId)}`

  routes.put(objectUrl, { schema: { params: SessionParams, body: Session } }, async (request, reply) => {
    const owner = ownerFromParams(request.params)
    const sessionId = request.params.session_id
    checkSessionOwner(await loadRequester(context.db, partnerOf(request)), owner)
    checkSessionIds(request.body, owner, sessionId)
    const routed = await routeToOneParty(context, request, {
      module: 'sessions',
      interfaceRole: 'RECEIVER',
      method: 'PUT',
      pathAndQuery: objectPath(owner, sessionId),
      body: request.body,
      // The eMSP of the driver: a Session PUT always carries its cdr_token.
      destinationFromContent: () => Promise.resolve(tokenOwner(request.body.cdr_token)),
      noDestination: new OcpiError('HUB_ERR_INVALID_PARAMETERS', 'cdr_token: is required'),
    })
    const forward = { ...routed.forward, from: routingHeadersOf(request).from ?? owner }
    const answer = await callDestination(context, forward)
    // PATCHes and GETs of this session without TO headers find their way to the same eMSP.
    if (isAccepted(answer)) await rememberRoute(context.db, 'session', sessionId, owner, forward.to)
    return relayAnswer(reply, answer, forward)
  })

  // Passed on as it came: the eMSP appends its charging_periods to its copy (mod_sessions PATCH).
  routes.patch(objectUrl, { schema: { params: SessionParams, body: SessionPatch } }, async (request, reply) => {
    const owner = ownerFromParams(request.params)
    const sessionId = request.params.session_id
    checkSessionOwner(await loadRequester(context.db, partnerOf(request)), owner)
    checkSessionIds(request.body, owner, sessionId)
    const routed = await routeToOneParty(context, request, {
      module: 'sessions',
      interfaceRole: 'RECEIVER',
      method: 'PATCH',
      pathAndQuery: objectPath(owner, sessionId),
      body: request.body,
      destinationFromContent: async () =>
        (await sessionCounterpart(context.db, owner, sessionId)) ?? tokenOwner(request.body.cdr_token),
      noDestination: new OcpiError(
        'HUB_ERR_ROUTING_HEADERS',
        `No receiver for session ${sessionId}: no OCPI-to-* headers, no cdr_token in the PATCH, and the hub has not passed on a PUT of this session from ${owner.country_code}*${owner.party_id}`,
      ),
    })
    return forwardAndRelay(context, reply, { ...routed.forward, from: routingHeadersOf(request).from ?? owner })
  })

  // The CPO re-reads the eMSP's copy (e.g. after a failed PATCH). Only the session's own CPO gets here:
  // the URL owner must be the caller's, and the route index is keyed by that owner.
  routes.get(objectUrl, { schema: { params: SessionParams } }, async (request, reply) => {
    const owner = ownerFromParams(request.params)
    const sessionId = request.params.session_id
    checkSessionOwner(await loadRequester(context.db, partnerOf(request)), owner)
    const routed = await routeToOneParty(context, request, {
      module: 'sessions',
      interfaceRole: 'RECEIVER',
      method: 'GET',
      pathAndQuery: objectPath(owner, sessionId),
      body: undefined,
      destinationFromContent: () => sessionCounterpart(context.db, owner, sessionId),
      noDestination: new OcpiError(
        'HUB_ERR_GET_NEEDS_DESTINATION',
        `The hub does not know the eMSP of session ${sessionId} of ${owner.country_code}*${owner.party_id}: name it in OCPI-to-*`,
      ),
    })
    return forwardAndRelay(context, reply, { ...routed.forward, from: routingHeadersOf(request).from ?? owner })
  })

  // The hub does not keep sessions, so there is no GET All: the list is always one CPO's.
  routes.get(sender, { schema: { querystring: SessionListQuery } }, async (request, reply) => {
    const routed = await routeToOneParty(context, request, {
      module: 'sessions',
      interfaceRole: 'SENDER',
      method: 'GET',
      pathAndQuery: queryWithoutRouteTo(request.url),
      body: undefined,
      noDestination: new OcpiError(
        'HUB_ERR_ROUTING_HEADERS',
        'The hub keeps no sessions: name the CPO whose sessions to list in OCPI-to-* (or route_to=CC-PID)',
      ),
    })
    return forwardAndRelay(context, reply, routed.forward)
  })

  routes.put(
    `${sender}/:session_id/charging_preferences`,
    { schema: { params: SenderSessionParams, body: ChargingPreferences } },
    async (request, reply) => {
      const sessionId = request.params.session_id
      let caller: PartyRef | undefined
      const routed = await routeToOneParty(context, request, {
        module: 'sessions',
        interfaceRole: 'SENDER',
        method: 'PUT',
        pathAndQuery: `/${encodeURIComponent(sessionId)}/charging_preferences`,
        body: request.body,
        destinationFromContent: async (requester) => {
          const known = await sessionOfCaller(context.db, requester, sessionId)
          caller = known?.counterpart
          return known?.owner
        },
        noDestination: new OcpiError(
          'HUB_ERR_ROUTING_HEADERS',
          `The hub has not passed on session ${sessionId} to you: name its CPO in OCPI-to-*`,
        ),
      })
      // Without FROM, the eMSP the session was sent to speaks (a platform may hold several roles).
      const from = routingHeadersOf(request).from ?? caller ?? routed.from
      return forwardAndRelay(context, reply, { ...routed.forward, from })
    },
  )
}
