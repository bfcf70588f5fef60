import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Booking } from '../../marketplace/src/bookings/booking.schema.ts'
import { startFakeStripe, type FakeStripe } from '../marketplace/fake-stripe.ts'
import {
  CHARGER,
  plugInACar,
  simulatedCharger,
  startHubAndMarketplace,
  type ChargerAnswer,
  type HubAndMarketplace,
  type ListingAnswer,
  type PluggedInCar,
  type SimulatedCharger,
} from '../marketplace/support.ts'
import {
  browserAvailable,
  openBrowser,
  screenshot,
  seriousAccessibilityViolations,
} from '../support/browser.ts'
import { buildFrontEndIfStale } from '../support/front-end-build.ts'
import { eventually } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'

/**
 * A driver on a phone (Chromium, 360×740) at a managed home charger: the owner lists it and its simulated
 * OCPP 1.6J charger connects (through the API); in the driver app the driver finds it, books an hour and
 * pays with the test card (local Stripe fake), starts a charge, follows it live as the charger sends meter
 * readings, stops it, reads the receipt from the CDR and reviews the charger.
 */
const NAME = 'Managed garage charger'

const TERMS = { instant_booking: true, price_per_hour: 2, free_cancellation_hours: 24, cancellation_fee: 1 }

describe.skipIf(!browserAvailable()).each(STORE_VARIANTS)(
  'the driver app at a managed home charger (%s)',
  (engine) => {
    let running: HubAndMarketplace
    let stripe: FakeStripe
    let charger: SimulatedCharger
    let car: PluggedInCar
    let listingId: string
    let browser: Browser
    let context: BrowserContext
    let page: Page
    const pageErrors: string[] = []

    beforeAll(async () => {
      await buildFrontEndIfStale('app')
      stripe = await startFakeStripe()
      running = await startHubAndMarketplace(engine, {
        env: { MARKETPLACE_STRIPE_SECRET_KEY: stripe.secretKey, MARKETPLACE_STRIPE_API_URL: stripe.url },
      })
      const owner = await running.signUp('managed.owner@example.org')
      const listing = await running.api<ListingAnswer>('POST', '/listings', { ...CHARGER, name: NAME }, owner)
      expect(listing.status, listing.text).toBe(201)
      listingId = listing.body.id
      const weekly = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, begin: '07:00', end: '22:00' }))
      for (const [path, body] of [
        ['schedule', { weekly, exceptions: [] }],
        ['booking-terms', TERMS],
      ] as const) {
        const set = await running.api('PUT', `/listings/${listingId}/${path}`, body, owner)
        expect(set.status, set.text).toBe(200)
      }
      const connected = await running.api<ChargerAnswer>(
        'PUT',
        `/listings/${listingId}/charger`,
        { identity: 'APP-GARAGE-CP' },
        owner,
      )
      expect(connected.status, connected.text).toBe(200)
      charger = simulatedCharger(connected.body)
      car = plugInACar(charger)
      await charger.connect()
      await charger.call('BootNotification', { chargePointVendor: 'Simulated', chargePointModel: 'Home 11' })
      await charger.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' })
      ;({ browser } = await openBrowser())
      context = await browser.newContext({
        viewport: { width: 360, height: 740 },
        isMobile: true,
        hasTouch: true,
        timezoneId: CHARGER.time_zone,
      })
      page = await context.newPage()
      page.on('pageerror', (error) => pageErrors.push(error.message))
    })

    afterEach(() => {
      expect(pageErrors.splice(0)).toEqual([])
    })

    afterAll(async () => {
      await browser?.close()
      await charger?.close({ force: true })
      await running?.close()
      await stripe?.close()
    })

    async function expectAccessible(): Promise<void> {
      expect(await seriousAccessibilityViolations(page)).toEqual([])
    }

    it('finds the connected charger, books an hour tomorrow and pays with the test card', async () => {
      await page.goto(`${running.marketplaceUrl}/app/account`)
      await page.getByLabel('Email').fill('managed.driver@example.org')
      await page.getByLabel('Password').fill('a long enough password')
      await page.getByRole('button', { name: 'Create an account' }).click()
      await page.getByRole('heading', { level: 1, name: 'Find a charger' }).waitFor()
      // Available once the charger said so: the listing reaches the catalogue through the hub.
      await page.getByLabel('Available now').check()
      await eventually(async () => {
        await page.getByRole('button', { name: 'Search' }).click()
        expect(await page.getByRole('link', { name: NAME }).count()).toBe(1)
      })
      await page.getByRole('link', { name: NAME }).click()
      await page.getByRole('heading', { level: 1, name: NAME }).waitFor()
      await page.getByRole('button', { name: `Start charging at ${listingId}-1` }).waitFor()
      await expectAccessible()

      await page.getByRole('link', { name: 'Book a time' }).click()
      await page.getByRole('heading', { level: 1, name: `Book ${NAME}` }).waitFor()
      await page.getByLabel('Day').selectOption('1')
      const first = page.getByRole('radio').first()
      expect(await first.locator('..').textContent()).toMatch(/, 07:00–08:00$/)
      await first.check()
      await page.getByLabel('Test Visa card ending in 4242').check()
      await page.getByRole('button', { name: 'Book and pay €2.00' }).click()
      await page.getByText('Booked. It is in your bookings.').waitFor()
      await page.getByTestId('booking').getByText('Confirmed').waitFor()
      const mine = (await (
        await page.request.get(`${running.marketplaceUrl}/api/bookings`)
      ).json()) as Booking[]
      expect(mine).toMatchObject([{ listing_id: listingId, status: 'CONFIRMED', price: 2 }])
      const held = [...stripe.intents.values()].find((intent) => intent.description?.includes(mine[0]!.id))
      expect(held).toMatchObject({ amount: 200, status: 'requires_capture', payment_method: 'pm_card_visa' })
    })

    it('starts a charge, shows it live from the meter readings, stops it, shows the receipt and takes a review', async () => {
      await page.goto(`${running.marketplaceUrl}/app/`)
      await page.getByRole('link', { name: NAME }).click()
      await page.getByRole('heading', { level: 1, name: NAME }).waitFor()
      await page.getByLabel('Test Visa card ending in 4242').check()
      await page.getByRole('button', { name: `Start charging at ${listingId}-1` }).click()
      await page.waitForURL(/\/app\/charges\/[0-9a-f-]+$/)
      const chargeId = page.url().split('/').pop()!

      // The charger's half-way reading (4 kWh at 0.29), then a later one (6 kWh): the screen follows.
      await page.getByTestId('energy').getByText('4.00 kWh').waitFor()
      await page.getByText('€1.16').waitFor()
      await car.read(0.75, 7000)
      await page.getByTestId('energy').getByText('6.00 kWh').waitFor()
      await page.getByText('€1.74').waitFor()
      await expectAccessible()
      await screenshot(page, 'driver-managed-session', 'apps')

      await page.getByRole('button', { name: 'Stop charging' }).click()
      await page.getByRole('heading', { name: 'Receipt' }).waitFor()
      // The charger stopped at 9000 Wh from 1000: 8 kWh at 0.29, no VAT (owners are not VAT-registered).
      expect(await page.getByTestId('total').textContent()).toBe('€2.32')
      await page.getByText('8.00 kWh').waitFor()
      // The card pays the CDR's cost, captured once the CDR is in (the receipt may show first).
      const paid = () => [...stripe.intents.values()].find((intent) => intent.description?.includes(chargeId))
      await eventually(() => expect(paid()).toMatchObject({ status: 'succeeded', amount_received: 232 }))
      await expectAccessible()
      await screenshot(page, 'driver-managed-receipt', 'apps')

      await page.getByLabel('5 stars').check()
      await page.getByLabel('Your review (optional)').fill('Easy to plug in, the owner was friendly.')
      await page.getByRole('button', { name: 'Send review' }).click()
      await page.getByText('Thank you: your review is published.').waitFor()
      const reviews = await running.api<{ rating: { average: number; count: number } }>(
        'GET',
        `/locations/NL/SHR/${listingId}/reviews`,
      )
      expect(reviews.body.rating).toEqual({ average: 5, count: 1 })
    })
  },
)
