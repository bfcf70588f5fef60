import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loadMarketplaceConfig } from '../../marketplace/src/config.ts'
import {
  AUTHENTICATION_REQUIRED_CARD,
  DECLINED_CARD,
  startFakeStripe,
  type FakeStripe,
} from '../marketplace/fake-stripe.ts'
import {
  CHARGER,
  startHubAndMarketplace,
  type HubAndMarketplace,
  type ListingAnswer,
} from '../marketplace/support.ts'
import { browserAvailable, openBrowser, seriousAccessibilityViolations } from '../support/browser.ts'
import { FAKE_STRIPE_JS } from '../support/fake-stripe-js.ts'
import { buildFrontEndIfStale } from '../support/front-end-build.ts'
import { call } from '../support/http.ts'
import { eventually } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'

/**
 * With a Stripe publishable key, the driver app takes the card in Stripe.js's Card Element (decision 0044):
 * on a phone (Chromium, 360×740) a driver books a home charger with a card typed into the element (a fake
 * Stripe.js served for https://js.stripe.com/v3), an incomplete number and a declined card first; the
 * Stripe fake server sees the payment method the element made. A card whose bank asks for 3-D Secure
 * books once the fake Stripe.js's handleNextAction authenticated, and not when it failed.
 */
const PUBLISHABLE_KEY = 'pk_test_fakeFakeFake'

describe('MARKETPLACE_STRIPE_PUBLISHABLE_KEY', () => {
  it('needs a secret key of the same mode: a mismatch would refuse every card', () => {
    const live = { MARKETPLACE_STRIPE_SECRET_KEY: 'sk_live_abc' }
    expect(
      loadMarketplaceConfig({ ...live, MARKETPLACE_STRIPE_PUBLISHABLE_KEY: 'pk_live_abc' })
        .stripePublishableKey,
    ).toBe('pk_live_abc')
    expect(() =>
      loadMarketplaceConfig({ ...live, MARKETPLACE_STRIPE_PUBLISHABLE_KEY: 'pk_test_abc' }),
    ).toThrow(/is a test key: MARKETPLACE_STRIPE_SECRET_KEY must be set to a test key too/)
    expect(() => loadMarketplaceConfig({ MARKETPLACE_STRIPE_PUBLISHABLE_KEY: 'pk_test_abc' })).toThrow(
      /MARKETPLACE_STRIPE_SECRET_KEY must be set/,
    )
    expect(() =>
      loadMarketplaceConfig({ ...live, MARKETPLACE_STRIPE_PUBLISHABLE_KEY: 'sk_live_abc' }),
    ).toThrow(/must be a Stripe publishable key/)
  })
})

