import { Value } from '@sinclair/typebox/value'
import { DateTime } from 'luxon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Booking } from '../../marketplace/src/bookings/booking.schema.ts'
import type { Charge } from '../../marketplace/src/driving/charge.schema.ts'
import type { Rating, Review } from '../../marketplace/src/reviews/review.schema.ts'
import { Cdr } from '../../src/modules/cdrs/cdrs.schema.ts'
import { Location } from '../../src/modules/locations/locations.schema.ts'
import { Session } from '../../src/modules/sessions/sessions.schema.ts'
import { eventually, routeHeaders } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { startFakeStripe, type FakeStripe } from './fake-stripe.ts'
import {
  CHARGER,
  plugInACar,
  simulatedCharger,
  startHubAndMarketplace,
  type ChargerAnswer,
  type HubAndMarketplace,
  type ListingAnswer,
  type SimulatedCharger,
} from './support.ts'

/**
 * Issue 19's end-to-end test: a home charger listed as a managed charger (a simulated OCPP 1.6J charger)
 * reaches a roaming eMSP as a Location; a marketplace driver books it, pays, charges there (in process:
 * decision 0030) and reviews it; a roaming eMSP's driver charges there through the hub. A marketplace
 * driver at a roaming CPO through the hub is test/marketplace/driving.test.ts ("gives a driver a token
 * that every CPO gets, starts, follows, stops and receipts a charge"), not repeated here.
 */

const MARKETPLACE_CPO = { country_code: 'NL', party_id: 'SHR' }
const ROAMING_EMSP = { country_code: 'DE', party_id: 'DRV' }

/** A token of the roaming eMSP DE*DRV's driver. */
const ROAMING_TOKEN = {
  ...ROAMING_EMSP,
  uid: 'DRV-E2E-TOKEN-0001',
  type: 'APP_USER',
  contract_id: 'DE-DRV-C00000001-E',
  issuer: 'Driver eMSP',
  valid: true,
  whitelist: 'ALLOWED',
  last_updated: '2026-12-01T10:00:00Z',
}

/** Open every day, all day, in the listing's time zone. */
const ALWAYS_OPEN = {
  weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, begin: '00:00', end: '23:59' })),
  exceptions: [],
}

