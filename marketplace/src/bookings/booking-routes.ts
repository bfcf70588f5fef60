import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { SignedInMember } from '../accounts/account-routes.ts'
import { ListingId } from '../listings/listing.schema.ts'
import { Problem } from '../problem.schema.ts'
import {
  Availability,
  AvailabilityQuery,
  Booking,
  BookingId,
  BookingRequest,
  BookingTerms,
  Statement,
  StatementQuery,
} from './booking.schema.ts'
import type { Bookings } from './bookings.ts'
import type { NetworkBookings } from './network-bookings.ts'
import { earningsPdf } from './earnings-pdf.ts'
import { Schedule } from './schedule.schema.ts'

const Refusals = {
  400: Problem,
  401: Problem,
  402: Problem,
  404: Problem,
  409: Problem,
  502: Problem,
  503: Problem,
}

/**
 * Owners' schedules and booking terms, drivers' bookings (book, list, cancel) at home chargers and at
 * roaming CPOs, owners' decisions and earnings. Every route is for a signed-in member, who sees and
 * changes only their own.
 */
export function bookingRoutes(
  bookings: Bookings,
  network: NetworkBookings,
  signedIn: SignedInMember,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.put(
      '/listings/:id/schedule',
      {
        schema: {
          summary: "Sets a listing's weekly schedule with exceptions and sends its opening_times to the hub",
          params: ListingId,
          body: Schedule,
          response: { 200: Type.Object({ schedule: Schedule, hub: Type.String() }), ...Refusals },
        },
      },
      async (request, reply) => {
        const owner = await signedIn(request, reply)
        if (!owner) return reply
        const hub = await bookings.setSchedule(owner.id, request.params.id, request.body)
        return { schedule: request.body, hub }
      },
    )

    app.get(
      '/listings/:id/schedule',
      {
        schema: {
          summary: "A listing's schedule",
          params: ListingId,
          response: { 200: Schedule, ...Refusals },
        },
      },
      async (request, reply) => {
        if (!(await signedIn(request, reply))) return reply
        const schedule = await bookings.schedule(request.params.id)
        if (!schedule)
          return reply.code(404).send({ error: 'Not Found', message: 'This listing has no schedule' })
        return schedule
      },
    )

    app.get(
      '/listings/:id/availability',
      {
        schema: {
          summary:
            "A listing's opening periods, free and taken times per local day of its time zone (no other driver's data)",
          params: ListingId,
          querystring: AvailabilityQuery,
          response: { 200: Availability, ...Refusals },
        },
      },
      async (request, reply) => {
        if (!(await signedIn(request, reply))) return reply
        const availability = await bookings.availability(request.params.id, request.query.days ?? 14)
        if (!availability)
          return reply.code(404).send({ error: 'Not Found', message: 'This listing is not open for booking' })
        return availability
      },
    )

    app.put(
      '/listings/:id/booking-terms',
      {
        schema: {
          summary: 'Sets how a listing is booked: instant or approved, price per hour, cancellation rules',
          params: ListingId,
          body: BookingTerms,
          response: { 200: BookingTerms, ...Refusals },
        },
      },
      async (request, reply) => {
        const owner = await signedIn(request, reply)
        if (!owner) return reply
        return bookings.setTerms(owner.id, request.params.id, request.body)
      },
    )

    app.get(
      '/listings/:id/booking-terms',
      {
        schema: {
          summary: "A listing's booking terms",
          params: ListingId,
          response: { 200: BookingTerms, ...Refusals },
        },
      },
      async (request, reply) => {
        if (!(await signedIn(request, reply))) return reply
        const terms = await bookings.terms(request.params.id)
        if (!terms)
          return reply.code(404).send({ error: 'Not Found', message: 'This listing has no booking terms' })
        return terms
      },
    )

    app.get(
      '/listings/:id/bookings',
      {
        schema: {
          summary: "The bookings of the owner's listing",
          params: ListingId,
          response: { 200: Type.Array(Booking), ...Refusals },
        },
      },
      async (request, reply) => {
        const owner = await signedIn(request, reply)
        return owner && bookings.ofListing(owner.id, request.params.id)
      },
    )

    app.post(
      '/bookings',
      {
        schema: {
          summary:
            "Books a slot at a listing (its price held on the card) or at a roaming CPO's Location (through the hub); 202 with the PaymentIntent's client_secret when the card's bank asks the driver to authenticate",
          body: BookingRequest,
          response: { 201: Booking, 202: Booking, ...Refusals },
        },
      },
      async (request, reply) => {
        const driver = await signedIn(request, reply)
        if (!driver) return reply
        const { listing_id } = request.body
        const booked =
          listing_id === undefined
            ? await network.book(driver.id, request.body)
            : await bookings.book(driver.id, { ...request.body, listing_id })
        return reply.code(booked.payment ? 202 : 201).send(booked)
      },
    )

    app.post(
      '/bookings/:id/payment/confirm',
      {
        schema: {
          summary:
            'Finishes a booking after the driver authenticated with their bank: booked when the card holds the price, otherwise 402 and the slot freed',
          params: BookingId,
          response: { 200: Booking, ...Refusals },
        },
      },
      async (request, reply) => {
        const driver = await signedIn(request, reply)
        if (!driver) return reply
        return bookings.confirmPayment(driver.id, request.params.id)
      },
    )

    app.get(
      '/bookings',
      {
        schema: {
          summary: "The signed-in driver's bookings, home chargers' and roaming CPOs', newest slot first",
          response: { 200: Type.Array(Booking), 401: Problem },
        },
      },
      async (request, reply) => {
        const driver = await signedIn(request, reply)
        if (!driver) return reply
        const all = [...(await bookings.ofDriver(driver.id)), ...(await network.ofMember(driver.id))]
        return all.sort((a, b) => b.start.localeCompare(a.start))
      },
    )

    app.post(
      '/bookings/:id/cancel',
      {
        schema: {
          summary:
            "Cancels the driver's booking (free, or the owner's fee when late; at a roaming CPO through the hub)",
          params: BookingId,
          response: { 200: Booking, ...Refusals },
        },
      },
      async (request, reply) => {
        const driver = await signedIn(request, reply)
        if (!driver) return reply
        return (await network.one(driver.id, request.params.id))
          ? network.cancel(driver.id, request.params.id)
          : bookings.cancel(driver.id, request.params.id)
      },
    )

    for (const [decision, accept] of [
      ['accept', true],
      ['decline', false],
    ] as const)
      app.post(
        `/bookings/:id/${decision}`,
        {
          schema: {
            summary: `The owner ${accept ? 'accepts' : 'declines'} a booking waiting for them`,
            params: BookingId,
            response: { 200: Booking, ...Refusals },
          },
        },
        async (request, reply) => {
          const owner = await signedIn(request, reply)
          if (!owner) return reply
          return bookings.decide(owner.id, request.params.id, accept)
        },
      )

    app.get(
      '/earnings',
      {
        schema: {
          summary: "The signed-in owner's earnings statement for a month",
          querystring: StatementQuery,
          response: { 200: Statement, ...Refusals },
        },
      },
      async (request, reply) => {
        const owner = await signedIn(request, reply)
        return owner && bookings.statement(owner.id, request.query.period)
      },
    )

    app.get(
      '/earnings/statement.pdf',
      {
        schema: {
          summary: "The signed-in owner's earnings statement for a month, as a PDF to keep",
          querystring: StatementQuery,
          // Bytes, not JSON: Fastify sends a Buffer as it is.
          response: {
            200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'application/pdf' }),
            ...Refusals,
          },
        },
      },
      async (request, reply) => {
        const owner = await signedIn(request, reply)
        if (!owner) return reply
        const { period } = request.query
        const pdf = await earningsPdf(await bookings.statement(owner.id, period), owner.email)
        return reply
          .type('application/pdf')
          .header('content-disposition', `attachment; filename="earnings-${period}.pdf"`)
          .send(pdf)
      },
    )
  }
}
