import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { OcpiUrl } from '../../core/ocpi-types.schema.ts'
import { hubParty, type HubContext } from '../../hub-context.ts'
import { forwardWithCallback, relayCallbackResult } from '../../routing/async-callbacks.ts'
import { forwardAndRelay } from '../../routing/forward.ts'
import { rememberRoute } from '../../routing/route-index.store.ts'
import { routeToOneParty } from '../../routing/routed-request.ts'
import type { HttpMethod } from '../../partners/partner-channel.ts'
import { AT_ENDPOINT, outboundPath, type OutboundPath } from '../../transport/outbound-path.ts'
import { ObjectIdParam } from '../../transport/path-params.ts'
import { setResponseRouting } from '../../transport/routing-headers.ts'
import { counterpartForOwner, nameTheReceiver, ownerForCounterpart } from '../commands/commands.routing.ts'
import { interfacePath } from '../registry.ts'
import {
  ActiveChargingProfile,
  ActiveChargingProfileResult,
  SetChargingProfile,
} from './charging-profiles.schema.ts'

const SessionParams = Type.Object({ session_id: ObjectIdParam })
const CallbackParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })
// Query values are strings (the hub never coerces): `duration` is a whole number of seconds.
const GetProfileQuery = Type.Object({
  duration: Type.String({ pattern: '^[0-9]{1,9}$' }),
  response_url: OcpiUrl,
})
const ClearProfileQuery = Type.Object({ response_url: OcpiUrl })
/**
 * The three results share `result`; ActiveChargingProfileResult adds an optional `profile`, so its schema
 * accepts all of them (the hub cannot tell them apart and need not: the requester knows what it asked).
 */
const AnyProfileResult = ActiveChargingProfileResult
/** Who sets profiles at CPOs (mod_charging_profiles): the driver's eMSP or a smart charging provider. */
const PROFILE_SETTER_ROLES = ['EMSP', 'SCSP', 'OTHER'] as const

/**
 * ChargingProfiles module (mod_charging_profiles) through the hub. RECEIVER: an eMSP or SCSP reads
 * (GET), sets (PUT) or clears (DELETE) the profile of a session at its CPO; routed by TO, else to the
 * CPO of the requester's own session, with the hub's callback in place of `response_url`. SENDER: the
 * CPO POSTs results to those callbacks, and PUTs ActiveChargingProfile updates for the party that set a
 * profile (TO, else the setter the hub remembered).
 */
export async function chargingProfilesRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  // The hub's own answers (refusals, bad input) come from the hub; a relayed answer replaces these.
  app.addHook('onRequest', async (_request, reply) =>
    setResponseRouting(reply, hubParty(context.hub), undefined),
  )
  const receiver = `/${interfacePath('chargingprofiles', 'RECEIVER')}/:session_id`
  const sender = `/${interfacePath('chargingprofiles', 'SENDER')}`

  /** One request to the session's CPO, with the requester's response_url swapped for a hub callback. */
  const toSessionCpo = async (
    request: FastifyRequest,
    reply: FastifyReply,
    call: {
      method: HttpMethod
      sessionId: string
      responseUrl: string
      withCallbackUrl: (callbackUrl: string) => { pathAndQuery: OutboundPath; body: unknown }
    },
  ) => {
    const routed = await routeToOneParty(context, request, {
      module: 'chargingprofiles',
      interfaceRole: 'RECEIVER',
      method: call.method,
      pathAndQuery: AT_ENDPOINT,
      body: undefined,
      requesterRoles: PROFILE_SETTER_ROLES,
      destinationFromContent: (requester) =>
        ownerForCounterpart(context.db, 'session', call.sessionId, requester),
      noDestination: nameTheReceiver(`The hub knows no session ${call.sessionId} of yours`),
    })
    const outcome = await forwardWithCallback(context, reply, routed, {
      module: 'chargingprofiles',
      responseUrl: call.responseUrl,
      withCallbackUrl: call.withCallbackUrl,
    })
    return { routed, outcome }
  }

  routes.get(
    receiver,
    { schema: { params: SessionParams, querystring: GetProfileQuery } },
    async (request, reply) => {
      const { session_id: sessionId } = request.params
      const { duration, response_url: responseUrl } = request.query
      const { outcome } = await toSessionCpo(request, reply, {
        method: 'GET',
        sessionId,
        responseUrl,
        withCallbackUrl: (callbackUrl) => ({
          pathAndQuery: outboundPath([sessionId], { duration, response_url: callbackUrl }),
          body: undefined,
        }),
      })
      return outcome.envelope
    },
  )

  routes.put(
    receiver,
    { schema: { params: SessionParams, body: SetChargingProfile } },
    async (request, reply) => {
      const { session_id: sessionId } = request.params
      const { routed, outcome } = await toSessionCpo(request, reply, {
        method: 'PUT',
        sessionId,
        responseUrl: request.body.response_url,
        withCallbackUrl: (callbackUrl) => ({
          pathAndQuery: outboundPath([sessionId]),
          body: { ...request.body, response_url: callbackUrl },
        }),
      })
      // The CPO will PUT ActiveChargingProfile updates of this session to its setter (mod_charging_profiles).
      if (outcome.accepted) {
        await rememberRoute(context.db, 'chargingprofile', sessionId, routed.forward.to, routed.forward.from)
      }
      return outcome.envelope
    },
  )

  routes.delete(
    receiver,
    { schema: { params: SessionParams, querystring: ClearProfileQuery } },
    async (request, reply) => {
      const { session_id: sessionId } = request.params
      const { outcome } = await toSessionCpo(request, reply, {
        method: 'DELETE',
        sessionId,
        responseUrl: request.query.response_url,
        withCallbackUrl: (callbackUrl) => ({
          pathAndQuery: outboundPath([sessionId], { response_url: callbackUrl }),
          body: undefined,
        }),
      })
      return outcome.envelope
    },
  )

  routes.post(
    `${sender}/callbacks/:id`,
    { schema: { params: CallbackParams, body: AnyProfileResult } },
    (request, reply) => relayCallbackResult(context, request, reply, 'chargingprofiles', request.params.id),
  )

  // The CPO's update of a session's active profile, for the party that set a profile on it.
  routes.put(
    `${sender}/:session_id`,
    { schema: { params: SessionParams, body: ActiveChargingProfile } },
    async (request, reply) => {
      const { session_id: sessionId } = request.params
      const routed = await routeToOneParty(context, request, {
        module: 'chargingprofiles',
        interfaceRole: 'SENDER',
        method: 'PUT',
        pathAndQuery: outboundPath([sessionId]),
        body: request.body,
        requesterRoles: ['CPO'],
        destinationFromContent: (requester) =>
          counterpartForOwner(context.db, 'chargingprofile', sessionId, requester),
        noDestination: nameTheReceiver(
          `Nobody set a charging profile on your session ${sessionId} through the hub`,
        ),
      })
      return forwardAndRelay(context, reply, routed.forward)
    },
  )
}
