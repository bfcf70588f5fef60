import fc from 'fast-check'
import { DateTime } from 'luxon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type {
  Availability,
  Booking,
  BookingTerms,
  Statement,
} from '../../marketplace/src/bookings/booking.schema.ts'
import type { Schedule } from '../../marketplace/src/bookings/schedule.schema.ts'
import type { HttpResult } from '../support/http.ts'
import { eventually } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import {
  AUTHENTICATION_REQUIRED_CARD,
  DECLINED_CARD,
  startFakeStripe,
  type FakeStripe,
} from './fake-stripe.ts'
import * as support from './support.ts'
import { CHARGER, startHubAndMarketplace, type HubAndMarketplace } from './support.ts'

const ZONE = 'Europe/Amsterdam'
/** A Monday in January of next year: winter time in Amsterdam (UTC+1), always in the future. */
const MONDAY = DateTime.fromObject({ year: DateTime.now().year + 1, month: 1, day: 1 }, { zone: ZONE }).set({
  weekday: 1,
})
const FIRST_MONDAY = MONDAY.year === DateTime.now().year + 1 ? MONDAY : MONDAY.plus({ weeks: 1 })

/** An instant at the local wall-clock time `time` of the day `days` after the first Monday. */
function local(days: number, time: string): string {
  const [hour, minute] = time.split(':').map(Number)
  return FIRST_MONDAY.plus({ days }).set({ hour, minute, second: 0, millisecond: 0 }).toUTC().toISO()!
}

const EVENINGS: Schedule = {
  weekly: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, begin: '17:00', end: '23:00' })),
  exceptions: [
    // The Wednesday closed, the Saturday open in the morning only.
    { date: FIRST_MONDAY.plus({ days: 2 }).toISODate()!, hours: [] },
    { date: FIRST_MONDAY.plus({ days: 5 }).toISODate()!, hours: [{ begin: '09:00', end: '12:00' }] },
  ],
}

const TERMS: BookingTerms = {
  instant_booking: true,
  price_per_hour: 2.5,
  free_cancellation_hours: 24,
  cancellation_fee: 1.5,
  unmanaged: true,
}

