import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import type { HubContext } from '../../hub-context.ts'
import { listForReader, readObject, readReceiverCopy } from '../../routing/hub-reads.ts'
import { pushOwnedObject } from '../../routing/owner-push.ts'
import { queryPassedOn } from '../../routing/route-to.ts'
import { outboundPath } from '../../core/outbound-path.ts'
import { ObjectIdParam, OwnedObjectParams, ownerFromParams } from '../../transport/path-params.ts'
import { answerThrough } from '../../transport/service-adapter.ts'
import { interfacePath } from '../registry.ts'
import { Connector, ConnectorPatch, Evse, EvsePatch, Location, LocationPatch } from './locations.schema.ts'
import { locationWrite, pickLocationPart, type LocationPath } from './locations.writes.ts'

const LocationParams = OwnedObjectParams({ location_id: ObjectIdParam })
const EvseParams = OwnedObjectParams({ location_id: ObjectIdParam, evse_uid: ObjectIdParam })
const ConnectorParams = OwnedObjectParams({
  location_id: ObjectIdParam,
  evse_uid: ObjectIdParam,
  connector_id: ObjectIdParam,
})
const SenderLocationParams = Type.Object({ location_id: ObjectIdParam })
const SenderEvseParams = Type.Object({ location_id: ObjectIdParam, evse_uid: ObjectIdParam })
const SenderConnectorParams = Type.Object({
  location_id: ObjectIdParam,
  evse_uid: ObjectIdParam,
  connector_id: ObjectIdParam,
})

interface ReceiverParams {
  country_code: string
  party_id: string
  location_id: string
  evse_uid?: string
  connector_id?: string
}

function locationPath(params: {
  location_id: string
  evse_uid?: string
  connector_id?: string
}): LocationPath {
  if (params.evse_uid === undefined) return [params.location_id]
  if (params.connector_id === undefined) return [params.location_id, params.evse_uid]
  return [params.location_id, params.evse_uid, params.connector_id]
}

/** The OpenAPI tag of these routes; the document prefixes the OCPI version (docs/openapi.md). */
const TAGS = ['locations']

/**
 * Locations module (mod_locations), both interfaces of the hub. RECEIVER: CPOs push Locations, EVSEs and
 * Connectors (PUT/PATCH at three depths), broadcast to the audience or routed to one party. SENDER: GET
 * All via the hub, GET of one object, or routed to one CPO.
 */
export async function locationsRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const receiver = `/${interfacePath('locations', 'RECEIVER')}`
  const sender = `/${interfacePath('locations', 'SENDER')}`

  const depths = [
    {
      url: `${receiver}/:country_code/:party_id/:location_id`,
      object: 'a Location',
      params: LocationParams,
      put: Location,
      patch: LocationPatch,
    },
    {
      url: `${receiver}/:country_code/:party_id/:location_id/:evse_uid`,
      object: 'an EVSE',
      params: EvseParams,
      put: Evse,
      patch: EvsePatch,
    },
    {
      url: `${receiver}/:country_code/:party_id/:location_id/:evse_uid/:connector_id`,
      object: 'a Connector',
      params: ConnectorParams,
      put: Connector,
      patch: ConnectorPatch,
    },
  ] as const

  const links = { followsHubLinks: true }
  for (const depth of depths) {
    const putSchema = {
      summary: `Push ${depth.object}; sent to its audience`,
      tags: TAGS,
      params: depth.params,
      body: depth.put,
    }
    routes.put(depth.url, { schema: putSchema }, (request, reply) => {
      const { params, body } = request
      const pushed = locationWrite('PUT', ownerFromParams(params), locationPath(params), body)
      return answerThrough(context, request, reply, (source) => pushOwnedObject(context, source, pushed))
    })
    const patchSchema = {
      summary: `Update part of ${depth.object}; sent to its audience`,
      tags: TAGS,
      params: depth.params,
      body: depth.patch,
    }
    routes.patch(depth.url, { schema: patchSchema }, (request, reply) => {
      const { params, body } = request
      const pushed = locationWrite('PATCH', ownerFromParams(params), locationPath(params), body)
      return answerThrough(context, request, reply, (source) => pushOwnedObject(context, source, pushed))
    })
    const readSchema = {
      summary: `Read a receiver's copy of ${depth.object}`,
      tags: TAGS,
      params: depth.params,
    }
    routes.get(depth.url, { schema: readSchema }, (request, reply) => {
      const params = request.params as ReceiverParams
      const owner = ownerFromParams(params)
      const read = {
        module: 'locations' as const,
        owner,
        path: outboundPath([owner.country_code, owner.party_id, ...locationPath(params)]),
        query: request.query as Record<string, unknown>,
        passedOnQuery: queryPassedOn(request.url),
      }
      return answerThrough(
        context,
        request,
        reply,
        (source) => readReceiverCopy(context, source, read),
        links,
      )
    })
  }

  const listSchema = { summary: 'List the Locations this party may read (paginated)', tags: TAGS }
  routes.get(sender, { schema: listSchema }, (request, reply) => {
    const read = {
      module: 'locations' as const,
      query: request.query as Record<string, unknown>,
      passedOnQuery: queryPassedOn(request.url),
    }
    return answerThrough(context, request, reply, (source) => listForReader(context, source, read), links)
  })
  for (const [url, params, object] of [
    [`${sender}/:location_id`, SenderLocationParams, 'a Location'],
    [`${sender}/:location_id/:evse_uid`, SenderEvseParams, 'an EVSE'],
    [`${sender}/:location_id/:evse_uid/:connector_id`, SenderConnectorParams, 'a Connector'],
  ] as const) {
    const readSchema = { summary: `Read ${object} through the hub`, tags: TAGS, params }
    routes.get(url, { schema: readSchema }, (request, reply) => {
      const path = locationPath(request.params)
      const read = {
        module: 'locations' as const,
        objectId: path[0].toUpperCase(),
        path: outboundPath(path),
        pick: (location: Record<string, unknown>) => pickLocationPart(location, path),
        unknown: 'HUB_ERR_UNKNOWN_LOCATION' as const,
        query: request.query as Record<string, unknown>,
        passedOnQuery: queryPassedOn(request.url),
      }
      return answerThrough(context, request, reply, (source) => readObject(context, source, read), links)
    })
  }
}
