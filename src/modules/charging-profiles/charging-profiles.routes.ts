import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { OcpiUrl } from '../../core/ocpi-types.schema.ts'
import { type HubContext } from '../../hub-context.ts'
import { hubParty } from '../../core/hub-identity.ts'
import { relayCallbackResult } from '../../routing/async-callbacks.ts'
import { partnerOf } from '../../transport/authorization.ts'
import { ObjectIdParam } from '../../transport/path-params.ts'
import { setResponseRouting } from '../../transport/routing-headers.ts'
import { answerThrough, sendAnswer } from '../../transport/service-adapter.ts'
import { interfacePath } from '../registry.ts'
import {
  ActiveChargingProfile,
  ActiveChargingProfileResult,
  SetChargingProfile,
} from './charging-profiles.schema.ts'
import {
  clearChargingProfile,
  requestActiveProfile,
  setChargingProfile,
  updateActiveProfile,
} from './charging-profiles.service.ts'

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
/** Each message goes to one party, named in TO or in the `route_to` of a hub Link, else found from the session. */
const links = { followsHubLinks: true }

/** The OpenAPI tag of these routes; the document prefixes the OCPI version (docs/openapi.md). */
const TAGS = ['chargingprofiles']

/**
 * ChargingProfiles module (mod_charging_profiles) through the hub, as thin adapters over
 * charging-profiles.service.ts. RECEIVER: an eMSP or SCSP reads
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

  routes.get(
    receiver,
    {
      schema: {
        summary: "Ask a session's CPO for the active charging profile (result by callback)",
        tags: TAGS,
        params: SessionParams,
        querystring: GetProfileQuery,
      },
    },
    (request, reply) => {
      const get = {
        sessionId: request.params.session_id,
        duration: request.query.duration,
        responseUrl: request.query.response_url,
      }
      return answerThrough(
        context,
        request,
        reply,
        (source) => requestActiveProfile(context, source, get),
        links,
      )
    },
  )

  const setSchema = {
    summary: 'Set a charging profile on a session at its CPO',
    tags: TAGS,
    params: SessionParams,
    body: SetChargingProfile,
  }
  routes.put(receiver, { schema: setSchema }, (request, reply) => {
    const set = { sessionId: request.params.session_id, profile: request.body }
    return answerThrough(context, request, reply, (source) => setChargingProfile(context, source, set), links)
  })

  routes.delete(
    receiver,
    {
      schema: {
        summary: "Clear a session's charging profile at its CPO",
        tags: TAGS,
        params: SessionParams,
        querystring: ClearProfileQuery,
      },
    },
    (request, reply) => {
      const clear = { sessionId: request.params.session_id, responseUrl: request.query.response_url }
      return answerThrough(
        context,
        request,
        reply,
        (source) => clearChargingProfile(context, source, clear),
        links,
      )
    },
  )

  routes.post(
    `${sender}/callbacks/:id`,
    {
      schema: {
        summary: "A CPO's asynchronous result, relayed to the requester's response_url",
        tags: TAGS,
        params: CallbackParams,
        body: AnyProfileResult,
      },
    },
    async (request, reply) => {
      const answer = await relayCallbackResult(context, {
        module: 'chargingprofiles',
        id: request.params.id,
        responderPlatformId: partnerOf(request).platformId,
        body: request.body,
        log: request.log,
      })
      return sendAnswer(request, reply, answer)
    },
  )

  routes.put(
    `${sender}/:session_id`,
    {
      schema: {
        summary: 'Push a changed active charging profile to the eMSP',
        tags: TAGS,
        params: SessionParams,
        body: ActiveChargingProfile,
      },
    },
    (request, reply) => {
      const update = { sessionId: request.params.session_id, profile: request.body }
      return answerThrough(
        context,
        request,
        reply,
        (source) => updateActiveProfile(context, source, update),
        links,
      )
    },
  )
}