describe.each(STORE_VARIANTS)('the marketplace end to end (%s)', (engine) => {
  let network: HubAndMarketplace
  let stripe: FakeStripe
  /** The marketplace's booking clock: moved past the booked slot to settle it. */
  let clock = new Date()
  let owner: string
  let driver: string
  let listingId: string
  let charger: SimulatedCharger
  /** The charge the marketplace's driver completes; the review test rates it. */
  let chargeId: string

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
    await charger?.close({ force: true })
    await network?.close()
    await stripe?.close()
  })

  it('lists a managed charger that a roaming eMSP receives as a Location, AVAILABLE once it boots', async () => {
    owner = await network.signUp('e2e.owner@example.org')
    const listing = await network.api<ListingAnswer>('POST', '/listings', CHARGER, owner)
    expect(listing.status, listing.text).toBe(201)
    listingId = listing.body.id
    const connected = await network.api<ChargerAnswer>(
      'PUT',
      `/listings/${listingId}/charger`,
      { identity: 'E2E-HOME-CP' },
      owner,
    )
    expect(connected.status, connected.text).toBe(200)

    charger = simulatedCharger(connected.body)
    // The charger plays a car: a remote start begins an hour's transaction with a reading half-way; a
    // remote stop ends it at 8 kWh.
    plugInACar(charger)
    await charger.connect()
    await charger.call('BootNotification', { chargePointVendor: 'Simulated', chargePointModel: 'Home 11' })
    await charger.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' })

    const locationPath = `/2.3.0/receiver/locations/NL/SHR/${listingId}`
    const [put] = await network.emsp.platform.waitForRequests(locationPath, 1)
    expect(put!.method).toBe('PUT')
    expect(Value.Errors(Location, put!.body).First()).toBeUndefined()
    expect(put!.body).toMatchObject({ id: listingId, name: CHARGER.name, evses: [{ uid: `${listingId}-1` }] })
    await eventually(() =>
      expect(network.emsp.inbox(`locations/NL/SHR/${listingId}/`).at(-1)?.body).toMatchObject({
        status: 'AVAILABLE',
      }),
    )
  })

  it("lets a marketplace driver book it and pay; the card is charged once the slot's time is over", async () => {
    const scheduled = await network.api('PUT', `/listings/${listingId}/schedule`, ALWAYS_OPEN, owner)
    expect(scheduled.status, scheduled.text).toBe(200)
    const terms = {
      instant_booking: true,
      price_per_hour: 2,
      free_cancellation_hours: 1,
      cancellation_fee: 1,
    }
    const termsSet = await network.api('PUT', `/listings/${listingId}/booking-terms`, terms, owner)
    expect(termsSet.status, termsSet.text).toBe(200)

    driver = await network.signUp('e2e.driver@example.org')
    const start = DateTime.now()
      .setZone(CHARGER.time_zone)
      .plus({ days: 1 })
      .set({ hour: 10 })
      .startOf('hour')
    const booked = await network.api<Booking>(
      'POST',
      '/bookings',
      {
        listing_id: listingId,
        start: start.toUTC().toISO(),
        end: start.plus({ hours: 2 }).toUTC().toISO(),
        payment_method: 'pm_card_visa',
      },
      driver,
    )
    expect(booked.status, booked.text).toBe(201)
    expect(booked.body).toMatchObject({ status: 'CONFIRMED', price: 4, currency: 'EUR' })
    const intent = () => [...stripe.intents.values()].find((i) => i.description?.includes(booked.body.id))
    expect(intent()).toMatchObject({ amount: 400, status: 'requires_capture' })

    clock = start.plus({ hours: 2, minutes: 1 }).toJSDate()
    await eventually(() => expect(intent()).toMatchObject({ status: 'succeeded', amount_received: 400 }))
    const settled = await network.api<Booking[]>('GET', '/bookings', undefined, driver)
    expect(settled.body.find((b) => b.id === booked.body.id)).toMatchObject({ status: 'COMPLETED' })
  })

  it('lets the marketplace driver start, follow, stop, pay by card and get the receipt of a charge at it, without the hub', async () => {
    const started = await network.api<Charge>(
      'POST',
      '/charges',
      {
        ...MARKETPLACE_CPO,
        location_id: listingId,
        evse_uid: `${listingId}-1`,
        connector_id: '1',
        payment_method: 'pm_card_visa',
      },
      driver,
    )
    expect(started.status, started.text).toBe(201)
    expect(started.body).toMatchObject({
      status: 'ACCEPTED',
      location_name: CHARGER.name,
      // MARKETPLACE_CHARGE_HOLD's default: 50.00 held before the charger was asked to start.
      payment: { state: 'AUTHORISED', currency: 'EUR', held: 50 },
    })
    chargeId = started.body.id
    const intent = () => [...stripe.intents.values()].find((i) => i.description?.includes(chargeId))
    expect(intent()).toMatchObject({ amount: 5000, status: 'requires_capture' })
    const charge = async () =>
      (await network.api<Charge>('GET', `/charges/${chargeId}`, undefined, driver)).body

    // Half-way: 4 kWh at 0.29 so far.
    await eventually(async () =>
      expect(await charge()).toMatchObject({
        status: 'ACTIVE',
        session: { status: 'ACTIVE', energy_kwh: 4, cost_so_far: { currency: 'EUR', before_taxes: 1.16 } },
      }),
    )
    const stopped = await network.api<Charge>('POST', `/charges/${chargeId}/stop`, undefined, driver)
    expect(stopped.status, stopped.text).toBe(200)
    await eventually(async () =>
      expect(await charge()).toMatchObject({
        status: 'COMPLETED',
        session: { status: 'COMPLETED', energy_kwh: 8 },
        receipt: { energy_kwh: 8, total_cost: { currency: 'EUR', before_taxes: 2.32 } },
      }),
    )
    // The charger's transaction ran an hour.
    expect((await charge()).receipt?.time_hours).toBeCloseTo(1, 1)
    // The card paid the CDR's cost with VAT, in process like the CDR.
    const receipt = (await charge()).receipt!
    const cost = receipt.total_cost.after_taxes ?? receipt.total_cost.before_taxes
    expect(receipt).toMatchObject({ paid: cost, payment_state: 'CAPTURED' })
    expect(intent()).toMatchObject({ status: 'succeeded', amount_received: Math.round(cost * 100) })
    // The hub never carried it: its message log holds the marketplace's Location pushes, but no Session
    // or CDR to or from the marketplace (the roaming driver's charge comes later in this file).
    const logged = (module: string) =>
      network.hub.admin<{ messages: unknown[] }>(
        'GET',
        `/messages?party=${network.platformId}&module=${module}&bodies=false&limit=10`,
      )
    expect((await logged('locations')).body.messages.length).toBeGreaterThan(0)
    for (const module of ['sessions', 'cdrs']) expect((await logged(module)).body.messages).toEqual([])
  })

  it("lets that driver review the charger and its owner reply, as after a roaming CPO's charge", async () => {
    const written = await network.api<Review>(
      'POST',
      `/charges/${chargeId}/review`,
      { rating: 5, text: 'Charged while we had dinner.' },
      driver,
    )
    expect(written.status, written.text).toBe(201)
    expect(written.body).toMatchObject({ ...MARKETPLACE_CPO, location_id: listingId, rating: 5 })
    const replied = await network.api<Review>(
      'POST',
      `/reviews/${written.body.id}/reply`,
      { text: 'Come again!' },
      owner,
    )
    expect(replied.status, replied.text).toBe(200)
    const reviews = await network.api<{ rating: Rating; reviews: Review[] }>(
      'GET',
      `/locations/NL/SHR/${listingId}/reviews`,
    )
    expect(reviews.body).toMatchObject({
      rating: { average: 5, count: 1 },
      reviews: [{ id: written.body.id, text: 'Charged while we had dinner.', reply: 'Come again!' }],
    })
  })

  it("lets a roaming eMSP's driver charge there through the hub: that eMSP gets the Session and the CDR", async () => {
    await eventually(() =>
      expect(network.emsp.inbox(`locations/NL/SHR/${listingId}/`).at(-1)?.body).toMatchObject({
        status: 'AVAILABLE',
      }),
    )
    const command = async (name: string, body: Record<string, unknown>) => {
      const answer = await network.emsp.call<{ status_code: number; data?: { result: string } }>(
        `/receiver/commands/${name}`,
        {
          method: 'POST',
          body: { response_url: `${network.emsp.platform.url}/2.3.0/results/${name}`, ...body },
          headers: routeHeaders(ROAMING_EMSP, MARKETPLACE_CPO),
        },
      )
      expect(answer.body.status_code, answer.text).toBe(1000)
      expect(answer.body.data?.result).toBe('ACCEPTED')
      const [result] = await network.emsp.platform.waitForRequests(`/2.3.0/results/${name}`, 1)
      expect(result!.body).toEqual({ result: 'ACCEPTED' })
    }

    await command('START_SESSION', {
      token: ROAMING_TOKEN,
      location_id: listingId,
      evse_uid: `${listingId}-1`,
    })
    const [sessionPut] = await network.emsp.platform.waitForRequests('/2.3.0/receiver/sessions/NL/SHR/', 1)
    expect(Value.Errors(Session, sessionPut!.body).First()).toBeUndefined()
    const session = sessionPut!.body as { id: string }
    expect(session).toMatchObject({
      status: 'ACTIVE',
      cdr_token: { uid: ROAMING_TOKEN.uid, party_id: 'DRV' },
    })
    await eventually(() =>
      expect(network.emsp.inbox(`sessions/NL/SHR/${session.id}`).at(-1)?.body).toMatchObject({
        kwh: 4,
        total_cost: { before_taxes: 1.16 },
      }),
    )

    await command('STOP_SESSION', { session_id: session.id })
    const [cdrPost] = await network.emsp.platform.waitForRequests('/2.3.0/receiver/cdrs', 1)
    expect(Value.Errors(Cdr, cdrPost!.body).First()).toBeUndefined()
    expect(cdrPost!.body).toMatchObject({
      session_id: session.id,
      cdr_token: { uid: ROAMING_TOKEN.uid },
      total_energy: 8,
      total_cost: { before_taxes: 2.32 },
      cdr_location: { id: listingId },
    })
    // The marketplace's eMSP role kept nothing of another eMSP's driver.
    const kept = await network.store.db.selectFrom('driver_sessions').select('id').execute()
    expect(kept.map((row) => row.id)).not.toContain(session.id)
    // The charger is free again once the car left (its last StatusNotification).
    await eventually(() =>
      expect(network.emsp.inbox(`locations/NL/SHR/${listingId}/`).at(-1)?.body).toMatchObject({
        status: 'AVAILABLE',
      }),
    )
  })

  it("lets a charge during the driver's booked slot there be paid by the booking: no card hold", async () => {
    const slot = DateTime.fromJSDate(clock).setZone(CHARGER.time_zone).plus({ hours: 1 }).startOf('hour')
    const booked = await network.api<Booking>(
      'POST',
      '/bookings',
      {
        listing_id: listingId,
        start: slot.toUTC().toISO(),
        end: slot.plus({ hours: 1 }).toUTC().toISO(),
        payment_method: 'pm_card_visa',
      },
      driver,
    )
    expect(booked.status, booked.text).toBe(201)
    clock = slot.plus({ minutes: 10 }).toJSDate()
    const intentsBefore = stripe.intents.size

    const started = await network.api<Charge>(
      'POST',
      '/charges',
      { ...MARKETPLACE_CPO, location_id: listingId, evse_uid: `${listingId}-1` },
      driver,
    )
    expect(started.status, started.text).toBe(201)
    expect(started.body.payment).toEqual({ state: 'BOOKING', booking_id: booked.body.id })
    expect(stripe.intents.size).toBe(intentsBefore)
    const charge = async () =>
      (await network.api<Charge>('GET', `/charges/${started.body.id}`, undefined, driver)).body
    await eventually(async () => expect(await charge()).toMatchObject({ status: 'ACTIVE' }))
    const stopped = await network.api<Charge>('POST', `/charges/${started.body.id}/stop`, undefined, driver)
    expect(stopped.status, stopped.text).toBe(200)
    await eventually(async () =>
      expect(await charge()).toMatchObject({
        status: 'COMPLETED',
        receipt: { paid: 0, payment_state: 'BOOKING' },
      }),
    )
    expect(stripe.intents.size).toBe(intentsBefore)
    // The charger's last StatusNotification is in before it is closed.
    await eventually(() =>
      expect(network.emsp.inbox(`locations/NL/SHR/${listingId}/`).at(-1)?.body).toMatchObject({
        status: 'AVAILABLE',
      }),
    )
  })
})
