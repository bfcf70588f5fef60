import { mkdirSync, readFileSync } from 'node:fs'
import { DateTime } from 'luxon'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Booking, Statement } from '../../marketplace/src/bookings/booking.schema.ts'
import { startFakeStripe, type FakeStripe } from '../marketplace/fake-stripe.ts'
import { startHubAndMarketplace, type HubAndMarketplace } from '../marketplace/support.ts'
import { buildFrontEndIfStale } from '../support/front-end-build.ts'
import { browserAvailable, openBrowser, seriousAccessibilityViolations } from '../support/browser.ts'
import { eventually } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'

/**
 * The owner portal (/owner, served by the marketplace) in a real browser at a phone's width, against a real
 * hub and marketplace on loopback: an owner signs up, lists a charger step by step (map, connectors, price
 * with its preview, access), sets the weekly schedule and booking terms, accepts a booking a driver made
 * through the API, and sees the month's earnings with the CSV statement. Every screen passes axe.
 */

const ZONE = 'Europe/Amsterdam'
/** The first Monday of next January: always in the future, winter time in Amsterdam. */
const FIRST_MONDAY = (() => {
  const january = DateTime.fromObject({ year: DateTime.now().year + 1, month: 1, day: 1 }, { zone: ZONE })
  return january.plus({ days: (8 - january.weekday) % 7 })
})()
const slotAt = (time: string) => {
  const [hour, minute] = time.split(':').map(Number)
  return FIRST_MONDAY.set({ hour, minute }).toUTC().toISO()!
}

const PHONE = { width: 360, height: 780 }
const DESKTOP = { width: 1280, height: 860 }
const SCREENSHOTS = new URL('../../docs/apps/', import.meta.url)

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOTS).pathname, fullPage: false })
}

async function expectAccessible(page: Page): Promise<void> {
  expect(await seriousAccessibilityViolations(page)).toEqual([])
}

