import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyError, onRequestAsyncHookHandler } from 'fastify'
import { EMSP_ENDPOINTS } from '../driving/emsp-endpoints.ts'
import type { Listings } from '../listings/listings.ts'
import type { HubConnection } from './hub-connection.ts'
import { envelope, OcpiCallFailed } from './ocpi-client.ts'
import { pageOf, PageQuery } from './ocpi-pagination.ts'
import { OcpiBookingRequest } from '../bookings/booking.schema.ts'
import type { RoamingBookings } from '../bookings/roaming-bookings.ts'

const VERSION = '2.3.0'

/** The token in `Authorization: Token <base64>`, decoded (OCPI 2.2+ sends tokens Base64-encoded). */
export function presentedToken(header: string | undefined): string | undefined {
  const encoded = /^Token (\S+)$/.exec(header ?? '')?.[1]
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8')
}

/** Lets only the hub's token B in: the first hook of every OCPI route of the marketplace. */
export function hubOnly(hub: HubConnection): onRequestAsyncHookHandler {
  return async (request, reply) => {
    const token = presentedToken(request.headers.authorization)
    if (token === undefined || !(await hub.acceptsToken(token)))
      return reply.code(401).send(envelope(undefined, 2000, 'Unknown or missing token'))
  }
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
    app.addHook('onRequest', hubOnly(hub))
    // OCPI input errors are HTTP 200 with 2001 naming the field.
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error.validation) return reply.code(200).send(envelope(undefined, 2001, error.message))
      request.log.error({ err: error }, 'OCPI request failed')
      return reply.code(500).send(envelope(undefined, 3000, 'The marketplace could not handle this'))
    })

    app.get('/versions', async () => envelope([{ version: VERSION, url: base }]))

    app.get(`/${VERSION}`, async () =>
      envelope({
        version: VERSION,
        endpoints: [
          { identifier: 'credentials', role: 'SENDER', url: `${base}/credentials` },
          { identifier: 'locations', role: 'SENDER', url: `${base}/sender/locations` },
          { identifier: 'tariffs', role: 'SENDER', url: `${base}/sender/tariffs` },
          ...EMSP_ENDPOINTS.map(([identifier, role, path]) => ({ identifier, role, url: `${base}${path}` })),
          // The CPO role takes the hub's commands and the eMSPs' Tokens.
          { identifier: 'commands', role: 'RECEIVER', url: `${base}/receiver/commands` },
          { identifier: 'tokens', role: 'RECEIVER', url: `${base}/receiver/tokens` },
          { identifier: 'bookings', role: 'SENDER', url: `${base}/sender/bookings` },
          // The eMSP role takes the CPOs' BookingLocations and its drivers' Bookings (network-bookings.ts).
          { identifier: 'bookings', role: 'RECEIVER', url: `${base}/receiver/bookings` },
        ],
      }),
    )

    app.get(`/${VERSION}/credentials`, async (request) =>
      envelope(hub.credentials(presentedToken(request.headers.authorization) ?? '')),
    )

    // The hub's credentials PUT (new token, new URL) and DELETE (unregistered).
    app.put(
      `/${VERSION}/credentials`,
      {
        schema: {
          body: Type.Object({
            token: Type.String({ minLength: 1, maxLength: 64 }),
            url: Type.String({ format: 'uri', maxLength: 255 }),
            roles: Type.Array(Type.Unknown(), { minItems: 1 }),
          }),
        },
      },
      async (request, reply) => {
        try {
          const credentials = await hub.updateFromHub(request.body)
          request.log.info({ versions_url: request.body.url }, 'hub credentials updated')
          return envelope(credentials)
        } catch (error) {
          if (!(error instanceof OcpiCallFailed)) throw error
          return reply
            .code(200)
            .send(envelope(undefined, 3001, `Cannot use the hub's API with the new token: ${error.message}`))
        }
      },
    )

    app.post(`/${VERSION}/credentials`, async (_request, reply) =>
      reply.code(405).send(envelope(undefined, 2000, 'Already registered: the hub updates with PUT')),
    )

    app.delete(`/${VERSION}/credentials`, async (request) => {
      await hub.forget()
      request.log.info('unregistered by the hub')
      return envelope(undefined)
    })

    app.get(`/${VERSION}/sender/locations`, { schema: { querystring: PageQuery } }, async (request, reply) =>
      envelope(pageOf(await listings.locations(), request.query, `${base}/sender/locations`, reply)),
    )

    app.get(
      `/${VERSION}/sender/locations/:location_id`,
      { schema: { params: Type.Object({ location_id: Type.String({ maxLength: 36 }) }) } },
      async (request, reply) => {
        const location = await listings.location(request.params.location_id)
        if (!location) return reply.code(404).send(envelope(undefined, 2003, 'Unknown location'))
        return envelope(location)
      },
    )

    app.get(`/${VERSION}/sender/tariffs`, { schema: { querystring: PageQuery } }, async (request, reply) =>
      envelope(pageOf(await listings.tariffs(), request.query, `${base}/sender/tariffs`, reply)),
    )

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
