import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { DateTime } from '../../core/ocpi-types.schema.ts'
import type { HubContext } from '../../hub-context.ts'
import { queryPassedOn } from '../../routing/route-to.ts'
import { ObjectIdParam, OwnedObjectParams, ownerFromParams } from '../../transport/path-params.ts'
import { answerThrough } from '../../transport/service-adapter.ts'
import { interfacePath } from '../registry.ts'
import { ChargingPreferences, Session, SessionPatch } from './sessions.schema.ts'
import {
  listSessions,
  patchSession,
  putSession,
  readSessionCopy,
  setChargingPreferences,
} from './sessions.service.ts'

const SessionParams = OwnedObjectParams({ session_id: ObjectIdParam })
const SenderSessionParams = Type.Object({ session_id: ObjectIdParam })
// mod_sessions: date_from is required on the Sessions list (optional on every other list).
const SessionListQuery = Type.Object({ date_from: DateTime, date_to: Type.Optional(DateTime) })
/** Every session message goes to one party, named in TO or in the `route_to` of a hub Link. */
const links = { followsHubLinks: true }

/** The OpenAPI tag of these routes; the document prefixes the OCPI version (docs/openapi.md). */
const TAGS = ['sessions']

/**
 * Sessions module (mod_sessions), both interfaces of the hub, as thin adapters over sessions.service.ts.
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

  const putSchema = {
    summary: 'Push a whole Session to its eMSP',
    tags: TAGS,
    params: SessionParams,
    body: Session,
  }
  routes.put(objectUrl, { schema: putSchema }, (request, reply) => {
    const put = {
      owner: ownerFromParams(request.params),
      sessionId: request.params.session_id,
      session: request.body,
    }
    return answerThrough(context, request, reply, (source) => putSession(context, source, put), links)
  })

  const patchSchema = {
    summary: 'Update part of a Session at its eMSP',
    tags: TAGS,
    params: SessionParams,
    body: SessionPatch,
  }
  routes.patch(objectUrl, { schema: patchSchema }, (request, reply) => {
    const patch = {
      owner: ownerFromParams(request.params),
      sessionId: request.params.session_id,
      patch: request.body,
    }
    return answerThrough(context, request, reply, (source) => patchSession(context, source, patch), links)
  })

  const readSchema = { summary: "Read the eMSP's copy of a Session", tags: TAGS, params: SessionParams }
  routes.get(objectUrl, { schema: readSchema }, (request, reply) => {
    const session = { owner: ownerFromParams(request.params), sessionId: request.params.session_id }
    return answerThrough(
      context,
      request,
      reply,
      (source) => readSessionCopy(context, source, session),
      links,
    )
  })

  const listSchema = {
    summary: "List a CPO's Sessions (paginated)",
    tags: TAGS,
    querystring: SessionListQuery,
  }
  routes.get(sender, { schema: listSchema }, (request, reply) => {
    const list = { query: queryPassedOn(request.url) }
    return answerThrough(context, request, reply, (source) => listSessions(context, source, list), links)
  })

  routes.put(
    `${sender}/:session_id/charging_preferences`,
    {
      schema: {
        summary: "Set a session's charging preferences at its CPO",
        tags: TAGS,
        params: SenderSessionParams,
        body: ChargingPreferences,
      },
    },
    (request, reply) => {
      const put = { sessionId: request.params.session_id, preferences: request.body }
      return answerThrough(
        context,
        request,
        reply,
        (source) => setChargingPreferences(context, source, put),
        links,
      )
    },
  )
}
