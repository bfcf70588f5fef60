import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Charge } from '../../marketplace/src/driving/charge.schema.ts'
import { aCommandResponse, aCommandResult } from '../fixtures/commands.ts'
import { aCdr, aCdrToken } from '../fixtures/cdrs.ts'
import { aLocation } from '../fixtures/locations.ts'
import { aSession } from '../fixtures/sessions.ts'
import { aTariff } from '../fixtures/tariffs.ts'
import { envelope } from '../support/fake-platform.ts'
import { connectParty, eventually, type ConnectedParty } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import {
  AUTHENTICATION_REQUIRED_CARD,
  DECLINED_CARD,
  startFakeStripe,
  type FakeStripe,
} from './fake-stripe.ts'
import { CHARGER, startHubAndMarketplace, type HubAndMarketplace, type ListingAnswer } from './support.ts'

/**
 * Charges paid by card (decision 0036): a hold before the START_SESSION, the CDR's cost captured once,
 * the hold released when the start fails; a declined card starts nothing, nor does a card whose bank's
 * check (3-D Secure) the driver did not pass. A marketplace driver at a
 * roaming CPO (the fake DE RCP) through the hub; the hold at an own charger is end-to-end.test.ts.
 */

const MARKETPLACE_EMSP = { country_code: 'NL', party_id: 'SHD' }
const AT_LOC = { country_code: 'DE', party_id: 'RCP', location_id: 'LOC-P1', evse_uid: 'EVSE-A' }
/** MARKETPLACE_CHARGE_HOLD of these tests: 30.00 EUR. */
const HOLD_MINOR = 3000