describe.skipIf(!browserAvailable()).each(STORE_VARIANTS)('the owner portal (%s)', (engine) => {
  let network: HubAndMarketplace
  let stripe: FakeStripe
  let browser: Browser
  let page: Page
  /** The marketplace's clock: the test moves it past the slot so the booking completes and is paid. */
  let clock = new Date()
  let listingId = ''
  /** The completed booking of the earnings test and its driver's session: the driver reviews it. */
  let completed = { bookingId: '', driver: '' }

  beforeAll(async () => {
    await buildFrontEndIfStale('owner')
    stripe = await startFakeStripe()
    network = await startHubAndMarketplace(engine, {
      env: {
        MARKETPLACE_STRIPE_SECRET_KEY: stripe.secretKey,
        MARKETPLACE_STRIPE_API_URL: stripe.url,
        MARKETPLACE_BOOKING_TICK_MS: '50',
      },
      options: { now: () => clock },
    })
    ;({ browser, page } = await openBrowser())
    await page.setViewportSize(PHONE)
  })

  afterAll(async () => {
    await browser?.close()
    await network?.close()
    await stripe?.close()
  })

  it('signs an owner up, keeping what was typed when the marketplace refuses', async () => {
    await page.goto(`${network.marketplaceUrl}/owner/`)
    await page.getByLabel('Email').fill('sharing.owner@example.org')
    await page.getByLabel('Password').fill('not the password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Unknown email or wrong password')
    expect(await page.getByLabel('Email').inputValue()).toBe('sharing.owner@example.org')
    await expectAccessible(page)
    await screenshot(page, 'owner-sign-in')

    await page.getByRole('button', { name: 'New here? Create an account' }).click()
    await page.getByLabel('Password').fill('correct horse battery')
    await page.getByRole('button', { name: 'Create an account' }).click()
    await page.getByRole('heading', { level: 1, name: 'My chargers' }).waitFor()
    await page.getByText('You have not listed a charger yet.').waitFor()
  })

  it('lists a charger step by step, with the keyboard, and shows the price a driver pays', async () => {
    await page
      .getByRole('navigation', { name: 'Owner portal' })
      .getByRole('link', { name: 'List a charger' })
      .click()
    await page.getByRole('heading', { name: 'Step 1 of 4: Where' }).waitFor()
    await page.getByLabel('Name drivers see').fill('Driveway charger')
    await page.getByLabel('Street and number').fill('Lindenlaan 12')
    await page.getByLabel('City').fill('Utrecht')
    await page.getByLabel('Postal code').fill('3581 AB')
    await page.getByLabel('Country (3 letters, e.g. NLD)').fill('nld')
    await page.getByLabel('Time zone').fill(ZONE)
    // A click on the map places the charger; the owner then types the exact coordinates.
    await page.getByRole('region', { name: 'Map: click where the charger is' }).click()
    expect(await page.getByLabel('Latitude').inputValue()).not.toBe('')
    await page.getByLabel('Latitude').fill('52.0907')
    await page.getByLabel('Longitude').fill('5.1214')
    await expectAccessible(page)
    await screenshot(page, 'owner-list-where')
    // Enter in a field goes to the next step, and the step's heading takes the focus.
    await page.getByLabel('Longitude').press('Enter')
    const connectors = page.getByRole('heading', { name: 'Step 2 of 4: Connectors' })
    await connectors.waitFor()
    await expect
      .poll(() => page.evaluate<string>("document.activeElement?.textContent ?? ''"))
      .toBe('Step 2 of 4: Connectors')
    await page.getByLabel('Maximum power (kW)').fill('11')
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Step 3 of 4: Price' }).waitFor()
    await page.getByLabel('Price per kWh (EUR)').fill('0.30')
    await page.getByLabel('Fee per session (optional)').fill('1')
    await expect
      .poll(() => page.getByTestId('price-preview').textContent())
      .toMatch(/20 kWh over 2 hours costs the driver €7\.00/)
    await expectAccessible(page)
    await screenshot(page, 'owner-list-price')
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('heading', { name: 'Step 4 of 4: Access' }).waitFor()
    await page.getByLabel('How drivers reach the charger (optional)').fill('Drive up to the garage door.')
    await page.getByRole('button', { name: 'Publish the listing' }).click()
    await page.getByRole('heading', { level: 1, name: 'Driveway charger' }).waitFor()
    listingId = /\/owner\/listings\/([0-9a-f]{32})$/.exec(page.url())?.[1] ?? ''
    expect(listingId).not.toBe('')

    // What the page sent is what the marketplace keeps, and the hub passed it on to the roaming eMSP.
    const location = () =>
      network.emsp
        .inbox('locations')
        .find((request) => request.method === 'PUT' && request.path.endsWith(listingId))
    await eventually(() => expect(location()).toBeDefined())
    expect(location()?.body).toMatchObject({
      name: 'Driveway charger',
      coordinates: { latitude: '52.090700', longitude: '5.121400' },
      directions: [{ language: 'en', text: 'Drive up to the garage door.' }],
    })
  })

  it('sets the weekly schedule and the booking terms', async () => {
    for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']) {
      const row = page.getByRole('group', { name: day })
      await row.getByLabel('Open').check()
      await row.getByLabel('From').fill('17:00')
      await row.getByLabel('Until').fill('23:00')
    }
    await page.getByRole('button', { name: 'Add an exception' }).click()
    await page.getByLabel('Date', { exact: true }).fill(FIRST_MONDAY.plus({ days: 2 }).toISODate()!)
    await page.getByRole('button', { name: 'Save the schedule' }).click()
    await page.getByRole('region', { name: 'Weekly schedule' }).getByRole('status').waitFor()

    await page.getByLabel('Price of a booked hour (EUR)').fill('2.50')
    await page.getByRole('button', { name: 'Save the booking terms' }).click()
    await page.getByRole('region', { name: 'Booking terms' }).getByRole('status').waitFor()

    const cookie = await network.signUp('other.member@example.org')
    const schedule = await network.api<{ weekly: unknown[]; exceptions: unknown[] }>(
      'GET',
      `/listings/${listingId}/schedule`,
      undefined,
      cookie,
    )
    expect(schedule.body.weekly).toHaveLength(5)
    expect(schedule.body.weekly[0]).toEqual({ weekday: 1, begin: '17:00', end: '23:00' })
    expect(schedule.body.exceptions).toEqual([
      { date: FIRST_MONDAY.plus({ days: 2 }).toISODate(), hours: [] },
    ])
    const terms = await network.api('GET', `/listings/${listingId}/booking-terms`, undefined, cookie)
    expect(terms.body).toEqual({
      instant_booking: false,
      price_per_hour: 2.5,
      free_cancellation_hours: 24,
      cancellation_fee: 0,
      unmanaged: true,
    })
    await expectAccessible(page)
  })

  it("accepts a driver's booking and sees it paid in the month's earnings", async () => {
    const driver = await network.signUp('booking.driver@example.org')
    const booked = await network.api<Booking>(
      'POST',
      '/bookings',
      { listing_id: listingId, start: slotAt('18:00'), end: slotAt('19:30'), payment_method: 'pm_card_visa' },
      driver,
    )
    expect(booked.status, booked.text).toBe(201)
    expect(booked.body.status).toBe('PENDING')

    await page.reload()
    const bookings = page.getByRole('region', { name: 'Bookings' })
    await bookings.getByText('PENDING').waitFor()
    await expectAccessible(page)
    await screenshot(page, 'owner-booking-request')
    await bookings.getByRole('button', { name: /^Accept the booking of / }).click()
    await bookings.getByText('CONFIRMED').waitFor()
    const mine = await network.api<Booking[]>('GET', '/bookings', undefined, driver)
    expect(mine.body[0]).toMatchObject({ id: booked.body.id, status: 'CONFIRMED' })

    await page.setViewportSize(DESKTOP)
    await expectAccessible(page)
    await screenshot(page, 'owner-listing-desktop')
    await page.setViewportSize(PHONE)

    // The slot passes: the marketplace completes the booking and captures its price.
    clock = new Date(slotAt('19:30'))
    await eventually(async () => {
      const after = await network.api<Booking[]>('GET', '/bookings', undefined, driver)
      expect(after.body[0]).toMatchObject({ status: 'COMPLETED', charged: 3.75 })
    })

    await page
      .getByRole('navigation', { name: 'Owner portal' })
      .getByRole('link', { name: 'Earnings' })
      .click()
    await page.getByRole('heading', { level: 1, name: 'Earnings' }).waitFor()
    const period = FIRST_MONDAY.toFormat('yyyy-LL')
    await page.getByLabel('Month').fill(period)
    await expect.poll(() => page.getByTestId('earnings-total').textContent()).toBe('€3.75')
    await page.getByRole('cell', { name: 'Booked slot' }).waitFor()
    await expectAccessible(page)
    await screenshot(page, 'owner-earnings')

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download the statement (CSV)' }).click(),
    ])
    expect(download.suggestedFilename()).toBe(`earnings-${period}.csv`)
    const csv = readFileSync(await download.path(), 'utf8')
      .trim()
      .split('\r\n')
    const statement = await network.api<Statement>(
      'GET',
      `/earnings?period=${period}`,
      undefined,
      await ownerCookie(),
    )
    expect(csv[0]).toBe('booking_id,listing_id,slot_start,slot_end,kind,amount,currency,settled_at')
    expect(csv[1]).toBe(
      [
        booked.body.id,
        listingId,
        statement.body.lines[0]?.start,
        statement.body.lines[0]?.end,
        'SLOT',
        '3.75',
        'EUR',
        statement.body.lines[0]?.settled_at,
      ].join(','),
    )
    expect(csv[2]).toBe('total,,,,,3.75,EUR,')
    completed = { bookingId: booked.body.id, driver }
  })

  it("reads a driver's review of the charger and replies to it", async () => {
    const review = await network.api(
      'POST',
      `/bookings/${completed.bookingId}/review`,
      { rating: 4, text: 'Easy to find, charged fine.' },
      completed.driver,
    )
    expect(review.status, review.text).toBe(201)
    await page.goto(`${network.marketplaceUrl}/owner/listings/${listingId}`)
    const reviews = page.getByRole('region', { name: "Drivers' reviews" })
    await reviews.getByText('Easy to find, charged fine.').waitFor()
    await reviews.getByText('Rated 4.0 of 5 by 1 driver').waitFor()
    await reviews.getByLabel(/Reply to this review/).fill('Thank you, come again!')
    await reviews.getByRole('button', { name: 'Send the reply' }).click()
    await reviews.getByText('Your reply: Thank you, come again!').waitFor()
    await expectAccessible(page)
    await screenshot(page, 'owner-review-reply')
    const listed = await network.api<{ reviews: { reply?: string }[] }>(
      'GET',
      `/locations/NL/SHR/${listingId}/reviews`,
    )
    expect(listed.body.reviews.map((one) => one.reply)).toEqual(['Thank you, come again!'])
  })

  /** The owner's session as the browser holds it. */
  async function ownerCookie(): Promise<string> {
    const cookies = await page.context().cookies(network.marketplaceUrl)
    const session = cookies.find((cookie) => cookie.name === 'marketplace_session')
    return `${session?.name}=${session?.value}`
  }
})
