import { DateTime } from 'luxon'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startFakeStripe, type FakeStripe } from '../marketplace/fake-stripe.ts'
import {
  CHARGER,
  startHubAndMarketplace,
  type HubAndMarketplace,
  type ListingAnswer,
} from '../marketplace/support.ts'
import {
  browserAvailable,
  openBrowser,
  screenshot,
  seriousAccessibilityViolations,
} from '../support/browser.ts'
import { buildFrontEndIfStale } from '../support/front-end-build.ts'
import type { Booking } from '../../marketplace/src/bookings/booking.schema.ts'
import { eventually } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'

/**
 * A driver on a phone (Chromium, 360×740, in New York: not the charger's time zone) books a home charger
 * listed on the marketplace: finds it with a filter, reads its terms and opening hours, picks a free time in
 * the charger's own time zone (another driver's booking shown as taken), sees the price and the
 * cancellation rules, pays with a test card against the local Stripe fake (a declined card first), finds
 * it in "my bookings" and cancels it, told the fee first.
 */
/** The phone's time zone: six hours behind the charger's in winter, so no time reads the same in both. */
const PHONE_ZONE = 'America/New_York'

const TERMS = {
  instant_booking: true,
  price_per_hour: 2.5,
  // Longer than any booking the test makes from now (tomorrow): cancelling it always costs the fee.
  free_cancellation_hours: 72,
  cancellation_fee: 1.5,
}