describe.each(STORE_VARIANTS)('charges paid by card (%s)', (engine) => {
  let running: HubAndMarketplace
  let cpo: ConnectedParty
  let stripe: FakeStripe
  let driver: string
  let tokenUid: string
  /** The marketplace's clock, moved on only to let a payment's wait for the bank run out. */
  let clock: Date | undefined

  beforeAll(async () => {
    stripe = await startFakeStripe()
    running = await startHubAndMarketplace(engine, {
      env: {
        MARKETPLACE_STRIPE_SECRET_KEY: stripe.secretKey,
        MARKETPLACE_STRIPE_API_URL: stripe.url,
        MARKETPLACE_CHARGE_HOLD: String(HOLD_MINOR),
        MARKETPLACE_BOOKING_TICK_MS: '50',
      },
      options: { now: () => clock ?? new Date() },
    })
    cpo = await connectParty(running.hub, 'CPO', 'DE', 'RCP')
    for (const command of ['START_SESSION', 'STOP_SESSION'])
      cpo.platform.answer('POST', `/2.3.0/receiver/commands/${command}`, () => ({
        status: 200,
        body: envelope(aCommandResponse()),
      }))
    await cpo.call('/receiver/tariffs/DE/RCP/AC-STANDARD', {
      method: 'PUT',
      body: aTariff({ id: 'AC-STANDARD' }, cpo.party),
    })
    const location = await cpo.call('/receiver/locations/DE/RCP/LOC-P1', {
      method: 'PUT',
      body: aLocation({ id: 'LOC-P1' }, cpo.party),
    })
    expect(location.body.status_code, location.text).toBe(1000)
    await eventually(async () =>
      expect(
        await running.store.db
          .selectFrom('network_locations')
          .select('id')
          .where('id', '=', 'LOC-P1')
          .execute(),
      ).toHaveLength(1),
    )
    driver = await running.signUp('paying.driver@example.org')
    const token = await running.api<{ uid: string }>('GET', '/driver/token', undefined, driver)
    tokenUid = token.body.uid
  })

  afterAll(async () => {
    await cpo?.platform.close()
    await running?.close()
    await stripe?.close()
  })

  const startCommands = () => cpo.platform.requestsTo('POST', '/2.3.0/receiver/commands/START_SESSION')
  const intentOf = (charge: Charge) =>
    [...stripe.intents.values()].find((intent) => intent.description?.includes(charge.id))

  /** The START_SESSION's callback answered with `result` by the CPO. */
  async function commandResult(result: 'ACCEPTED' | 'REJECTED') {
    const callback = String((startCommands().at(-1)!.body as { response_url: string }).response_url)
    const answer = await cpo.call(callback.replace(/^.*\/ocpi\/2\.3\.0/, ''), {
      method: 'POST',
      body: aCommandResult({ result }),
    })
    expect(answer.body.status_code, answer.text).toBe(1000)
  }

  it("holds the card before the START_SESSION and captures the CDR's cost with VAT once, even when CDRs come twice", async () => {
    const started = await running.api<Charge>(
      'POST',
      '/charges',
      { ...AT_LOC, payment_method: 'pm_card_visa' },
      driver,
    )
    expect(started.status, started.text).toBe(201)
    expect(started.body).toMatchObject({
      status: 'ACCEPTED',
      payment: { state: 'AUTHORISED', currency: 'EUR', held: 30 },
    })
    const charge = started.body
    expect(intentOf(charge)).toMatchObject({
      amount: HOLD_MINOR,
      capture_method: 'manual',
      payment_method: 'pm_card_visa',
      status: 'requires_capture',
    })
    // The hold came first: the START_SESSION went out after Stripe's answer.
    expect(startCommands().at(-1)!.body).toMatchObject({ authorization_reference: charge.id })
    await commandResult('ACCEPTED')

    const cdrToken = aCdrToken(MARKETPLACE_EMSP, { uid: tokenUid, type: 'APP_USER' })
    const session = aSession(
      { id: 'SES-P1', location_id: 'LOC-P1', authorization_reference: charge.id, cdr_token: cdrToken },
      cpo.party,
      MARKETPLACE_EMSP,
    )
    const put = await cpo.call('/receiver/sessions/DE/RCP/SES-P1', { method: 'PUT', body: session })
    expect(put.body.status_code, put.text).toBe(1000)
    const cdr = aCdr(
      { id: 'CDR-P1', session_id: 'SES-P1', authorization_reference: charge.id, cdr_token: cdrToken },
      cpo.party,
      MARKETPLACE_EMSP,
    )
    // The same CDR twice (the hub delivers it once), then another CDR of the same Session (which the hub
    // does deliver): the charge is captured once.
    for (const body of [cdr, cdr, { ...cdr, id: 'CDR-P1-AGAIN' }]) {
      const posted = await cpo.call('/receiver/cdrs', { method: 'POST', body })
      expect(posted.body.status_code, posted.text).toBe(1000)
    }
    await eventually(async () =>
      expect(
        await running.store.db
          .selectFrom('driver_cdrs')
          .select('id')
          .where('session_id', '=', 'SES-P1')
          .execute(),
      ).toHaveLength(2),
    )

    const done = await running.api<Charge>('GET', `/charges/${charge.id}`, undefined, driver)
    expect(done.body).toMatchObject({
      status: 'COMPLETED',
      payment: { state: 'CAPTURED', held: 30, paid: 10.78 },
      receipt: { total_cost: { after_taxes: 10.78 }, paid: 10.78, payment_state: 'CAPTURED' },
    })
    expect(intentOf(charge)).toMatchObject({ status: 'succeeded', amount_received: 1078 })
    const intentId = intentOf(charge)!.id
    expect(stripe.requests.filter((r) => r.path === `/v1/payment_intents/${intentId}/capture`)).toHaveLength(
      1,
    )
  })

  it('captures the whole hold of a CDR that costs more, and shows the rest as unpaid', async () => {
    const started = await running.api<Charge>(
      'POST',
      '/charges',
      { ...AT_LOC, payment_method: 'pm_card_visa' },
      driver,
    )
    expect(started.status, started.text).toBe(201)
    const charge = started.body
    const cdrToken = aCdrToken(MARKETPLACE_EMSP, { uid: tokenUid, type: 'APP_USER' })
    const session = aSession(
      { id: 'SES-P2', location_id: 'LOC-P1', authorization_reference: charge.id, cdr_token: cdrToken },
      cpo.party,
      MARKETPLACE_EMSP,
    )
    await cpo.call('/receiver/sessions/DE/RCP/SES-P2', { method: 'PUT', body: session })
    const cdr = aCdr(
      {
        id: 'CDR-P2',
        session_id: 'SES-P2',
        authorization_reference: charge.id,
        cdr_token: cdrToken,
        total_cost: { before_taxes: 35, taxes: [{ name: 'VAT', percentage: 21, amount: 7.35 }] },
      },
      cpo.party,
      MARKETPLACE_EMSP,
    )
    const posted = await cpo.call('/receiver/cdrs', { method: 'POST', body: cdr })
    expect(posted.body.status_code, posted.text).toBe(1000)
    const done = await running.api<Charge>('GET', `/charges/${charge.id}`, undefined, driver)
    expect(done.body).toMatchObject({
      payment: { state: 'CAPTURED', held: 30, paid: 30, unpaid: 12.35 },
      receipt: { paid: 30, payment_state: 'CAPTURED' },
    })
    expect(intentOf(charge)).toMatchObject({ status: 'succeeded', amount_received: HOLD_MINOR })
  })

  it('refuses the start with 402 in words when the card is declined, and sends no START_SESSION', async () => {
    const commandsBefore = startCommands().length
    const refused = await running.api<{ message: string }>(
      'POST',
      '/charges',
      { ...AT_LOC, payment_method: DECLINED_CARD },
      driver,
    )
    expect(refused.status, refused.text).toBe(402)
    expect(refused.body.message).toMatch(/card was not accepted.*not started.*declined/i)
    expect(startCommands()).toHaveLength(commandsBefore)
    const charges = await running.api<Charge[]>('GET', '/charges', undefined, driver)
    expect(charges.body).toHaveLength(2)

    const without = await running.api<{ message: string }>('POST', '/charges', AT_LOC, driver)
    expect(without.status, without.text).toBe(400)
    expect(without.body.message).toMatch(/^payment_method: required/)
    expect(startCommands()).toHaveLength(commandsBefore)
  })

  it('answers 503 with Retry-After and starts nothing while the payment provider is away', async () => {
    const chargesBefore = (await running.api<Charge[]>('GET', '/charges', undefined, driver)).body.length
    const commandsBefore = startCommands().length
    stripe.down = true
    const away = await running.api<{ error: string; message: string }>(
      'POST',
      '/charges',
      { ...AT_LOC, payment_method: 'pm_card_visa' },
      driver,
    )
    stripe.down = false
    expect(away.status, away.text).toBe(503)
    expect(away.headers.get('retry-after')).toBe('60')
    expect(away.body).toEqual({
      error: 'Service Unavailable',
      message: 'The payment could not be made just now, so the charge was not started: try again in a minute',
    })
    expect((await running.api<Charge[]>('GET', '/charges', undefined, driver)).body).toHaveLength(
      chargesBefore,
    )
    expect(startCommands()).toHaveLength(commandsBefore)
  })

  it('releases the hold when the CPO rejects the start, at once or in its CommandResult', async () => {
    const started = await running.api<Charge>(
      'POST',
      '/charges',
      { ...AT_LOC, payment_method: 'pm_card_visa' },
      driver,
    )
    expect(started.status, started.text).toBe(201)
    expect(intentOf(started.body)).toMatchObject({ status: 'requires_capture' })
    await commandResult('REJECTED')
    const failed = await running.api<Charge>('GET', `/charges/${started.body.id}`, undefined, driver)
    expect(failed.body).toMatchObject({
      status: 'FAILED',
      status_reason: 'The charger did not start: REJECTED',
      payment: { state: 'RELEASED', held: 30, paid: 0 },
    })
    expect(intentOf(started.body)).toMatchObject({ status: 'canceled', amount_received: 0 })

    cpo.platform.answer('POST', '/2.3.0/receiver/commands/START_SESSION', () => ({
      status: 200,
      body: envelope(aCommandResponse({ result: 'REJECTED' })),
    }))
    const refused = await running.api<{ message: string }>(
      'POST',
      '/charges',
      { ...AT_LOC, payment_method: 'pm_card_visa' },
      driver,
    )
    expect(refused.status, refused.text).toBe(409)
    const [latest] = (await running.api<Charge[]>('GET', '/charges', undefined, driver)).body
    expect(latest).toMatchObject({ status: 'FAILED', payment: { state: 'RELEASED', paid: 0 } })
    expect(intentOf(latest!)).toMatchObject({ status: 'canceled', amount_received: 0 })
  })

  it("refuses a start at the marketplace's own charger that is not connected, in words, holding nothing", async () => {
    const owner = await running.signUp('offline.owner@example.org')
    const listing = await running.api<ListingAnswer>('POST', '/listings', CHARGER, owner)
    expect(listing.status, listing.text).toBe(201)
    const charger = await running.api(
      'PUT',
      `/listings/${listing.body.id}/charger`,
      { identity: 'OFF-CP' },
      owner,
    )
    expect(charger.status, charger.text).toBe(200)
    const intentsBefore = stripe.intents.size
    const refused = await running.api<{ message: string }>(
      'POST',
      '/charges',
      {
        country_code: 'NL',
        party_id: 'SHR',
        location_id: listing.body.id,
        evse_uid: `${listing.body.id}-1`,
        payment_method: 'pm_card_visa',
      },
      driver,
    )
    expect(refused.status, refused.text).toBe(409)
    expect(refused.body.message).toBe(
      `The charger at ${CHARGER.name} is not connected right now, so it cannot start: try again later`,
    )
    expect(stripe.intents.size).toBe(intentsBefore)
  })

  it("waits for the bank's check before the START_SESSION: sent once the card is held, never when the check failed or never came", async () => {
    const start = () =>
      running.api<Charge & { message: string }>(
        'POST',
        '/charges',
        { ...AT_LOC, payment_method: AUTHENTICATION_REQUIRED_CARD },
        driver,
      )
    const confirm = (charge: Charge) =>
      running.api<Charge & { message: string }>(
        'POST',
        `/charges/${charge.id}/payment/confirm`,
        undefined,
        driver,
      )
    // The CPO takes starts again (an earlier test made it reject them).
    cpo.platform.answer('POST', '/2.3.0/receiver/commands/START_SESSION', () => ({
      status: 200,
      body: envelope(aCommandResponse()),
    }))
    const commandsBefore = startCommands().length

    const waiting = await start()
    expect(waiting.status, waiting.text).toBe(202)
    const intent = intentOf(waiting.body)!
    expect(waiting.body).toMatchObject({
      status: 'REQUESTED',
      payment: { state: 'REQUIRES_ACTION', held: 30, client_secret: intent.client_secret },
    })
    expect(startCommands()).toHaveLength(commandsBefore)
    const other = await running.signUp('other.payer@example.org')
    expect(
      (await running.api('POST', `/charges/${waiting.body.id}/payment/confirm`, undefined, other)).status,
    ).toBe(404)
    // Stripe away: 503, try again in a minute; the charge still waits and nothing is sent.
    stripe.down = true
    const away = await confirm(waiting.body)
    stripe.down = false
    expect(away.status, away.text).toBe(503)
    expect(away.headers.get('retry-after')).toBe('60')
    expect(away.body.message).toBe('The payment could not be checked just now: try again in a minute')
    expect(startCommands()).toHaveLength(commandsBefore)
    stripe.authenticate(intent.id, true)
    const confirmed = await confirm(waiting.body)
    expect(confirmed.status, confirmed.text).toBe(200)
    expect(confirmed.body).toMatchObject({ status: 'ACCEPTED', payment: { state: 'AUTHORISED', held: 30 } })
    expect(confirmed.body.payment?.client_secret).toBeUndefined()
    expect(startCommands()).toHaveLength(commandsBefore + 1)
    expect(intentOf(waiting.body)?.status).toBe('requires_capture')
    expect((await confirm(waiting.body)).status).toBe(409)

    // The driver failed the check: 402 in words, the charge failed, the PaymentIntent cancelled.
    const failing = await start()
    expect(failing.status, failing.text).toBe(202)
    stripe.authenticate(intentOf(failing.body)!.id, false)
    const refused = await confirm(failing.body)
    expect(refused.status).toBe(402)
    expect(refused.body.message).toMatch(
      /Your bank did not confirm the payment, so the charge was not started/,
    )
    expect(intentOf(failing.body)?.status).toBe('canceled')
    const failed = await running.api<Charge>('GET', `/charges/${failing.body.id}`, undefined, driver)
    expect(failed.body).toMatchObject({ status: 'FAILED', payment: { state: 'RELEASED' } })

    // Never finished: the clock gives it up after 15 minutes.
    const forgotten = await start()
    expect(forgotten.status, forgotten.text).toBe(202)
    clock = new Date(Date.now() + 16 * 60_000)
    await eventually(async () =>
      expect(
        (await running.api<Charge>('GET', `/charges/${forgotten.body.id}`, undefined, driver)).body,
      ).toMatchObject({ status: 'FAILED', payment: { state: 'RELEASED' } }),
    )
    clock = undefined
    expect(intentOf(forgotten.body)?.status).toBe('canceled')
    expect((await confirm(forgotten.body)).status).toBe(409)
    expect(startCommands()).toHaveLength(commandsBefore + 1)
  })

  it("dates a charge by the marketplace's clock, the one its 15-minute wait for the bank is measured by", async () => {
    // A day ahead of the system clock, on a whole second: a charge dated by the system clock would look
    // a day old to the release check, and be given up at once.
    const madeAt = new Date(Math.floor(Date.now() / 1000) * 1000 + 24 * 60 * 60_000)
    const charge = async (id: string) =>
      (await running.api<Charge>('GET', `/charges/${id}`, undefined, driver)).body
    clock = madeAt
    try {
      const waiting = await running.api<Charge>(
        'POST',
        '/charges',
        { ...AT_LOC, payment_method: AUTHENTICATION_REQUIRED_CARD },
        driver,
      )
      expect(waiting.status, waiting.text).toBe(202)
      expect(waiting.body.created_at).toBe(madeAt.toISOString())
      clock = new Date(madeAt.getTime() + 14 * 60_000)
      await running.marketplace.bookings.tick()
      expect(await charge(waiting.body.id)).toMatchObject({
        status: 'REQUESTED',
        payment: { state: 'REQUIRES_ACTION' },
      })
      clock = new Date(madeAt.getTime() + 15 * 60_000)
      await running.marketplace.bookings.tick()
      expect(await charge(waiting.body.id)).toMatchObject({
        status: 'FAILED',
        created_at: madeAt.toISOString(),
        payment: { state: 'RELEASED' },
      })
    } finally {
      clock = undefined
    }
  })
})
