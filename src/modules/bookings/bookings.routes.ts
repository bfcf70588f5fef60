import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { outboundPath } from '../../core/outbound-path.ts'
import type { HubContext } from '../../hub-context.ts'
import { listForReader, readObject, readReceiverCopy } from '../../routing/hub-reads.ts'
import { pushOwnedObject } from '../../routing/owner-push.ts'
import { queryPassedOn } from '../../routing/route-to.ts'
import { ObjectIdParam, OwnedObjectParams, ownerFromParams } from '../../transport/path-params.ts'
import { answerThrough } from '../../transport/service-adapter.ts'
import { Type } from '@sinclair/typebox'
import { interfacePath } from '../registry.ts'
import {
  Booking,
  BookingLocation,
  BookingLocationPatch,
  BookingPatch,
  BookingRequest,
  Calendar,
  CalendarPatch,
} from './bookings.schema.ts'
import { listBookings, requestBooking, routeBookingUpdate } from './bookings.routing.ts'
import {
  BOOKING_LOCATIONS_SEGMENT,
  bookingLocationWrite,
  pickFromBookingLocation,
  type BookingLocationPath,
} from './bookings.service.ts'

const BookingLocationParams = OwnedObjectParams({ booking_location_id: ObjectIdParam })
const CalendarParams = OwnedObjectParams({ booking_location_id: ObjectIdParam, calendar_id: ObjectIdParam })
const BookingParams = OwnedObjectParams({ booking_id: ObjectIdParam })
const SenderBookingLocationParams = Type.Object({ booking_location_id: ObjectIdParam })
const SenderCalendarParams = Type.Object({ booking_location_id: ObjectIdParam, calendar_id: ObjectIdParam })

/** The OpenAPI tag of these routes; the document prefixes the OCPI version (docs/openapi.md). */
const TAGS = ['bookings']

/** The draft's endpoint definitions write `booking_locations`, its examples `bookinglocations`: both are served. */
const SEGMENTS = [BOOKING_LOCATIONS_SEGMENT, 'bookinglocations'] as const

function pathOf(params: { booking_location_id: string; calendar_id?: string }): BookingLocationPath {
  return params.calendar_id === undefined
    ? [params.booking_location_id]
    : [params.booking_location_id, params.calendar_id]
}

/**
 * Bookings add-on (Booking 1.1, 2.3.0 only). BookingLocations: CPOs PUT and PATCH BookingLocations and
 * their Calendars on the hub's RECEIVER interface (stored and broadcast, or routed to one party with TO);
 * GET All of BookingLocations via the hub on the SENDER interface, and one BookingLocation or Calendar.
 * Bookings: an eMSP POSTs a BookingRequest to the SENDER interface (to the BookingLocation's CPO); the
 * CPO PUTs and PATCHes the Booking on the RECEIVER interface (to the eMSP that asked).
 */
