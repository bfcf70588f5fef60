import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { HubConnection } from './hub-connection.ts'
import type { Listings } from '../listings/listings.ts'
import { OcpiBookingRequest } from '../bookings/booking.schema.ts'
import type { RoamingBookings } from '../bookings/roaming-bookings.ts'
import { envelope } from './ocpi-client.ts'

const VERSION = '2.3.0'

/** The token in `Authorization: Token <base64>`, decoded (OCPI 2.2+ sends tokens Base64-encoded). */
function presentedToken(header: string | undefined): string | undefined {
  const encoded = /^Token (\S+)$/.exec(header ?? '')?.[1]
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8')
}

/**
 * The marketplace's own OCPI 2.3.0 endpoints, for the hub: versions, version details, credentials (GET;
 * the marketplace registers itself, so it takes no registration) and its CPO's Locations and Tariffs as
 * SENDER interfaces. Only the hub's token B gets in.
 */
export function ocpiRoutes(
  hub: HubConnection,
  listings: Listings,
  publicUrl: string,
  roamingBookings: RoamingBookings,
): FastifyPluginAsyncTypebox {
  const base = `${publicUrl}/ocpi/${VERSION}`
  return async (app) => {
    app.addHook('onRequest', async (request, reply) => {
      const token = presentedToken(request.headers.authorization)
      if (token === undefined || !(await hub.acceptsToken(token)))
        return reply.code(401).send(envelope(undefined, 2000, 'Unknown or missing token'))
    })

    app.get('/versions', async () => envelope([{ version: VERSION, url: base }]))

    app.get(`/${VERSION}`, async () =>
      envelope({
        version: VERSION,
        endpoints: [
          { identifier: 'credentials', role: 'SENDER', url: `${base}/credentials` },
          { identifier: 'locations', role: 'SENDER', url: `${base}/sender/locations` },
          { identifier: 'tariffs', role: 'SENDER', url: `${base}/sender/tariffs` },
          { identifier: 'bookings', role: 'SENDER', url: `${base}/sender/bookings` },
        ],
      }),
    )

    app.get(`/${VERSION}/credentials`, async (request) =>
      envelope(hub.credentials(presentedToken(request.headers.authorization) ?? '')),
    )

    // The whole list in one page: a first slice of home chargers is small (pagination: next step).
    app.get(`/${VERSION}/sender/locations`, async (_request, reply) => {
      const all = await listings.locations()
      void reply.headers({ 'x-total-count': String(all.length), 'x-limit': String(Math.max(all.length, 1)) })
      return envelope(all)
    })

    app.get(
      `/${VERSION}/sender/locations/:location_id`,
      { schema: { params: Type.Object({ location_id: Type.String({ maxLength: 36 }) }) } },
      async (request, reply) => {
        const location = await listings.location(request.params.location_id)
        if (!location) return reply.code(404).send(envelope(undefined, 2003, 'Unknown location'))
        return envelope(location)
      },
    )

    app.get(`/${VERSION}/sender/tariffs`, async (_request, reply) => {
      const all = await listings.tariffs()
      void reply.headers({ 'x-total-count': String(all.length), 'x-limit': String(Math.max(all.length, 1)) })
      return envelope(all)
    })

    // Roaming drivers' BookingRequests, forwarded by the hub's Bookings module (marketplace/src/bookings/).
    app.post(
      `/${VERSION}/sender/bookings`,
      {
        schema: { body: OcpiBookingRequest },
        // OCPI body errors: HTTP 200 with 2001 in words, as the hub answers them.
        attachValidation: true,
      },
      async (request) => {
        if (request.validationError) return envelope(undefined, 2001, request.validationError.message)
        const answer = await roamingBookings.request(request.body)
        return envelope(answer.data, answer.status_code, answer.status_message)
      },
    )
  }
}