describe.each(STORE_VARIANTS)('bookings, schedules and payments at the marketplace (%s)', (engine) => {
  let network: HubAndMarketplace
  let stripe: FakeStripe
  /** The marketplace's clock: tests move it on to begin and end slots. */
  let clock = new Date()

  function api<T>(method: string, path: string, body?: unknown, cookie?: string): Promise<HttpResult<T>> {
    return support.api<T>(network.marketplaceUrl, method, path, body, cookie)
  }

  /** A new owner with a listing open for booking on `terms`; returns the owner's cookie and the listing id. */
  async function bookableListing(email: string, terms: BookingTerms, schedule = EVENINGS) {
    const owner = await support.signUp(network.marketplaceUrl, email)
    const listing = await api<{ id: string }>('POST', '/listings', CHARGER, owner)
    expect(listing.status, listing.text).toBe(201)
    const scheduled = await api<{ hub: string }>(
      'PUT',
      `/listings/${listing.body.id}/schedule`,
      schedule,
      owner,
    )
    expect(scheduled.status, scheduled.text).toBe(200)
    expect(scheduled.body.hub).toBe('delivered')
    const termsSet = await api('PUT', `/listings/${listing.body.id}/booking-terms`, terms, owner)
    expect(termsSet.status, termsSet.text).toBe(200)
    return { owner, id: listing.body.id }
  }

  function book(
    driver: string,
    listingId: string,
    start: string,
    end: string,
    paymentMethod = 'pm_card_visa',
  ) {
    return api<Booking>(
      'POST',
      '/bookings',
      { listing_id: listingId, start, end, payment_method: paymentMethod },
      driver,
    )
  }

  function intentOf(bookingId: string) {
    return [...stripe.intents.values()].find((intent) => intent.description?.includes(bookingId))
  }

  beforeAll(async () => {
    stripe = await startFakeStripe()
    network = await startHubAndMarketplace(engine, {
      env: {
        MARKETPLACE_STRIPE_SECRET_KEY: stripe.secretKey,
        MARKETPLACE_STRIPE_API_URL: stripe.url,
        MARKETPLACE_BOOKING_TICK_MS: '50',
      },
      options: { now: () => clock },
    })
  })

  afterAll(async () => {
    await network?.close()
    await stripe?.close()
  })

  it("sends an owner's schedule to every eMSP as the Location's opening_times, exceptions in UTC", async () => {
    const { id } = await bookableListing('schedule.owner@example.org', TERMS)
    const location = await eventually(() => {
      const put = network.emsp
        .inbox('locations')
        .findLast((request) => request.path.endsWith(`/NL/SHR/${id}`) && request.method === 'PUT')
      expect(put?.body).toHaveProperty('opening_times')
      return put!.body as { opening_times: Record<string, unknown> }
    })
    const wednesday = FIRST_MONDAY.plus({ days: 2 })
    const saturday = FIRST_MONDAY.plus({ days: 5 })
    expect(location.opening_times).toEqual({
      twentyfourseven: false,
      regular_hours: EVENINGS.weekly.map((p) => ({
        weekday: p.weekday,
        period_begin: '17:00',
        period_end: '23:00',
      })),
      // Amsterdam is UTC+1 in January: local 09:00 is 08:00Z.
      exceptional_openings: [
        {
          period_begin: `${saturday.toISODate()}T08:00:00Z`,
          period_end: `${saturday.toISODate()}T11:00:00Z`,
        },
      ],
      exceptional_closings: [
        {
          period_begin: `${wednesday.minus({ days: 1 }).toISODate()}T23:00:00Z`,
          period_end: `${wednesday.toISODate()}T23:00:00Z`,
        },
        {
          period_begin: `${saturday.minus({ days: 1 }).toISODate()}T23:00:00Z`,
          period_end: `${saturday.toISODate()}T08:00:00Z`,
        },
        {
          period_begin: `${saturday.toISODate()}T11:00:00Z`,
          period_end: `${saturday.toISODate()}T23:00:00Z`,
        },
      ],
    })
  })

  it('refuses a bad schedule in words, and keeps other owners and anonymous callers out', async () => {
    const { owner, id } = await bookableListing('careful.owner@example.org', TERMS)
    const backwards = await api<{ message: string }>(
      'PUT',
      `/listings/${id}/schedule`,
      { weekly: [{ weekday: 1, begin: '20:00', end: '18:00' }], exceptions: [] },
      owner,
    )
    expect(backwards.status).toBe(400)
    expect(backwards.body.message).toMatch(/weekly/)
    const badTime = await api<{ message: string }>(
      'PUT',
      `/listings/${id}/schedule`,
      { weekly: [{ weekday: 1, begin: '25:00', end: '26:00' }], exceptions: [] },
      owner,
    )
    expect(badTime.status).toBe(400)
    expect(badTime.body.message).toMatch(/begin/)
    const other = await support.signUp(network.marketplaceUrl, 'other.owner@example.org')
    expect((await api('PUT', `/listings/${id}/schedule`, EVENINGS, other)).status).toBe(404)
    expect((await api('PUT', `/listings/${id}/booking-terms`, TERMS, other)).status).toBe(404)
    expect((await api('GET', `/listings/${id}/bookings`, undefined, other)).status).toBe(404)
    expect((await api('PUT', `/listings/${id}/schedule`, EVENINGS)).status).toBe(401)
  })

  it('books a slot inside the schedule in the listing’s time zone, authorises the card, and never twice', async () => {
    const { id } = await bookableListing('busy.owner@example.org', TERMS)
    const driver = await support.signUp(network.marketplaceUrl, 'first.driver@example.org')
    // Monday 18:00–20:00 in Amsterdam is 17:00–19:00 UTC; an offset in the request means the same instant.
    const booked = await book(driver, id, '2000-01-01T00:00:00Z', '2000-01-01T01:00:00Z')
    expect(booked.status).toBe(400)
    const monday = FIRST_MONDAY.toISODate()!
    const created = await book(driver, id, `${monday}T18:00:00+01:00`, `${monday}T20:00:00+01:00`)
    expect(created.status, created.text).toBe(201)
    expect(created.body).toMatchObject({
      start: `${monday}T17:00:00.000Z`,
      end: `${monday}T19:00:00.000Z`,
      status: 'CONFIRMED',
      price: 5,
      currency: 'EUR',
    })
    expect(intentOf(created.body.id)).toMatchObject({
      amount: 500,
      currency: 'eur',
      capture_method: 'manual',
      status: 'requires_capture',
    })

    // Overlapping, by another driver: refused; touching it is fine.
    const second = await support.signUp(network.marketplaceUrl, 'second.driver@example.org')
    expect((await book(second, id, local(0, '19:30'), local(0, '21:00'))).status).toBe(409)
    expect((await book(second, id, local(0, '20:00'), local(0, '21:00'))).status).toBe(201)
    // Outside the opening hours: before 17:00, on the closed Wednesday, past noon on the Saturday.
    for (const [day, from, to] of [
      [0, '16:30', '17:30'],
      [2, '18:00', '19:00'],
      [5, '11:00', '13:00'],
    ] as const) {
      const outside = await book(second, id, local(day, from), local(day, to))
      expect(outside.status, `${day} ${from}`).toBe(409)
      expect(outside.text).toMatch(/opening hours/)
    }
    expect((await book(second, id, local(5, '09:00'), local(5, '12:00'))).status).toBe(201)

    // Two requests for the same slot at the same instant: exactly one gets it.
    const both = await Promise.all([
      book(driver, id, local(1, '18:00'), local(1, '19:00')),
      book(second, id, local(1, '18:30'), local(1, '19:30')),
    ])
    expect(both.map((answer) => answer.status).sort()).toEqual([201, 409])

    // Each driver sees only their own bookings.
    const mine = await api<Booking[]>('GET', '/bookings', undefined, driver)
    expect(mine.body.map((b) => b.id)).toContain(created.body.id)
    const theirs = await api<Booking[]>('GET', '/bookings', undefined, second)
    expect(theirs.body.map((b) => b.id)).not.toContain(created.body.id)
    expect((await api('POST', `/bookings/${created.body.id}/cancel`, undefined, second)).status).toBe(404)
    // The GDPR export holds the driver's own bookings, as the API shows them, and no one else's.
    const exported = await api<{ bookings: Booking[] }>('GET', '/me/export', undefined, driver)
    expect(exported.body.bookings.map((b) => b.id).sort()).toEqual(mine.body.map((b) => b.id).sort())
    expect(exported.body.bookings.find((b) => b.id === created.body.id)).toEqual(created.body)
  })

  it("tells any driver a listing's open, free and taken times per local day, and nobody's booking", async () => {
    const { owner, id } = await bookableListing('calendar.owner@example.org', TERMS)
    const driver = await support.signUp(network.marketplaceUrl, 'calendar.a@example.org')
    const other = await support.signUp(network.marketplaceUrl, 'calendar.b@example.org')
    // Sunday noon in Amsterdam before the first Monday: four local days, Sunday to the closed Wednesday.
    clock = FIRST_MONDAY.minus({ hours: 12 }).toJSDate()
    try {
      expect((await book(driver, id, local(0, '18:00'), local(0, '20:00'))).status).toBe(201)
      const answer = await api<Availability>('GET', `/listings/${id}/availability?days=4`, undefined, other)
      expect(answer.status, answer.text).toBe(200)
      const utc = (days: number, time: string) => new Date(local(days, time)).toISOString()
      const evening = (days: number) => ({ start: utc(days, '17:00'), end: utc(days, '23:00') })
      expect(answer.body).toEqual({
        time_zone: ZONE,
        days: [
          { date: FIRST_MONDAY.minus({ days: 1 }).toISODate(), open: [], free: [] },
          {
            date: FIRST_MONDAY.toISODate(),
            open: [evening(0)],
            free: [
              { start: utc(0, '17:00'), end: utc(0, '18:00') },
              { start: utc(0, '20:00'), end: utc(0, '23:00') },
            ],
          },
          { date: FIRST_MONDAY.plus({ days: 1 }).toISODate(), open: [evening(1)], free: [evening(1)] },
          { date: FIRST_MONDAY.plus({ days: 2 }).toISODate(), open: [], free: [] },
        ],
        // Only the times: no driver, booking id or price of another driver's booking.
        taken: [{ start: utc(0, '18:00'), end: utc(0, '20:00') }],
      })
      const tooMany = await api<{ message: string }>(
        'GET',
        `/listings/${id}/availability?days=32`,
        undefined,
        other,
      )
      expect(tooMany.status).toBe(400)
      expect((await api('GET', `/listings/${id}/availability`)).status).toBe(401)
      // A listing without booking terms is not open for booking.
      const listing = await api<{ id: string }>('POST', '/listings', CHARGER, owner)
      const closed = await api<{ message: string }>(
        'GET',
        `/listings/${listing.body.id}/availability`,
        undefined,
        other,
      )
      expect(closed.status).toBe(404)
      expect(closed.body.message).toMatch(/not open for booking/)
    } finally {
      clock = new Date()
    }
  })

  it('answers 503 with Retry-After while the payment provider is away, and keeps the slot free', async () => {
    const { id } = await bookableListing('outage.owner@example.org', TERMS)
    const driver = await support.signUp(network.marketplaceUrl, 'patient.driver@example.org')
    const intentsBefore = stripe.intents.size
    stripe.down = true
    const away = await book(driver, id, local(3, '18:00'), local(3, '19:00'))
    stripe.down = false
    expect(away.status, away.text).toBe(503)
    expect(away.headers.get('retry-after')).toBe('60')
    expect(away.body).toEqual({
      error: 'Service Unavailable',
      message: 'The payment could not be made just now, so the slot was not booked: try again in a minute',
    })
    expect(stripe.intents.size).toBe(intentsBefore)
    expect((await api<Booking[]>('GET', '/bookings', undefined, driver)).body).toEqual([])
    // Stripe back: the same slot books.
    expect((await book(driver, id, local(3, '18:00'), local(3, '19:00'))).status).toBe(201)
  })

  it('frees the slot again when the card is declined', async () => {
    const { id } = await bookableListing('declined.owner@example.org', TERMS)
    const driver = await support.signUp(network.marketplaceUrl, 'broke.driver@example.org')
    const declined = await book(driver, id, local(0, '18:00'), local(0, '19:00'), DECLINED_CARD)
    expect(declined.status).toBe(402)
    expect(declined.text).toMatch(/declined/)
    expect((await book(driver, id, local(0, '18:00'), local(0, '19:00'))).status).toBe(201)
    const missing = await api<{ message: string }>(
      'POST',
      '/bookings',
      { listing_id: id, start: local(0, '20:00'), end: local(0, '21:00') },
      driver,
    )
    expect(missing.status).toBe(400)
    expect(missing.body.message).toMatch(/payment_method/)
  })

  it("keeps the slot while the driver's bank asks them to authenticate: booked once they did, freed when they failed or never did", async () => {
    const { owner, id } = await bookableListing('authenticating.owner@example.org', TERMS)
    const driver = await support.signUp(network.marketplaceUrl, 'secure.driver@example.org')
    const rival = await support.signUp(network.marketplaceUrl, 'quick.driver@example.org')
    const confirm = (bookingId: string, who = driver) =>
      api<Booking & { message: string }>('POST', `/bookings/${bookingId}/payment/confirm`, undefined, who)

    const waiting = await book(driver, id, local(0, '18:00'), local(0, '19:00'), AUTHENTICATION_REQUIRED_CARD)
    expect(waiting.status, waiting.text).toBe(202)
    const intent = intentOf(waiting.body.id)!
    expect(intent.status).toBe('requires_action')
    expect(waiting.body).toMatchObject({
      status: 'CONFIRMED',
      price: 2.5,
      payment: { status: 'requires_action', client_secret: intent.client_secret },
    })
    // The slot is kept for the driver, and is not the owner's booking yet.
    expect((await book(rival, id, local(0, '18:00'), local(0, '19:00'))).status).toBe(409)
    expect((await api<Booking[]>('GET', `/listings/${id}/bookings`, undefined, owner)).body).toEqual([])
    const mine = await api<Booking[]>('GET', '/bookings', undefined, driver)
    expect(mine.body.find((b) => b.id === waiting.body.id)?.payment).toEqual({ status: 'requires_action' })
    expect((await confirm(waiting.body.id, rival)).status).toBe(404)

    // Stripe away: 503 in words, to try again in a minute; the booking still waits.
    stripe.down = true
    const away = await confirm(waiting.body.id)
    stripe.down = false
    expect(away.status, away.text).toBe(503)
    expect(away.headers.get('retry-after')).toBe('60')
    expect(away.body).toEqual({
      error: 'Service Unavailable',
      message: 'The payment could not be checked just now: try again in a minute',
    })
    const still = await api<Booking[]>('GET', '/bookings', undefined, driver)
    expect(still.body.find((b) => b.id === waiting.body.id)?.payment).toEqual({ status: 'requires_action' })
    stripe.authenticate(intent.id, true)
    const confirmed = await confirm(waiting.body.id)
    expect(confirmed.status, confirmed.text).toBe(200)
    expect(confirmed.body).toMatchObject({ id: waiting.body.id, status: 'CONFIRMED', price: 2.5 })
    expect(confirmed.body.payment).toBeUndefined()
    expect(intentOf(waiting.body.id)?.status).toBe('requires_capture')
    const listed = await api<Booking[]>('GET', `/listings/${id}/bookings`, undefined, owner)
    expect(listed.body.map((b) => b.id)).toEqual([waiting.body.id])
    expect((await confirm(waiting.body.id)).status).toBe(409)

    // The driver failed their bank's check: 402 in words, the authorisation given up, the slot free.
    const failing = await book(driver, id, local(1, '18:00'), local(1, '19:00'), AUTHENTICATION_REQUIRED_CARD)
    expect(failing.status, failing.text).toBe(202)
    stripe.authenticate(intentOf(failing.body.id)!.id, false)
    const refused = await confirm(failing.body.id)
    expect(refused.status).toBe(402)
    expect(refused.body.message).toMatch(/Your bank did not confirm the payment/)
    expect(intentOf(failing.body.id)?.status).toBe('canceled')
    const after = await api<Booking[]>('GET', '/bookings', undefined, driver)
    expect(after.body.map((b) => b.id)).not.toContain(failing.body.id)
    expect((await book(rival, id, local(1, '18:00'), local(1, '19:00'))).status).toBe(201)

    // Never finished: the booking clock frees the slot after 15 minutes and cancels the PaymentIntent.
    const before = clock
    clock = new Date(local(0, '10:00'))
    const forgotten = await book(
      driver,
      id,
      local(3, '18:00'),
      local(3, '19:00'),
      AUTHENTICATION_REQUIRED_CARD,
    )
    expect(forgotten.status, forgotten.text).toBe(202)
    clock = new Date(local(0, '10:16'))
    await eventually(async () => expect((await confirm(forgotten.body.id)).status).toBe(404))
    expect(intentOf(forgotten.body.id)?.status).toBe('canceled')
    expect((await book(rival, id, local(3, '18:00'), local(3, '19:00'))).status).toBe(201)
    clock = before
  })

  it('lets the owner accept or decline; a decline releases the card', async () => {
    const { owner, id } = await bookableListing('picky.owner@example.org', {
      ...TERMS,
      instant_booking: false,
    })
    const driver = await support.signUp(network.marketplaceUrl, 'hopeful.driver@example.org')
    const first = await book(driver, id, local(0, '18:00'), local(0, '19:00'))
    const second = await book(driver, id, local(1, '18:00'), local(1, '19:00'))
    expect([first.body.status, second.body.status]).toEqual(['PENDING', 'PENDING'])
    // A pending booking holds its slot too.
    const rival = await support.signUp(network.marketplaceUrl, 'rival.driver@example.org')
    expect((await book(rival, id, local(0, '18:00'), local(0, '19:00'))).status).toBe(409)
    // Only the listing's owner decides.
    expect((await api('POST', `/bookings/${first.body.id}/accept`, undefined, driver)).status).toBe(404)
    const accepted = await api<Booking>('POST', `/bookings/${first.body.id}/accept`, undefined, owner)
    expect(accepted.body.status).toBe('CONFIRMED')
    const declined = await api<Booking>('POST', `/bookings/${second.body.id}/decline`, undefined, owner)
    expect(declined.body.status).toBe('DECLINED')
    expect(intentOf(second.body.id)?.status).toBe('canceled')
    const listed = await api<Booking[]>('GET', `/listings/${id}/bookings`, undefined, owner)
    expect(listed.body.map((b) => b.status)).toEqual(['CONFIRMED', 'DECLINED'])
  })

  it("cancels free early, and at the owner's fee late", async () => {
    const { id } = await bookableListing('strict.owner@example.org', TERMS)
    const driver = await support.signUp(network.marketplaceUrl, 'changing.driver@example.org')
    const today = await book(driver, id, local(0, '18:00'), local(0, '19:00'))
    const thursday = await book(driver, id, local(3, '18:00'), local(3, '19:00'))
    clock = new Date(local(0, '12:00'))
    // 6 hours before the slot, under the owner's 24 free hours: the fee of 1.50 is captured.
    const late = await api<Booking>('POST', `/bookings/${today.body.id}/cancel`, undefined, driver)
    expect(late.status, late.text).toBe(200)
    expect(late.body).toMatchObject({ status: 'CANCELLED', charged: 1.5 })
    expect(intentOf(today.body.id)).toMatchObject({ status: 'succeeded', amount_received: 150 })
    // Three days ahead: free, the whole authorisation released.
    const early = await api<Booking>('POST', `/bookings/${thursday.body.id}/cancel`, undefined, driver)
    expect(early.body).toMatchObject({ status: 'CANCELLED', charged: 0 })
    expect(intentOf(thursday.body.id)?.status).toBe('canceled')
    expect((await api('POST', `/bookings/${today.body.id}/cancel`, undefined, driver)).status).toBe(409)
    // The slot is free again.
    expect((await book(driver, id, local(0, '18:00'), local(0, '19:00'))).status).toBe(201)
  })

  it("turns an unmanaged charger's booked slot into its status at the hub, captures it, and counts it in the owner's earnings", async () => {
    const { owner, id } = await bookableListing('earning.owner@example.org', TERMS)
    const driver = await support.signUp(network.marketplaceUrl, 'punctual.driver@example.org')
    const slot = await book(driver, id, local(4, '18:00'), local(4, '19:30'))
    expect(slot.body.price).toBe(3.75)
    const statuses = () =>
      network.emsp
        .inbox('locations')
        .filter((request) => request.method === 'PATCH' && request.path.endsWith(`/NL/SHR/${id}/${id}-1`))
        .map((request) => (request.body as { status: string }).status)
    await eventually(() => expect(statuses().at(-1)).toBe('AVAILABLE'))
    clock = new Date(local(4, '17:50'))
    await eventually(() => expect(statuses().at(-1)).toBe('RESERVED'))
    clock = new Date(local(4, '18:00'))
    await eventually(() => expect(statuses().at(-1)).toBe('CHARGING'))
    clock = new Date(local(4, '19:30'))
    await eventually(() => expect(statuses().at(-1)).toBe('AVAILABLE'))
    expect(statuses().slice(-4)).toEqual(['AVAILABLE', 'RESERVED', 'CHARGING', 'AVAILABLE'])
    await eventually(() =>
      expect(intentOf(slot.body.id)).toMatchObject({ status: 'succeeded', amount_received: 375 }),
    )
    const mine = await api<Booking[]>('GET', '/bookings', undefined, driver)
    expect(mine.body.find((b) => b.id === slot.body.id)).toMatchObject({ status: 'COMPLETED', charged: 3.75 })

    const period = FIRST_MONDAY.toFormat('yyyy-LL')
    const statement = await api<Statement>('GET', `/earnings?period=${period}`, undefined, owner)
    expect(statement.status, statement.text).toBe(200)
    expect(statement.body).toMatchObject({
      period,
      currency: 'EUR',
      total: 3.75,
      lines: [{ booking_id: slot.body.id, listing_id: id, kind: 'SLOT', amount: 3.75 }],
    })
    // Another owner's statement does not hold it; a bad period is refused in words.
    const other = await api<Statement>('GET', `/earnings?period=${period}`, undefined, driver)
    expect(other.body).toMatchObject({ lines: [], total: 0 })
    const bad = await api<{ message: string }>('GET', '/earnings?period=2026-13', undefined, owner)
    expect(bad.status).toBe(400)
    expect(bad.body.message).toMatch(/period/)
  })

  it('captures a slot that ended while Stripe was away once it is back', async () => {
    const { owner, id } = await bookableListing('patient.owner@example.org', { ...TERMS, unmanaged: false })
    const driver = await support.signUp(network.marketplaceUrl, 'late.payer@example.org')
    const slot = await book(driver, id, local(7, '18:00'), local(7, '19:00'))
    expect(slot.status, slot.text).toBe(201)
    stripe.down = true
    try {
      clock = new Date(local(7, '19:00'))
      await eventually(async () => {
        const mine = await api<Booking[]>('GET', '/bookings', undefined, driver)
        expect(mine.body[0]).toMatchObject({ id: slot.body.id, status: 'COMPLETED' })
      })
      await eventually(() => expect(stripe.requests.at(-1)?.path).toMatch(/\/capture$/))
      expect(intentOf(slot.body.id)?.status).toBe('requires_capture')
      const period = FIRST_MONDAY.toFormat('yyyy-LL')
      const unpaid = await api<Statement>('GET', `/earnings?period=${period}`, undefined, owner)
      expect(unpaid.body.lines).toEqual([])
    } finally {
      stripe.down = false
    }
    await eventually(() =>
      expect(intentOf(slot.body.id)).toMatchObject({ status: 'succeeded', amount_received: 250 }),
    )
  })

  it("takes roaming drivers' bookings from other eMSPs through the hub's Bookings module", async () => {
    const { id } = await bookableListing('roaming.owner@example.org', { ...TERMS, unmanaged: false })
    // The listing reaches the eMSP as a BookingLocation with a Calendar of free timeslots.
    const bookingLocation = await eventually(() => {
      const put = network.emsp
        .inbox('bookings')
        .findLast((request) => request.path.endsWith(`/NL/SHR/booking_locations/${id}`))
      expect(put?.method).toBe('PUT')
      return put!.body as { calendars: { available_timeslots: { start_date_time: string }[] }[] }
    })
    expect(bookingLocation.calendars[0]!.available_timeslots.length).toBeGreaterThan(0)
    const token = { country_code: 'DE', party_id: 'DRV', uid: 'TOK1', type: 'RFID', contract_id: 'DE-DRV-C1' }
    const request = (requestId: string, from: string, to: string, extra: object = {}) =>
      network.emsp.call<{ status_code: number; data?: { id: string; reservation_status: string } }>(
        '/sender/bookings',
        {
          method: 'POST',
          body: {
            country_code: 'DE',
            party_id: 'DRV',
            request_id: requestId,
            location_id: id,
            booking_location_id: id,
            tokens: [token],
            period: { start_date_time: from, end_date_time: to },
            authorization_reference: `AUTH-${requestId}`,
            ...extra,
          },
        },
      )
    const booked = await request('REQ-1', local(8, '18:00'), local(8, '19:00'))
    expect(booked.body.status_code, booked.text).toBe(1000)
    expect(booked.body.data).toMatchObject({
      reservation_status: 'RESERVED',
      country_code: 'NL',
      party_id: 'SHR',
    })
    // The slot is the roaming driver's: a member and another request are refused.
    const driver = await support.signUp(network.marketplaceUrl, 'local.driver@example.org')
    expect((await book(driver, id, local(8, '18:30'), local(8, '19:30'))).status).toBe(409)
    const rival = await request('REQ-2', local(8, '18:30'), local(8, '19:30'))
    expect(rival.body.data?.reservation_status).toBe('REJECTED')
    // A repeat of the same request is the same booking; `canceled` cancels it.
    expect((await request('REQ-1', local(8, '18:00'), local(8, '19:00'))).body.data?.id).toBe(
      booked.body.data!.id,
    )
    const cancelled = await request('REQ-1', local(8, '18:00'), local(8, '19:00'), { canceled: {} })
    expect(cancelled.body.data?.reservation_status).toBe('CANCELED')
    expect((await book(driver, id, local(8, '18:30'), local(8, '19:30'))).status).toBe(201)
  })

  it("sends the owner's decision on a roaming driver's booking to its eMSP through the hub", async () => {
    const { owner, id } = await bookableListing('approving.owner@example.org', {
      ...TERMS,
      instant_booking: false,
      unmanaged: false,
    })
    const asked = await network.emsp.call<{
      status_code: number
      data?: { id: string; reservation_status: string }
    }>('/sender/bookings', {
      method: 'POST',
      body: {
        country_code: 'DE',
        party_id: 'DRV',
        request_id: 'REQ-APPROVAL',
        location_id: id,
        booking_location_id: id,
        tokens: [
          { country_code: 'DE', party_id: 'DRV', uid: 'TOK2', type: 'RFID', contract_id: 'DE-DRV-C2' },
        ],
        period: { start_date_time: local(9, '18:00'), end_date_time: local(9, '19:00') },
        authorization_reference: 'AUTH-APPROVAL',
      },
    })
    expect(asked.body.data?.reservation_status, asked.text).toBe('PENDING')
    const bookingId = asked.body.data!.id
    const accepted = await api<Booking>('POST', `/bookings/${bookingId}/accept`, undefined, owner)
    expect(accepted.body.status).toBe('CONFIRMED')
    const patch = await eventually(() => {
      const sent = network.emsp
        .inbox('bookings')
        .find((request) => request.method === 'PATCH' && request.path.endsWith(`/NL/SHR/${bookingId}`))
      expect(sent).toBeDefined()
      return sent!.body
    })
    expect(patch).toMatchObject({ reservation_status: 'RESERVED' })
  })

  it("sends the Session and the CDR of a roaming driver's slot at an unmanaged charger to its eMSP once the slot is over", async () => {
    const { id } = await bookableListing('roaming.slot.owner@example.org', TERMS)
    const asked = await network.emsp.call<{ data?: { id: string; reservation_status: string } }>(
      '/sender/bookings',
      {
        method: 'POST',
        body: {
          country_code: 'DE',
          party_id: 'DRV',
          request_id: 'REQ-SLOT',
          location_id: id,
          booking_location_id: id,
          tokens: [
            { country_code: 'DE', party_id: 'DRV', uid: 'TOK3', type: 'RFID', contract_id: 'DE-DRV-C3' },
          ],
          period: { start_date_time: local(10, '18:00'), end_date_time: local(10, '19:00') },
          authorization_reference: 'AUTH-SLOT',
        },
      },
    )
    expect(asked.body.data?.reservation_status, asked.text).toBe('RESERVED')
    const bookingId = asked.body.data!.id
    const cdrsOfSlot = () =>
      network.emsp.inbox('cdrs').filter((request) => (request.body as { id?: string }).id === bookingId)
    expect(cdrsOfSlot()).toEqual([])

    clock = new Date(local(10, '19:00'))
    const [cdr] = await eventually(() => {
      const sent = cdrsOfSlot()
      expect(sent).toHaveLength(1)
      return sent
    })
    expect(cdr!.body).toMatchObject({
      country_code: 'NL',
      party_id: 'SHR',
      session_id: bookingId,
      cdr_token: { country_code: 'DE', party_id: 'DRV', uid: 'TOK3', type: 'RFID', contract_id: 'DE-DRV-C3' },
      authorization_reference: 'AUTH-SLOT',
      currency: 'EUR',
      charging_periods: [{ dimensions: [{ type: 'RESERVATION_TIME', volume: 1 }] }],
      total_cost: { before_taxes: 2.5 },
      total_reservation_cost: { before_taxes: 2.5 },
      total_energy: 0,
      total_time: 1,
    })
    const session = network.emsp
      .inbox('sessions')
      .find((request) => request.path.endsWith(`/NL/SHR/${bookingId}`))
    expect(session?.body).toMatchObject({ status: 'COMPLETED', kwh: 0, total_cost: { before_taxes: 2.5 } })
  })

  it('never lets two bookings of a listing overlap, whatever slots are asked for at once (property)', async () => {
    const { id } = await bookableListing(
      'popular.owner@example.org',
      { ...TERMS, price_per_hour: 0, unmanaged: false },
      {
        weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, begin: '00:00', end: '23:59' })),
        exceptions: [],
      },
    )
    const driver = await support.signUp(network.marketplaceUrl, 'eager.driver@example.org')
    // Each run books on a day of its own, in quarters of an hour from 08:00 local.
    let day = 10
    const slot = fc
      .tuple(fc.integer({ min: 0, max: 16 }), fc.integer({ min: 1, max: 8 }))
      .map(([from, quarters]) => [from, from + quarters] as const)
    await fc.assert(
      fc.asyncProperty(fc.array(slot, { minLength: 2, maxLength: 6 }), async (slots) => {
        day += 1
        const at = (quarter: number) =>
          FIRST_MONDAY.plus({ days: day })
            .set({ hour: 8 })
            .plus({ minutes: 15 * quarter })
        const answers = await Promise.all(
          slots.map(([from, to]) =>
            api(
              'POST',
              '/bookings',
              { listing_id: id, start: at(from).toUTC().toISO(), end: at(to).toUTC().toISO() },
              driver,
            ),
          ),
        )
        expect(
          answers
            .filter((answer) => answer.status !== 201 && answer.status !== 409)
            .map((a) => `${a.status} ${a.text}`),
        ).toEqual([])
        const taken = slots.filter((_, index) => answers[index]!.status === 201)
        const overlaps = (a: readonly [number, number], b: readonly [number, number]) =>
          a[0] < b[1] && b[0] < a[1]
        // No two granted slots overlap, and every refused slot overlaps a granted one.
        taken.forEach((a, i) => taken.slice(i + 1).forEach((b) => expect(overlaps(a, b)).toBe(false)))
        slots.forEach((requested, index) => {
          if (answers[index]!.status === 409)
            expect(taken.some((granted) => overlaps(requested, granted))).toBe(true)
        })
      }),
      { numRuns: 40 },
    )
  })
})
