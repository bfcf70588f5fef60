import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import type { HubConnection } from '../hub/hub-connection.ts'
import { envelope } from '../hub/ocpi-client.ts'
import { answerInOcpi, answerPush, ObjectId, PartyParams, PushedObject } from '../hub/ocpi-receiver.ts'
import { hubOnly } from '../hub/ocpi-routes.ts'
import type { NetworkCatalogue } from './catalogue.ts'
import type { LocationPath } from './network-objects.ts'

const LocationParams = Type.Object({ ...PartyParams, location_id: ObjectId })
const EvseParams = Type.Object({ ...PartyParams, location_id: ObjectId, evse_uid: ObjectId })
const ConnectorParams = Type.Object({
  ...PartyParams,
  location_id: ObjectId,
  evse_uid: ObjectId,
  connector_id: ObjectId,
})
const TariffParams = Type.Object({ ...PartyParams, tariff_id: ObjectId })

/**
 * The eMSP role's Locations and Tariffs RECEIVER interfaces: the hub sends every CPO's Locations (PUT and
 * PATCH at the three depths, so EVSE statuses too) and Tariffs, and the network catalogue keeps them.
 */
export function networkOcpiRoutes(
  hub: HubConnection,
  catalogue: NetworkCatalogue,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onRequest', hubOnly(hub))
    answerInOcpi(app)

    for (const method of ['PUT', 'PATCH'] as const) {
      const write = (reply: FastifyReply, path: LocationPath, body: Record<string, unknown>) =>
        answerPush(reply, () => catalogue.writeLocation(path, method, body))
      app.route({
        method,
        url: '/receiver/locations/:country_code/:party_id/:location_id',
        schema: { params: LocationParams, body: PushedObject },
        handler: (request, reply) => write(reply, request.params, request.body),
      })
      app.route({
        method,
        url: '/receiver/locations/:country_code/:party_id/:location_id/:evse_uid',
        schema: { params: EvseParams, body: PushedObject },
        handler: (request, reply) => write(reply, request.params, request.body),
      })
      app.route({
        method,
        url: '/receiver/locations/:country_code/:party_id/:location_id/:evse_uid/:connector_id',
        schema: { params: ConnectorParams, body: PushedObject },
        handler: (request, reply) => write(reply, request.params, request.body),
      })
    }

    app.get(
      '/receiver/locations/:country_code/:party_id/:location_id',
      { schema: { params: LocationParams } },
      async (request, reply) => {
        const location = await catalogue.location(request.params, request.params.location_id)
        if (!location) return reply.code(404).send(envelope(undefined, 2003, 'Unknown location'))
        return envelope(location)
      },
    )

    app.put(
      '/receiver/tariffs/:country_code/:party_id/:tariff_id',
      { schema: { params: TariffParams, body: PushedObject } },
      (request, reply) =>
        answerPush(reply, () => catalogue.putTariff(request.params, request.params.tariff_id, request.body)),
    )

    app.delete(
      '/receiver/tariffs/:country_code/:party_id/:tariff_id',
      { schema: { params: TariffParams } },
      async (request) => {
        await catalogue.deleteTariff(request.params, request.params.tariff_id)
        return envelope(undefined)
      },
    )
  }
}
