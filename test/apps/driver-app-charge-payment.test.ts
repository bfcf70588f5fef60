import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { aCommandResponse } from '../fixtures/commands.ts'
import { aLocation } from '../fixtures/locations.ts'
import { startFakeStripe, type FakeStripe } from '../marketplace/fake-stripe.ts'
import { startHubAndMarketplace, type HubAndMarketplace } from '../marketplace/support.ts'
import { browserAvailable, openBrowser, seriousAccessibilityViolations } from '../support/browser.ts'
import { envelope } from '../support/fake-platform.ts'
import { buildFrontEndIfStale } from '../support/front-end-build.ts'
import { connectParty, type ConnectedParty } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'

const START_SESSION = '/2.3.0/receiver/commands/START_SESSION'

/**
 * A marketplace that takes cards: the driver app asks for a card before a charge starts at a roaming CPO,
 * a declined card starts nothing (in words), and a good one is held before the CPO is asked to start. The
 * charger's page shows what its CPO told of the place (photos, the way in, opening hours).
 */
describe.skipIf(!browserAvailable()).each(STORE_VARIANTS)(
  'paying for a charge in the driver app (%s)',
  (engine) => {
    let running: HubAndMarketplace
    let stripe: FakeStripe
    let cpo: ConnectedParty
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
      cpo = await connectParty(running.hub, 'CPO', 'DE', 'PCP')
      cpo.platform.answer('POST', START_SESSION, () => ({ status: 200, body: envelope(aCommandResponse()) }))
      cpo.platform.answer('POST', '/2.3.0/receiver/commands/RESERVE_NOW', () => ({
        status: 200,
        body: envelope(aCommandResponse()),
      }))
      const put = await cpo.call('/receiver/locations/DE/PCP/LOC-PAID', {
        method: 'PUT',
        body: aLocation(
          {
            id: 'LOC-PAID',
            name: 'Paid Corner',
            images: [
              { url: 'https://photos.example.org/paid-corner.jpg', category: 'LOCATION', type: 'jpeg' },
              // Not over HTTPS: left out of the page.
              { url: 'http://photos.example.org/plain.jpg', category: 'ENTRANCE', type: 'jpeg' },
            ],
            directions: [{ language: 'en', text: 'Behind the bakery, second bay on the left.' }],
            opening_times: {
              twentyfourseven: false,
              regular_hours: [{ weekday: 1, period_begin: '07:00', period_end: '19:00' }],
            },
          },
          cpo.party,
        ),
      })
      expect(put.body.status_code, put.text).toBe(1000)
      ;({ browser } = await openBrowser())
      context = await browser.newContext({
        viewport: { width: 360, height: 740 },
        isMobile: true,
        hasTouch: true,
      })
      page = await context.newPage()
      page.on('pageerror', (error) => pageErrors.push(error.message))
    })

    afterEach(() => {
      expect(pageErrors.splice(0)).toEqual([])
    })

    afterAll(async () => {
      await browser?.close()
      await cpo?.platform.close()
      await running?.close()
      await stripe?.close()
    })

    it('refuses a declined card without starting, then holds a good one and starts', async () => {
      await page.goto(`${running.marketplaceUrl}/app/account`)
      await page.getByLabel('Email').fill('paying.driver@example.org')
      await page.getByLabel('Password').fill('a long enough password')
      await page.getByRole('button', { name: 'Create an account' }).click()
      await page.getByRole('heading', { level: 1, name: 'Find a charger' }).waitFor()
      await page.getByRole('link', { name: 'Paid Corner' }).click()
      await page.getByRole('heading', { level: 1, name: 'Paid Corner' }).waitFor()
      // What the CPO told of the place: its photo (HTTPS only), the way in and the opening hours.
      expect(await page.getByRole('img', { name: /^Photo \d of Paid Corner$/ }).count()).toBe(1)
      expect(await page.getByRole('img', { name: 'Photo 1 of Paid Corner' }).getAttribute('src')).toBe(
        'https://photos.example.org/paid-corner.jpg',
      )
      await page.getByText('Behind the bakery, second bay on the left.').waitFor()
      await page.getByText('Monday 07:00–19:00').waitFor()
      const evse = aLocation().evses![0]!.uid

      await page.getByLabel('Test card that the bank declines').check()
      await page.getByRole('button', { name: `Start charging at ${evse}` }).click()
      await page.getByText('Your card was refused and nothing was charged').waitFor()
      expect(await seriousAccessibilityViolations(page)).toEqual([])
      expect(cpo.platform.requestsTo('POST', START_SESSION)).toHaveLength(0)

      await page.getByLabel('Test Visa card ending in 4242').check()
      await page.getByRole('button', { name: `Start charging at ${evse}` }).click()
      await page.waitForURL(/\/app\/charges\/[0-9a-f-]+$/)
      await cpo.platform.waitForRequests(START_SESSION, 1)
      const held = [...stripe.intents.values()].filter((intent) => intent.status === 'requires_capture')
      expect(held.map((intent) => [intent.payment_method, intent.amount])).toEqual([['pm_card_visa', 5000]])
    })

    it('lists a booking at the roaming CPO under "My bookings" by its charger\'s name, asking no listing', async () => {
      const cookies = await context.cookies(running.marketplaceUrl)
      const session = cookies.find((cookie) => cookie.name === 'marketplace_session')!
      const minute = Math.ceil(Date.now() / 60_000) * 60_000
      const soon = (minutes: number) => new Date(minute + minutes * 60_000).toISOString()
      const booked = await running.api(
        'POST',
        '/bookings',
        { country_code: 'DE', party_id: 'PCP', location_id: 'LOC-PAID', start: soon(10), end: soon(70) },
        `${session.name}=${session.value}`,
      )
      expect(booked.status, booked.text).toBe(201)
      const listingCalls: string[] = []
      page.on('request', (request) => {
        if (request.url().includes('/api/listings/')) listingCalls.push(request.url())
      })
      await page.goto(`${running.marketplaceUrl}/app/bookings`)
      await page.getByTestId('booking').getByText('Paid Corner').waitFor()
      expect(listingCalls).toEqual([])
    })
  },
)
