import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Booking } from '../../marketplace/src/bookings/booking.schema.ts'
import type { Review } from '../../marketplace/src/reviews/review.schema.ts'
import { aBooking, aBookingLocation } from '../fixtures/bookings.ts'
import { aCommandResponse, aCommandResult } from '../fixtures/commands.ts'
import { aLocation } from '../fixtures/locations.ts'
import { envelope } from '../support/fake-platform.ts'
import {
  connectParty,
  eventually,
  FUNCTIONAL_MODULES,
  type ConnectedParty,
} from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { startHubAndMarketplace, type HubAndMarketplace } from './support.ts'

const MARKETPLACE_EMSP = { country_code: 'NL', party_id: 'SHD' }
const MINUTE = 60_000

describe.each(STORE_VARIANTS)('a marketplace driver books at roaming CPOs through the hub (%s)', (engine) => {
  let running: HubAndMarketplace
  /** A CPO that offers the Bookings module and publishes a BookingLocation at LOC-B1. */
  let withBookings: ConnectedParty
  /** A CPO without the Bookings module: the marketplace reserves there with RESERVE_NOW. */
  let withoutBookings: ConnectedParty
  /** The marketplace's clock, on a whole minute, held still so that slots are whole minutes from it. */
  const clock = new Date(Math.floor(Date.now() / MINUTE) * MINUTE)
  let driver: string
  /** What the Bookings CPO answers to the next new BookingRequest. */
  let nextStatus = 'PENDING'
  let bookingsAnswered = 0
  /** While set, the Bookings CPO fails every BookingRequest with an HTTP 503 (an outage). */
  let bookingsCpoDown = false

  const at = (minutes: number) => new Date(clock.getTime() + minutes * MINUTE).toISOString()

  beforeAll(async () => {
    running = await startHubAndMarketplace(engine, { options: { now: () => clock } })
    withBookings = await connectParty(running.hub, 'CPO', 'DE', 'BKC')
    withoutBookings = await connectParty(running.hub, 'CPO', 'DE', 'RSV', {
      modules: FUNCTIONAL_MODULES.filter((module) => module !== 'bookings'),
    })
    withBookings.platform.answer('POST', '/2.3.0/sender/bookings', (request) => {
      if (bookingsCpoDown) return { status: 503, body: 'down for maintenance' }
      const asked = request.body as { request_id: string; canceled?: unknown }
      if (asked.canceled !== undefined)
        return {
          status: 200,
          body: envelope(
            aBooking(withBookings.party, MARKETPLACE_EMSP, {
              id: `BK-${asked.request_id.slice(0, 8)}`,
              request_id: asked.request_id,
              reservation_status: 'CANCELED',
            }),
          ),
        }
      bookingsAnswered += 1
      return {
        status: 200,
        body: envelope(
          aBooking(withBookings.party, MARKETPLACE_EMSP, {
            id: `BK-${asked.request_id.slice(0, 8)}`,
            request_id: asked.request_id,
            reservation_status: nextStatus,
          }),
        ),
      }
    })
    for (const [cpo, id] of [
      [withBookings, 'LOC-B1'],
      [withoutBookings, 'LOC-R1'],
    ] as const) {
      const location = await cpo.call(
        `/receiver/locations/${cpo.party.country_code}/${cpo.party.party_id}/${id}`,
        {
          method: 'PUT',
          body: aLocation({ id }, cpo.party),
        },
      )
      expect(location.body.status_code, location.text).toBe(1000)
    }
    const bookingLocation = await withBookings.call('/receiver/bookings/DE/BKC/booking_locations/BL-B1', {
      method: 'PUT',
      body: aBookingLocation(
        { id: 'BL-B1', location_id: 'LOC-B1', booking_option: { evse_uid: 'EVSE-A' } },
        withBookings.party,
      ),
    })
    expect(bookingLocation.body.status_code, bookingLocation.text).toBe(1000)
    await eventually(async () => {
      const catalogued = await running.store.db
        .selectFrom('network_locations')
        .select('id')
        .where('id', 'in', ['LOC-B1', 'LOC-R1'])
        .execute()
      expect(catalogued).toHaveLength(2)
      const bookable = await running.store.db.selectFrom('network_booking_locations').select('id').execute()
      expect(bookable).toEqual([{ id: 'BL-B1' }])
    })
    driver = await running.signUp('roaming.booker@example.org')
  })

  afterAll(async () => {
    await withBookings?.platform.close()
    await withoutBookings?.platform.close()
    await running?.close()
  })

  function book(body: Record<string, unknown>) {
    return running.api<Booking>('POST', '/bookings', body, driver)
  }

  async function myBooking(id: string) {
    const mine = await running.api<Booking[]>('GET', '/bookings', undefined, driver)
    expect(mine.status, mine.text).toBe(200)
    return mine.body.find((booking) => booking.id === id)
  }

  it('books through the Bookings module of a CPO that offers it, follows its decision and cancels', async () => {
    nextStatus = 'PENDING'
    const booked = await book({
      country_code: 'DE',
      party_id: 'BKC',
      location_id: 'LOC-B1',
      evse_uid: 'EVSE-A',
      start: at(24 * 60),
      end: at(25 * 60),
    })
    expect(booked.status, booked.text).toBe(201)
    expect(booked.body).toMatchObject({
      country_code: 'DE',
      party_id: 'BKC',
      location_id: 'LOC-B1',
      evse_uid: 'EVSE-A',
      via: 'BOOKINGS',
      status: 'PENDING',
      price: 0,
      charged: 0,
    })
    const [request] = withBookings.platform.requestsTo('POST', '/2.3.0/sender/bookings')
    expect(request!.body).toMatchObject({
      country_code: 'NL',
      party_id: 'SHD',
      request_id: booked.body.id,
      location_id: 'LOC-B1',
      booking_location_id: 'BL-B1',
      booking_option: { evse_uid: 'EVSE-A' },
      period: { start_date_time: at(24 * 60), end_date_time: at(25 * 60) },
      authorization_reference: booked.body.id,
    })
    const token = await running.api<{ uid: string }>('GET', '/driver/token', undefined, driver)
    expect((request!.body as { tokens: unknown[] }).tokens).toEqual([
      expect.objectContaining({ country_code: 'NL', party_id: 'SHD', uid: token.body.uid, type: 'APP_USER' }),
    ])
    expect(withoutBookings.platform.requestsUnder('/2.3.0/receiver/commands')).toEqual([])

    // The CPO decides later: its PATCH reaches the marketplace through the hub.
    const cpoBookingId = `BK-${booked.body.id.slice(0, 8)}`
    const reserved = await withBookings.call(`/receiver/bookings/DE/BKC/${cpoBookingId}`, {
      method: 'PATCH',
      body: { reservation_status: 'RESERVED', last_updated: new Date().toISOString() },
    })
    expect(reserved.body.status_code, reserved.text).toBe(1000)
    await eventually(async () => expect((await myBooking(booked.body.id))?.status).toBe('CONFIRMED'))

    const cancelled = await running.api<Booking>(
      'POST',
      `/bookings/${booked.body.id}/cancel`,
      undefined,
      driver,
    )
    expect(cancelled.status, cancelled.text).toBe(200)
    expect(cancelled.body.status).toBe('CANCELLED')
    const requests = withBookings.platform.requestsTo('POST', '/2.3.0/sender/bookings')
    expect(requests).toHaveLength(2)
    expect(requests[1]!.body).toMatchObject({ request_id: booked.body.id })
    expect(requests[1]!.body).toHaveProperty('canceled')
  })

  it('says clearly when the CPO rejects a booking, and keeps none', async () => {
    nextStatus = 'REJECTED'
    const before = bookingsAnswered
    const refused = await book({
      country_code: 'DE',
      party_id: 'BKC',
      location_id: 'LOC-B1',
      start: at(48 * 60),
      end: at(49 * 60),
    })
    expect(bookingsAnswered).toBe(before + 1)
    expect(refused.status, refused.text).toBe(409)
    expect(refused.body).toMatchObject({ message: 'DE*BKC refused the booking: REJECTED' })
    const mine = await running.api<Booking[]>('GET', '/bookings', undefined, driver)
    expect(mine.body.map((booking) => booking.start)).not.toContain(at(48 * 60))
  })

  it('answers 502 in words when the CPO does not answer through the hub, and keeps no booking', async () => {
    bookingsCpoDown = true
    try {
      const away = await book({
        country_code: 'DE',
        party_id: 'BKC',
        location_id: 'LOC-B1',
        start: at(72 * 60),
        end: at(73 * 60),
      })
      expect(away.status, away.text).toBe(502)
      expect(away.body).toEqual({
        error: 'Bad Gateway',
        message: 'The request did not reach DE*BKC: the hub or the CPO did not answer. Try again later.',
      })
    } finally {
      bookingsCpoDown = false
    }
    const mine = await running.api<Booking[]>('GET', '/bookings', undefined, driver)
    expect(mine.body.map((booking) => booking.start)).not.toContain(at(72 * 60))
  })

  it('reserves with RESERVE_NOW at a CPO without Bookings, and cancels with CANCEL_RESERVATION', async () => {
    withoutBookings.platform.answer('POST', '/2.3.0/receiver/commands/RESERVE_NOW', () => ({
      status: 200,
      body: envelope(aCommandResponse()),
    }))
    withoutBookings.platform.answer('POST', '/2.3.0/receiver/commands/CANCEL_RESERVATION', () => ({
      status: 200,
      body: envelope(aCommandResponse()),
    }))
    const booked = await book({
      country_code: 'DE',
      party_id: 'RSV',
      location_id: 'LOC-R1',
      evse_uid: 'EVSE-A',
      start: at(10),
      end: at(70),
    })
    expect(booked.status, booked.text).toBe(201)
    expect(booked.body).toMatchObject({ via: 'RESERVE_NOW', status: 'PENDING', location_id: 'LOC-R1' })
    const [reserve] = withoutBookings.platform.requestsTo('POST', '/2.3.0/receiver/commands/RESERVE_NOW')
    expect(reserve!.body).toMatchObject({
      token: { country_code: 'NL', party_id: 'SHD', type: 'APP_USER' },
      expiry_date: at(70),
      location_id: 'LOC-R1',
      evse_uid: 'EVSE-A',
      authorization_reference: booked.body.id,
    })
    const { response_url, reservation_id } = reserve!.body as { response_url: string; reservation_id: string }
    const result = await withoutBookings.call(response_url.replace(/^.*\/ocpi\/2\.3\.0/, ''), {
      method: 'POST',
      body: aCommandResult(),
    })
    expect(result.body.status_code, result.text).toBe(1000)
    await eventually(async () => expect((await myBooking(booked.body.id))?.status).toBe('CONFIRMED'))

    const cancelled = await running.api<Booking>(
      'POST',
      `/bookings/${booked.body.id}/cancel`,
      undefined,
      driver,
    )
    expect(cancelled.status, cancelled.text).toBe(200)
    expect(cancelled.body.status).toBe('CANCELLED')
    const [cancel] = withoutBookings.platform.requestsTo(
      'POST',
      '/2.3.0/receiver/commands/CANCEL_RESERVATION',
    )
    expect(cancel!.body).toMatchObject({ reservation_id })
    expect(withBookings.platform.requestsUnder('/2.3.0/receiver/commands')).toEqual([])
  })

  it('shows a CPO refusing a reservation, a charger that could not reserve, and a slot too far ahead', async () => {
    withoutBookings.platform.answer('POST', '/2.3.0/receiver/commands/RESERVE_NOW', () => ({
      status: 200,
      body: envelope(aCommandResponse({ result: 'REJECTED' })),
    }))
    const place = { country_code: 'DE', party_id: 'RSV', location_id: 'LOC-R1', evse_uid: 'EVSE-B' }
    const rejected = await book({ ...place, start: at(5), end: at(35) })
    expect(rejected.status, rejected.text).toBe(409)
    expect(rejected.body).toMatchObject({ message: 'DE*RSV refused the reservation: REJECTED' })

    const ahead = await book({ ...place, start: at(120), end: at(180) })
    expect(ahead.status, ahead.text).toBe(409)
    expect(ahead.text).toContain('offers no Bookings module')

    withoutBookings.platform.answer('POST', '/2.3.0/receiver/commands/RESERVE_NOW', () => ({
      status: 200,
      body: envelope(aCommandResponse()),
    }))
    const accepted = await book({ ...place, start: at(5), end: at(35) })
    expect(accepted.status, accepted.text).toBe(201)
    const reserve = withoutBookings.platform
      .requestsTo('POST', '/2.3.0/receiver/commands/RESERVE_NOW')
      .find((request) => (request.body as { reservation_id: string }).reservation_id === accepted.body.id)
    const callback = (reserve!.body as { response_url: string }).response_url
    const occupied = await withoutBookings.call(callback.replace(/^.*\/ocpi\/2\.3\.0/, ''), {
      method: 'POST',
      body: aCommandResult({ result: 'EVSE_OCCUPIED' }),
    })
    expect(occupied.body.status_code, occupied.text).toBe(1000)
    await eventually(async () =>
      expect(await myBooking(accepted.body.id)).toMatchObject({
        status: 'DECLINED',
        status_reason: 'The charger did not reserve: EVSE_OCCUPIED',
      }),
    )
    const unknown = await book({ ...place, location_id: 'LOC-NOPE', start: at(5), end: at(35) })
    expect(unknown.status, unknown.text).toBe(404)
  })

  it('lets the driver review the location of a fulfilled booking, once', async () => {
    nextStatus = 'RESERVED'
    const booked = await book({
      country_code: 'DE',
      party_id: 'BKC',
      location_id: 'LOC-B1',
      start: at(72 * 60),
      end: at(73 * 60),
    })
    expect(booked.status, booked.text).toBe(201)
    expect(booked.body.status).toBe('CONFIRMED')
    const early = await running.api('POST', `/bookings/${booked.body.id}/review`, { rating: 5 }, driver)
    expect(early.status, early.text).toBe(409)

    const fulfilled = await withBookings.call(`/receiver/bookings/DE/BKC/BK-${booked.body.id.slice(0, 8)}`, {
      method: 'PATCH',
      body: { reservation_status: 'FULFILLED', last_updated: new Date().toISOString() },
    })
    expect(fulfilled.body.status_code, fulfilled.text).toBe(1000)
    await eventually(async () => expect((await myBooking(booked.body.id))?.status).toBe('COMPLETED'))

    const review = await running.api<Review>(
      'POST',
      `/bookings/${booked.body.id}/review`,
      { rating: 4, text: 'Slot was kept for me' },
      driver,
    )
    expect(review.status, review.text).toBe(201)
    expect(review.body).toMatchObject({
      country_code: 'DE',
      party_id: 'BKC',
      location_id: 'LOC-B1',
      rating: 4,
    })
    const again = await running.api('POST', `/bookings/${booked.body.id}/review`, { rating: 1 }, driver)
    expect(again.status, again.text).toBe(409)
    const shown = await running.api<{ rating: { average: number; count: number } }>(
      'GET',
      '/locations/DE/BKC/LOC-B1/reviews',
    )
    expect(shown.body.rating).toEqual({ average: 4, count: 1 })
  })

  it("puts the driver's bookings at roaming CPOs in their personal data export", async () => {
    const exported = await running.api<{ bookings: Booking[] }>('GET', '/me/export', undefined, driver)
    expect(exported.status, exported.text).toBe(200)
    const mine = await running.api<Booking[]>('GET', '/bookings', undefined, driver)
    expect(mine.body.length).toBeGreaterThan(0)
    expect(exported.body.bookings.map((booking) => booking.id).sort()).toEqual(
      mine.body.map((booking) => booking.id).sort(),
    )
    expect(exported.body.bookings).toContainEqual(expect.objectContaining({ via: 'RESERVE_NOW' }))
  })

  it('completes a RESERVE_NOW reservation once its slot has ended (the CPO sends no word of its end)', async () => {
    withoutBookings.platform.answer('POST', '/2.3.0/receiver/commands/RESERVE_NOW', () => ({
      status: 200,
      body: envelope(aCommandResponse()),
    }))
    const booked = await book({
      country_code: 'DE',
      party_id: 'RSV',
      location_id: 'LOC-R1',
      evse_uid: 'EVSE-A',
      start: at(5),
      end: at(35),
    })
    expect(booked.status, booked.text).toBe(201)
    const reserve = withoutBookings.platform.requestsTo('POST', '/2.3.0/receiver/commands/RESERVE_NOW').at(-1)
    const { response_url } = reserve!.body as { response_url: string }
    const result = await withoutBookings.call(response_url.replace(/^.*\/ocpi\/2\.3\.0/, ''), {
      method: 'POST',
      body: aCommandResult(),
    })
    expect(result.body.status_code, result.text).toBe(1000)
    await eventually(async () => expect((await myBooking(booked.body.id))?.status).toBe('CONFIRMED'))

    const held = clock.getTime()
    try {
      clock.setTime(held + 34 * MINUTE)
      await running.marketplace.bookings.tick()
      expect((await myBooking(booked.body.id))?.status).toBe('CONFIRMED')
      clock.setTime(held + 35 * MINUTE)
      await running.marketplace.bookings.tick()
      expect((await myBooking(booked.body.id))?.status).toBe('COMPLETED')
    } finally {
      clock.setTime(held)
    }
  })
})