describe.skipIf(!browserAvailable()).each(STORE_VARIANTS)(
  'paying with Stripe.js in the driver app (%s)',
  (engine) => {
    let running: HubAndMarketplace
    let stripe: FakeStripe
    let browser: Browser
    let page: Page
    const pageErrors: string[] = []
    /** Stripe.js's calls to https://api.stripe.com wait for this while a test looks at the page meanwhile. */
    let stripeApiGate: Promise<void> = Promise.resolve()

    beforeAll(async () => {
      await buildFrontEndIfStale('app')
      stripe = await startFakeStripe()
      running = await startHubAndMarketplace(engine, {
        env: {
          MARKETPLACE_STRIPE_SECRET_KEY: stripe.secretKey,
          MARKETPLACE_STRIPE_API_URL: stripe.url,
          MARKETPLACE_STRIPE_PUBLISHABLE_KEY: PUBLISHABLE_KEY,
        },
      })
      const owner = await running.signUp('stripe.owner@example.org')
      const listing = await running.api<ListingAnswer>('POST', '/listings', CHARGER, owner)
      expect(listing.status, listing.text).toBe(201)
      const weekly = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, begin: '07:00', end: '22:00' }))
      const schedule = await running.api(
        'PUT',
        `/listings/${listing.body.id}/schedule`,
        { weekly, exceptions: [] },
        owner,
      )
      expect(schedule.status, schedule.text).toBe(200)
      const terms = {
        instant_booking: true,
        price_per_hour: 2.5,
        free_cancellation_hours: 72,
        cancellation_fee: 1.5,
      }
      expect(
        (await running.api('PUT', `/listings/${listing.body.id}/booking-terms`, terms, owner)).status,
      ).toBe(200)
      ;({ browser } = await openBrowser())
      const context = await browser.newContext({
        viewport: { width: 360, height: 740 },
        isMobile: true,
        hasTouch: true,
        timezoneId: CHARGER.time_zone,
        // The app's service worker would take the page's requests out of playwright's sight.
        serviceWorkers: 'block',
      })
      await context.route('https://js.stripe.com/v3', (route) =>
        route.fulfill({ contentType: 'application/javascript', body: FAKE_STRIPE_JS }),
      )
      // Stripe.js's own API calls (the bank's check) go to the Stripe fake server.
      await context.route('https://api.stripe.com/**', async (route) => {
        await stripeApiGate
        const response = await route.fetch({ url: stripe.url + new URL(route.request().url()).pathname })
        await route.fulfill({
          response,
          headers: { ...response.headers(), 'access-control-allow-origin': '*' },
        })
      })
      page = await context.newPage()
      page.on('pageerror', (error) => pageErrors.push(error.message))
      page.on('console', (message) => {
        // A Content-Security-Policy refusal shows only in the console.
        if (message.text().includes('Content Security Policy')) pageErrors.push(message.text())
      })
    })

    afterEach(() => {
      expect(pageErrors.splice(0)).toEqual([])
    })

    afterAll(async () => {
      await browser?.close()
      await running?.close()
      await stripe?.close()
    })

    it("tells the app to use Stripe.js with the publishable key, and lets Stripe's script, frames and API in", async () => {
      const settings = await call<{ payments: unknown }>(`${running.marketplaceUrl}/app/settings.json`)
      expect(settings.body.payments).toEqual({
        mode: 'stripe',
        live: false,
        publishable_key: PUBLISHABLE_KEY,
      })
      const policy = settings.headers.get('content-security-policy')!
      expect(policy).toContain("script-src 'self' https://js.stripe.com;")
      expect(policy).toContain('frame-src https://js.stripe.com https://hooks.stripe.com;')
      expect(policy).toContain("connect-src 'self' https://api.stripe.com;")
    })

    /** From the map to the booking form of the charger, the `slot`th free time of the next day chosen. */
    async function openBookingForm(slot: number) {
      await page.goto(`${running.marketplaceUrl}/app/`)
      await page.getByRole('heading', { level: 1, name: 'Find a charger' }).waitFor()
      await eventually(async () => {
        await page.getByRole('button', { name: 'Search' }).click()
        expect(await page.getByRole('link', { name: CHARGER.name }).count()).toBe(1)
      })
      await page.getByRole('link', { name: CHARGER.name }).click()
      await page.getByRole('link', { name: 'Book a time' }).click()
      await page.getByLabel('Day').focus()
      await page.keyboard.press('ArrowDown')
      await page.getByRole('radio').nth(slot).check()
      await page.getByText('Use a Stripe test card number', { exact: false }).waitFor()
    }

    it('books with the card typed into the Card Element, after an incomplete and a declined card', async () => {
      await page.goto(`${running.marketplaceUrl}/app/account`)
      await page.getByLabel('Email').fill('stripe.driver@example.org')
      await page.getByLabel('Password').fill('a long enough password')
      await page.getByRole('button', { name: 'Create an account' }).click()
      await page.getByRole('heading', { level: 1, name: 'Find a charger' }).waitFor()
      await openBookingForm(0)
      // No test-card list: the card comes from Stripe's element.
      expect(await page.getByLabel('Test Visa card ending in 4242').count()).toBe(0)
      const number = page.getByLabel('Card number')
      const pay = page.getByRole('button', { name: 'Book and pay €2.50' })

      await number.fill('4242 4242')
      await pay.click()
      await page.getByRole('alert').getByText('Your card number is incomplete.').waitFor()
      expect(stripe.requests).toEqual([])

      await number.fill('4000 0000 0000 0002')
      await pay.click()
      await page
        .getByRole('alert')
        .getByText('Your card was refused and nothing was charged. Try another card.')
        .waitFor()
      expect(stripe.requests.map((request) => request.form['payment_method'])).toEqual([DECLINED_CARD])
      expect(await number.inputValue()).toBe('4000 0000 0000 0002')
      expect(await seriousAccessibilityViolations(page)).toEqual([])

      await number.fill('4242 4242 4242 4242')
      await pay.click()
      await page.getByText('Booked. It is in your bookings.').waitFor()
      // The fake Stripe.js's own record (test/support/fake-stripe-js.ts).
      const seen = await page.evaluate<{ publishableKeys: string[]; paymentMethods: string[] }>(
        'window.fakeStripeJs',
      )
      expect(seen.publishableKeys).toEqual([PUBLISHABLE_KEY])
      const made = seen.paymentMethods.at(-1)!
      expect(made).toMatch(/^pm_fakejs_/)
      expect(
        [...stripe.intents.values()].map(({ amount, status, payment_method }) => ({
          amount,
          status,
          payment_method,
        })),
      ).toEqual([{ amount: 250, status: 'requires_capture', payment_method: made }])
    })

    it('books with a card whose bank asks to confirm, once Stripe.js authenticated, and not when it failed', async () => {
      const before = stripe.intents.size
      // The app cannot know which times other drivers booked: not the first test's.
      await openBookingForm(2)
      const number = page.getByLabel('Card number')
      const pay = page.getByRole('button', { name: 'Book and pay €2.50' })

      await page.evaluate('window.fakeStripeJs.authenticates = false')
      await number.fill('4000 0025 0000 3155')
      await pay.click()
      await page
        .getByRole('alert')
        .getByText(
          'Your bank did not confirm the payment, so nothing was charged. Try again or use another card.',
        )
        .waitFor()
      expect(await number.inputValue()).toBe('4000 0025 0000 3155')
      const failed = [...stripe.intents.values()].slice(before)
      expect(failed.map(({ payment_method, status }) => ({ payment_method, status }))).toEqual([
        { payment_method: AUTHENTICATION_REQUIRED_CARD, status: 'canceled' },
      ])

      // The bank's check holds until the page said what is happening.
      let openGate = () => {}
      stripeApiGate = new Promise((resolve) => (openGate = resolve))
      await page.evaluate('window.fakeStripeJs.authenticates = true')
      await pay.click()
      await page.getByRole('status').getByText('Your bank asks you to confirm this payment.').waitFor()
      expect(await seriousAccessibilityViolations(page)).toEqual([])
      // Meanwhile the booking is listed as waiting for the bank, not as confirmed.
      const list = await page.context().newPage()
      try {
        await list.goto(`${running.marketplaceUrl}/app/bookings`)
        await list
          .getByTestId('booking')
          .getByText('Waiting for your bank to confirm the payment', { exact: true })
          .waitFor()
      } finally {
        await list.close()
      }
      openGate()
      await page.getByText('Booked. It is in your bookings.').waitFor()
      const held = [...stripe.intents.values()].slice(before + 1)
      expect(held.map(({ payment_method, status, amount }) => ({ payment_method, status, amount }))).toEqual([
        { payment_method: AUTHENTICATION_REQUIRED_CARD, status: 'requires_capture', amount: 250 },
      ])
      const seen = await page.evaluate<{ nextActions: string[] }>('window.fakeStripeJs')
      expect(seen.nextActions).toEqual([failed[0]!.id, held[0]!.id])
    })
  },
)