describe.skipIf(!browserAvailable()).each(STORE_VARIANTS)('booking in the driver app (%s)', (engine) => {
  let running: HubAndMarketplace
  let stripe: FakeStripe
  let browser: Browser
  let context: BrowserContext
  let page: Page
  const pageErrors: string[] = []
  /** Tomorrow at midnight in the charger's time zone. */
  const tomorrow = DateTime.now().setZone(CHARGER.time_zone).plus({ days: 1 }).startOf('day')
  /** Another driver's booking, tomorrow 10:00–11:00 at the charger: taken for the driver in the browser. */
  let othersBooking: Booking

  beforeAll(async () => {
    await buildFrontEndIfStale('app')
    stripe = await startFakeStripe()
    running = await startHubAndMarketplace(engine, {
      env: { MARKETPLACE_STRIPE_SECRET_KEY: stripe.secretKey, MARKETPLACE_STRIPE_API_URL: stripe.url },
    })
    const owner = await running.signUp('sharing.owner@example.org')
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
    const terms = await running.api('PUT', `/listings/${listing.body.id}/booking-terms`, TERMS, owner)
    expect(terms.status, terms.text).toBe(200)
    const other = await running.signUp('early.driver@example.org')
    const booked = await running.api<Booking>(
      'POST',
      '/bookings',
      {
        listing_id: listing.body.id,
        start: tomorrow.set({ hour: 10 }).toUTC().toISO(),
        end: tomorrow.set({ hour: 11 }).toUTC().toISO(),
        payment_method: 'pm_card_visa',
      },
      other,
    )
    expect(booked.status, booked.text).toBe(201)
    othersBooking = booked.body
    // A neighbour 300 m away: one numbered circle with the first when the map is zoomed out.
    const neighbour = { ...CHARGER, name: 'Carport charger', latitude: CHARGER.latitude + 0.0027 }
    const second = await running.api<ListingAnswer>('POST', '/listings', neighbour, owner)
    expect(second.status, second.text).toBe(201)
    ;({ browser } = await openBrowser())
    context = await browser.newContext({
      viewport: { width: 360, height: 740 },
      isMobile: true,
      hasTouch: true,
      timezoneId: PHONE_ZONE,
      // Far from the chargers at first (Lisbon); the last test moves the driver to them.
      geolocation: { latitude: 38.72, longitude: -9.14 },
      permissions: ['geolocation'],
    })
    page = await context.newPage()
    page.on('pageerror', (error) => pageErrors.push(error.message))
  })

  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([])
  })

  afterAll(async () => {
    await browser?.close()
    await running?.close()
    await stripe?.close()
  })

  /** The card holds of the driver in the browser: all but the other driver's. */
  function yourIntents() {
    return [...stripe.intents.values()].filter((intent) => !intent.description?.includes(othersBooking.id))
  }

  async function expectAccessible(): Promise<void> {
    expect(await seriousAccessibilityViolations(page)).toEqual([])
  }

  it('finds the home charger with a filter and shows its terms and opening hours', async () => {
    await page.goto(`${running.marketplaceUrl}/app/account`)
    await page.getByLabel('Email').fill('booking.driver@example.org')
    await page.getByLabel('Password').fill('a long enough password')
    await page.getByRole('button', { name: 'Create an account' }).click()
    await page.getByRole('heading', { level: 1, name: 'Find a charger' }).waitFor()
    await page.getByLabel('Connector').selectOption('IEC_62196_T2')
    // The marketplace's own listing reaches its catalogue through the hub: search until it is there.
    await eventually(async () => {
      await page.getByRole('button', { name: 'Search' }).click()
      expect(await page.getByRole('link', { name: CHARGER.name }).count()).toBe(1)
    })
    await page.getByRole('link', { name: CHARGER.name }).click()
    await page.getByRole('heading', { level: 1, name: CHARGER.name }).waitFor()
    await page.getByText('€2.50 an hour, paid by card.').waitFor()
    await page.getByText('Free to cancel until 72 hours before; later it costs €1.50.').waitFor()
    expect(await page.getByRole('definition').first().textContent()).toBe('07:00–22:00')
    await page
      .getByText(`Times are local to the charger, ${CHARGER.time_zone} (your phone is on ${PHONE_ZONE}).`)
      .waitFor()
    await expectAccessible()
  })

  it('keeps the charger as a favourite, and finds it with the favourites filter but not above 3 stars', async () => {
    const favourite = page.getByRole('button', { name: 'Favourite' })
    expect(await favourite.getAttribute('aria-pressed')).toBe('false')
    await favourite.click()
    await expect.poll(() => favourite.getAttribute('aria-pressed')).toBe('true')
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Find' }).click()
    await page.getByLabel('Rating').selectOption('3')
    await page.getByRole('button', { name: 'Search' }).click()
    await page.getByText('No charger matches these filters.', { exact: false }).waitFor()
    await page.getByLabel('Rating').selectOption('')
    await page.getByLabel('Only my favourites').check()
    await page.getByRole('button', { name: 'Search' }).click()
    await page.getByText('1 charger', { exact: true }).waitFor()
    await expectAccessible()
    await page.getByRole('link', { name: CHARGER.name }).click()
    await page.getByRole('heading', { level: 1, name: CHARGER.name }).waitFor()
  })

  it("books two hours tomorrow in the charger's time zone, another driver's time taken, the price and the fee first, a declined card keeping the choice", async () => {
    await page.getByRole('link', { name: 'Book a time' }).click()
    await page.getByRole('heading', { level: 1, name: `Book ${CHARGER.name}` }).waitFor()
    await page
      .getByText(`Times are local to the charger, ${CHARGER.time_zone} (your phone is on ${PHONE_ZONE}).`)
      .waitFor()
    // With the keyboard: tomorrow in the day list (the charger's tomorrow), two hours, the first free time.
    await page.getByLabel('Day').focus()
    await page.keyboard.press('ArrowDown')
    expect(await page.getByLabel('Day').locator('option:checked').textContent()).toBe(
      tomorrow.setLocale('en-GB').toFormat('ccc d LLL'),
    )
    await page.getByLabel('How long').selectOption('2')
    await page.getByText('Open 07:00–22:00; booked times cannot be chosen.').waitFor()
    // The other driver's 10:00–11:00 is inside 09:00–11:00 and 10:00–12:00: shown, and not to be chosen.
    const taken = page.getByRole('radio', { name: /, taken$/ })
    expect(await taken.count()).toBe(2)
    expect(await taken.first().isDisabled()).toBe(true)
    expect(await taken.first().locator('..').textContent()).toMatch(/, 09:00–11:00, taken$/)
    expect(await page.getByRole('radio', { name: /, 08:00–10:00$/ }).isEnabled()).toBe(true)
    expect(await page.getByRole('radio', { name: /, 11:00–13:00$/ }).isEnabled()).toBe(true)
    const first = page.getByRole('radio').first()
    const slotWords = (await first.locator('..').textContent())!
    // The charger's 07:00, not the phone's (01:00 in New York).
    expect(slotWords).toMatch(/, 07:00–09:00$/)
    await first.focus()
    await page.keyboard.press('Space')
    expect(await page.getByTestId('price').textContent()).toBe('€5.00')
    await page.getByText('Test mode: no real card is charged.', { exact: false }).waitFor()

    await page.getByLabel('Test card that the bank declines').check()
    await page.getByRole('button', { name: 'Book and pay €5.00' }).click()
    await page.getByRole('alert').waitFor()
    expect(await page.getByRole('alert').textContent()).toBe(
      'Your card was refused and nothing was charged. Try another card.',
    )
    // Nothing lost: the same time is still chosen, and the slot was freed for the next try.
    expect(await first.isChecked()).toBe(true)
    await expectAccessible()
    await screenshot(page, 'driver-book', 'apps')

    await page.getByLabel('Test Visa card ending in 4242').check()
    await page.getByRole('button', { name: 'Book and pay €5.00' }).click()
    await page.getByRole('heading', { level: 1, name: 'My bookings' }).waitFor()
    await page.getByText('Booked. It is in your bookings.').waitFor()
    const booking = page.getByTestId('booking')
    expect(await booking.count()).toBe(1)
    await booking.getByText(slotWords).waitFor()
    await booking.getByText('Confirmed').waitFor()
    await booking.getByText('Price: €5.00').waitFor()
    // What the marketplace booked is the slot picked: 07:00–09:00 tomorrow at the charger.
    const mine = (await (
      await page.request.get(`${running.marketplaceUrl}/api/bookings`)
    ).json()) as Booking[]
    expect(mine.map(({ start, end, status }) => ({ start, end, status }))).toEqual([
      {
        start: tomorrow.set({ hour: 7 }).toUTC().toISO(),
        end: tomorrow.set({ hour: 9 }).toUTC().toISO(),
        status: 'CONFIRMED',
      },
    ])
    expect(
      yourIntents().map(({ amount, status, payment_method }) => ({ amount, status, payment_method })),
    ).toEqual([{ amount: 500, status: 'requires_capture', payment_method: 'pm_card_visa' }])
    await expectAccessible()
  })

  it('cancels from "my bookings" after showing the fee, and the fee is all that is charged', async () => {
    const booking = page.getByTestId('booking')
    await booking.getByRole('button', { name: 'Cancel…' }).click()
    await booking.getByText('Cancelling now costs €1.50.').waitFor()
    await expectAccessible()
    await screenshot(page, 'driver-bookings', 'apps')
    await booking.getByRole('button', { name: 'Yes, cancel' }).click()
    await page.getByText('Cancelled. You were charged €1.50.').waitFor()
    await booking.getByText('Cancelled', { exact: true }).waitFor()
    await booking.getByText('Charged: €1.50').waitFor()
    expect(await booking.getByRole('button').count()).toBe(0)
    const intent = yourIntents()[0]!
    expect({ status: intent.status, amount_received: intent.amount_received }).toEqual({
      status: 'succeeded',
      amount_received: 150,
    })
  })

  it('groups the two neighbours on the zoomed-out map, and searches near the driver and in the visible area', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Find' }).click()
    await page.getByLabel('Only my favourites').uncheck()
    await page.getByRole('button', { name: 'Search' }).click()
    await page.getByText('2 chargers', { exact: true }).waitFor()
    const group = page.getByTitle('2 chargers here: zoom in')
    expect(await group.textContent()).toBe('2')
    await group.click()
    // Zoomed in on the group: two markers of their own, no group left.
    await expect.poll(() => page.locator('.leaflet-overlay-pane path.leaflet-interactive').count()).toBe(2)
    expect(await group.count()).toBe(0)
    await expectAccessible()

    await page.getByRole('button', { name: 'Near me' }).click()
    await page.getByText('No charger matches these filters.', { exact: false }).waitFor()
    await context.setGeolocation({ latitude: CHARGER.latitude, longitude: CHARGER.longitude })
    await page.getByRole('button', { name: 'Near me' }).click()
    await page.getByText('2 chargers', { exact: true }).waitFor()
    await screenshot(page, 'driver-near-me', 'apps')

    // Zoomed in with the keyboard on the driver's position (the first charger) until the neighbour, 300 m
    // north, is off the map: this part of the map holds one charger.
    await page.getByRole('region', { name: 'Map of chargers' }).focus()
    for (let zoom = 12; zoom < 17; zoom++) await page.keyboard.press('+')
    await page.getByRole('button', { name: 'Chargers in this part of the map' }).click()
    await page.getByText('1 charger', { exact: true }).waitFor()
    await page.getByRole('link', { name: CHARGER.name }).waitFor()
  })

  it('groups the neighbours on a desktop too: one circle zoomed out, two markers zoomed in, again one zoomed out', async () => {
    const desktop = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      timezoneId: PHONE_ZONE,
    })
    try {
      const wide = await desktop.newPage()
      wide.on('pageerror', (error) => pageErrors.push(error.message))
      await wide.goto(`${running.marketplaceUrl}/app/`)
      await wide.getByRole('heading', { level: 1, name: 'Find a charger' }).waitFor()
      await wide.getByRole('button', { name: 'Search' }).click()
      await wide.getByText('2 chargers', { exact: true }).waitFor()
      const map = wide.getByRole('region', { name: 'Map of chargers' })
      const group = wide.getByTitle('2 chargers here: zoom in')
      const markers = wide.locator('.leaflet-overlay-pane path.leaflet-interactive')
      // Fitted to both (zoomed out): one numbered circle, inside the visible map, no marker of their own.
      expect(await group.textContent()).toBe('2')
      expect(await markers.count()).toBe(0)
      const [box, circle] = [await map.boundingBox(), await group.boundingBox()]
      expect(circle!.x).toBeGreaterThanOrEqual(box!.x)
      expect(circle!.x + circle!.width).toBeLessThanOrEqual(box!.x + box!.width)
      expect(circle!.y).toBeGreaterThanOrEqual(box!.y)
      expect(circle!.y + circle!.height).toBeLessThanOrEqual(box!.y + box!.height)
      expect(await seriousAccessibilityViolations(wide)).toEqual([])

      // Zoomed in with the keyboard until the two are 48 px apart: two markers, no circle.
      await map.focus()
      for (let zoom = 0; zoom < 14 && (await group.count()) > 0; zoom++) await wide.keyboard.press('+')
      expect(await group.count()).toBe(0)
      await expect.poll(() => markers.count()).toBe(2)
      expect(await seriousAccessibilityViolations(wide)).toEqual([])

      // Zoomed out again: the circle is back, the markers gone.
      for (let zoom = 0; zoom < 14 && (await group.count()) === 0; zoom++) await wide.keyboard.press('-')
      expect(await group.textContent()).toBe('2')
      expect(await markers.count()).toBe(0)
    } finally {
      await desktop.close()
    }
  })
})
