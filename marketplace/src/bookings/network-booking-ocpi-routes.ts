import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Value } from '@sinclair/typebox/value'
import { CommandResult } from '../driving/driving-objects.ts'
import type { HubConnection } from '../hub/hub-connection.ts'
import { envelope } from '../hub/ocpi-client.ts'
import { answerInOcpi, answerPush, ObjectId, PartyParams, PushedObject } from '../hub/ocpi-receiver.ts'
import { hubOnly } from '../hub/ocpi-routes.ts'
import type { NetworkBookings } from './network-bookings.ts'

const BookingParams = Type.Object({ ...PartyParams, booking_id: ObjectId })
const BookingLocationParams = Type.Object({ ...PartyParams, booking_location_id: ObjectId })
const ReservationResultParams = Type.Object({
  booking_id: Type.String({ format: 'uuid' }),
  command: Type.Union([Type.Literal('RESERVE_NOW'), Type.Literal('CANCEL_RESERVATION')]),
})

/**
 * The eMSP role's Bookings RECEIVER (Booking 1.1: the CPOs' BookingLocations, and the later changes of
 * the drivers' Bookings, through the hub) and the CommandResults of its drivers' reservations.
 */
export function networkBookingOcpiRoutes(
  hub: HubConnection,
  bookings: NetworkBookings,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onRequest', hubOnly(hub))
    answerInOcpi(app)

    for (const method of ['PUT', 'PATCH'] as const) {
      app.route({
        method,
        url: '/receiver/bookings/:country_code/:party_id/booking_locations/:booking_location_id',
        schema: { params: BookingLocationParams, body: PushedObject },
        handler: (request, reply) =>
          answerPush(reply, () =>
            bookings.writeBookingLocation(
              request.params,
              request.params.booking_location_id,
              method,
              request.body,
            ),
          ),
      })
      // A Calendar's own push: taken, and not kept (only which Locations take bookings matters here).
      app.route({
        method,
        url: '/receiver/bookings/:country_code/:party_id/booking_locations/:booking_location_id/:calendar_id',
        schema: {
          params: Type.Object({ ...PartyParams, booking_location_id: ObjectId, calendar_id: ObjectId }),
        },
        handler: async () => envelope(undefined),
      })
      app.route({
        method,
        url: '/receiver/bookings/:country_code/:party_id/:booking_id',
        schema: { params: BookingParams, body: PushedObject },
        handler: (request, reply) =>
          answerPush(reply, () =>
            bookings.updateFromCpo(request.params, request.params.booking_id, request.body),
          ),
      })
    }

    app.post(
      '/sender/commands/reservations/:booking_id/:command',
      { schema: { params: ReservationResultParams, body: PushedObject } },
      async (request, reply) => {
        if (!Value.Check(CommandResult, request.body))
          return envelope(undefined, 2001, 'A CommandResult needs a result')
        const known = await bookings.commandResult(
          request.params.booking_id,
          request.params.command,
          request.body.result,
        )
        if (!known) return reply.code(404).send(envelope(undefined, 2003, 'Unknown reservation'))
        return envelope(undefined)
      },
    )
  }
}