export async function bookingsRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const receiver = `/${interfacePath('bookings', 'RECEIVER')}`
  const sender = `/${interfacePath('bookings', 'SENDER')}`
  const links = { followsHubLinks: true }

  for (const segment of SEGMENTS) {
    const depths = [
      {
        url: `${receiver}/:country_code/:party_id/${segment}/:booking_location_id`,
        object: 'a BookingLocation',
        params: BookingLocationParams,
        put: BookingLocation,
        patch: BookingLocationPatch,
      },
      {
        url: `${receiver}/:country_code/:party_id/${segment}/:booking_location_id/:calendar_id`,
        object: "a BookingLocation's Calendar",
        params: CalendarParams,
        put: Calendar,
        patch: CalendarPatch,
      },
    ] as const
    // One set of routes in the OpenAPI document: the spelling of the examples is accepted, not advertised.
    const hide = segment !== BOOKING_LOCATIONS_SEGMENT
    for (const depth of depths) {
      const putSchema = {
        summary: `Push ${depth.object}; sent to the parties that receive bookings`,
        tags: TAGS,
        hide,
        params: depth.params,
        body: depth.put,
      }
      routes.put(depth.url, { schema: putSchema }, (request, reply) => {
        const { params, body } = request
        const write = bookingLocationWrite('PUT', ownerFromParams(params), pathOf(params), body)
        return answerThrough(context, request, reply, (source) => pushOwnedObject(context, source, write))
      })
      const patchSchema = {
        summary: `Update part of ${depth.object}; sent to the parties that receive bookings`,
        tags: TAGS,
        hide,
        params: depth.params,
        body: depth.patch,
      }
      routes.patch(depth.url, { schema: patchSchema }, (request, reply) => {
        const { params, body } = request
        const write = bookingLocationWrite('PATCH', ownerFromParams(params), pathOf(params), body)
        return answerThrough(context, request, reply, (source) => pushOwnedObject(context, source, write))
      })
      const readSchema = {
        summary: `Read a receiver's copy of ${depth.object}`,
        tags: TAGS,
        hide,
        params: depth.params,
      }
      routes.get(depth.url, { schema: readSchema }, (request, reply) => {
        const params = request.params as {
          country_code: string
          party_id: string
          booking_location_id: string
          calendar_id?: string
        }
        const owner = ownerFromParams(params)
        const read = {
          module: 'bookings' as const,
          owner,
          path: outboundPath([
            owner.country_code,
            owner.party_id,
            BOOKING_LOCATIONS_SEGMENT,
            ...pathOf(params),
          ]),
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
  }

  const bookingUrl = `${receiver}/:country_code/:party_id/:booking_id`
  for (const [method, body] of [
    ['PUT', Booking],
    ['PATCH', BookingPatch],
  ] as const) {
    const schema = {
      summary: `${method === 'PUT' ? 'Push a Booking' : 'Update part of a Booking'}; sent to the eMSP that requested it`,
      tags: TAGS,
      params: BookingParams,
      body,
    }
    routes.route({
      method,
      url: bookingUrl,
      schema,
      handler: (request, reply) => {
        const update = {
          method,
          owner: ownerFromParams(request.params),
          bookingId: request.params.booking_id,
          body: request.body,
        }
        return answerThrough(context, request, reply, (source) => routeBookingUpdate(context, source, update))
      },
    })
  }
  const readBookingSchema = {
    summary: "Read the requesting eMSP's copy of a Booking",
    tags: TAGS,
    params: BookingParams,
  }
  routes.get(bookingUrl, { schema: readBookingSchema }, (request, reply) => {
    const update = {
      method: 'GET' as const,
      owner: ownerFromParams(request.params),
      bookingId: request.params.booking_id,
      body: undefined,
    }
    return answerThrough(context, request, reply, (source) => routeBookingUpdate(context, source, update))
  })
  const requestSchema = {
    summary: "Request, change or cancel a booking; sent to the BookingLocation's CPO",
    tags: TAGS,
    body: BookingRequest,
  }
  routes.post(sender, { schema: requestSchema }, (request, reply) =>
    answerThrough(context, request, reply, (source) => requestBooking(context, source, request.body)),
  )

  const bookingsListSchema = {
    summary: "List the caller's Bookings at the CPO named in TO (paginated)",
    tags: TAGS,
  }
  routes.get(sender, { schema: bookingsListSchema }, (request, reply) => {
    const list = { query: queryPassedOn(request.url) }
    // The next-page Link the hub relays names the CPO in route_to=CC-PID rather than in headers.
    return answerThrough(context, request, reply, (source) => listBookings(context, source, list), {
      followsHubLinks: true,
    })
  })

  const listSchema = { summary: 'List the BookingLocations this party may read (paginated)', tags: TAGS }
  routes.get(`${sender}/${BOOKING_LOCATIONS_SEGMENT}`, { schema: listSchema }, (request, reply) => {
    const read = {
      module: 'bookings' as const,
      listPath: outboundPath([BOOKING_LOCATIONS_SEGMENT]),
      query: request.query as Record<string, unknown>,
      passedOnQuery: queryPassedOn(request.url),
    }
    return answerThrough(context, request, reply, (source) => listForReader(context, source, read), links)
  })
  for (const [url, params, object] of [
    [
      `${sender}/${BOOKING_LOCATIONS_SEGMENT}/:booking_location_id`,
      SenderBookingLocationParams,
      'a BookingLocation',
    ],
    [
      `${sender}/${BOOKING_LOCATIONS_SEGMENT}/:booking_location_id/:calendar_id`,
      SenderCalendarParams,
      "a BookingLocation's Calendar",
    ],
  ] as const) {
    const readSchema = { summary: `Read ${object} through the hub`, tags: TAGS, params }
    routes.get(url, { schema: readSchema }, (request, reply) => {
      const path = pathOf(request.params)
      const read = {
        module: 'bookings' as const,
        objectId: path[0].toUpperCase(),
        path: outboundPath([BOOKING_LOCATIONS_SEGMENT, ...path]),
        pick: pickFromBookingLocation(path[1]),
        unknown: 'HUB_ERR_UNKNOWN_OBJECT' as const,
        query: request.query as Record<string, unknown>,
        passedOnQuery: queryPassedOn(request.url),
      }
      return answerThrough(context, request, reply, (source) => readObject(context, source, read), links)
    })
  }
}
