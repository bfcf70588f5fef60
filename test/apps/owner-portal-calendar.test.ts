import { DateTime } from 'luxon'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Booking } from '../../marketplace/src/bookings/booking.schema.ts'
import { startFakeStripe, type FakeStripe } from '../marketplace/fake-stripe.ts'
import { CHARGER, startHubAndMarketplace, type HubAndMarketplace } from '../marketplace/support.ts'
import { buildFrontEndIfStale } from '../support/front-end-build.ts'
import {
  browserAvailable,
  openBrowser,
  screenshot,
  seriousAccessibilityViolations,
} from '../support/browser.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { focusedName, tabTo } from './keyboard.ts'

/**
 * The owner portal's booking calendar (/owner/bookings) in a real browser, against a real hub and
 * marketplace: an owner with two chargers sees a driver's bookings of both on the month, narrows it to one
 * charger, and with the keyboard alone opens a pending booking, accepts it and goes through the weeks.
 */

const ZONE = 'Europe/Amsterdam'
/** The first Monday of next January: always in the future, winter time in Amsterdam. */
const FIRST_MONDAY = (() => {
  const january = DateTime.fromObject({ year: DateTime.now().year + 1, month: 1, day: 1 }, { zone: ZONE })
  return january.plus({ days: (8 - january.weekday) % 7 })
})()
const slotAt = (days: number, time: string) => {
  const [hour, minute] = time.split(':').map(Number)
  return FIRST_MONDAY.plus({ days }).set({ hour, minute }).toUTC().toISO()!
}

/** A week's heading as the calendar writes it (Chromium's en-US): "January 4 – January 10, 2027". */
const weekTitle = (monday: DateTime) =>
  `${monday.setLocale('en-US').toFormat('LLLL d')} – ${monday.plus({ days: 6 }).setLocale('en-US').toFormat('LLLL d, yyyy')}`

const PHONE = { width: 360, height: 780 }
const DESKTOP = { width: 1280, height: 860 }

describe.skipIf(!browserAvailable()).each(STORE_VARIANTS)("the owner portal's calendar (%s)", (engine) => {
  let network: HubAndMarketplace
  let stripe: FakeStripe
  let browser: Browser
  let page: Page
  let driver = ''
  const calendarUrl = () => `${network.marketplaceUrl}/owner/bookings?day=${FIRST_MONDAY.toISODate()}`

  /** A listing of the owner's, open every day from 07:00 to 23:00, each booking to be accepted. */
  async function listCharger(owner: string, name: string): Promise<string> {
    const listing = await network.api<{ id: string }>('POST', '/listings', { ...CHARGER, name }, owner)
    expect(listing.status, listing.text).toBe(201)
    const id = listing.body.id
    const weekly = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, begin: '07:00', end: '23:00' }))
    const schedule = await network.api('PUT', `/listings/${id}/schedule`, { weekly, exceptions: [] }, owner)
    expect(schedule.status, schedule.text).toBe(200)
    const terms = {
      instant_booking: false,
      price_per_hour: 2,
      free_cancellation_hours: 24,
      cancellation_fee: 0,
    }
    const termsAnswer = await network.api(
      'PUT',
      `/listings/${id}/booking-terms`,
      { ...terms, unmanaged: true },
      owner,
    )
    expect(termsAnswer.status, termsAnswer.text).toBe(200)
    return id
  }

  async function book(listingId: string, start: string, end: string): Promise<Booking> {
    const body = { listing_id: listingId, start, end, payment_method: 'pm_card_visa' }
    const booked = await network.api<Booking>('POST', '/bookings', body, driver)
    expect(booked.status, booked.text).toBe(201)
    return booked.body
  }

  beforeAll(async () => {
    await buildFrontEndIfStale('owner')
    stripe = await startFakeStripe()
    network = await startHubAndMarketplace(engine, {
      env: { MARKETPLACE_STRIPE_SECRET_KEY: stripe.secretKey, MARKETPLACE_STRIPE_API_URL: stripe.url },
    })
    const owner = await network.signUp('calendar.owner@example.org')
    const driveway = await listCharger(owner, 'Driveway charger')
    const garage = await listCharger(owner, 'Garage charger')
    driver = await network.signUp('calendar.driver@example.org')
    await book(driveway, slotAt(0, '18:00'), slotAt(0, '19:30'))
    await book(garage, slotAt(1, '20:00'), slotAt(1, '21:00'))
    ;({ browser, page } = await openBrowser())
    const [name, value] = owner.split('=') as [string, string]
    await page.context().addCookies([{ name, value, url: network.marketplaceUrl }])
    await page.setViewportSize(PHONE)
    page.setDefaultTimeout(8000)
  })

  afterAll(async () => {
    await browser?.close()
    await network?.close()
    await stripe?.close()
  })

  const driveway = () => page.getByRole('button', { name: /^Driveway charger, .*, PENDING$/ })
  const garage = () => page.getByRole('button', { name: /^Garage charger, .*, PENDING$/ })

  it("shows the month's bookings of every charger, or of the one chosen", async () => {
    await page.goto(`${network.marketplaceUrl}/owner/`)
    await page
      .getByRole('navigation', { name: 'Owner portal' })
      .getByRole('link', { name: 'Bookings' })
      .click()
    await page.getByRole('heading', { level: 1, name: 'Bookings' }).waitFor()
    await page.goto(calendarUrl())
    const month = page.getByRole('table', { name: FIRST_MONDAY.setLocale('en-US').toFormat('LLLL yyyy') })
    // Each booking in the cell of its local day: 4 January at 18:00, the 5th at 20:00 (Amsterdam time).
    const mondayCell = month
      .getByRole('cell')
      .filter({ has: page.getByLabel(FIRST_MONDAY.setLocale('en-US').toFormat('LLLL d, yyyy')) })
    await mondayCell.getByRole('button', { name: /^Driveway charger, .*06:00 PM.*PENDING$/ }).waitFor()
    await garage().waitFor()
    expect(await seriousAccessibilityViolations(page)).toEqual([])
    await month.scrollIntoViewIfNeeded()
    await screenshot(page, 'owner-calendar-month', 'apps')

    await page.getByRole('combobox', { name: /^Charger/ }).selectOption({ label: 'Garage charger' })
    await driveway().waitFor({ state: 'detached' })
    await garage().waitFor()
    expect(new URL(page.url()).searchParams.get('charger')).toMatch(/^[0-9a-f]{32}$/)
    await page.getByRole('combobox', { name: /^Charger/ }).selectOption({ label: 'All my chargers' })
    await driveway().waitFor()
  })

  it('with the keyboard alone: opens a pending booking, accepts it, and goes through the weeks', async () => {
    await page.goto(calendarUrl())
    await tabTo(page, driveway())
    await page.keyboard.press('Enter')
    // The booking's details take the focus, with its decision right after.
    await expect.poll(() => focusedName(page)).toBe('The booking: Driveway charger')
    const details = page.getByRole('region', { name: 'The booking: Driveway charger' })
    await tabTo(page, details.getByRole('button', { name: /^Accept the booking of / }))
    await page.keyboard.press('Enter')
    await details.getByText('CONFIRMED').waitFor()
    const mine = await network.api<Booking[]>('GET', '/bookings', undefined, driver)
    expect(mine.body.map((booking) => booking.status).sort()).toEqual(['CONFIRMED', 'PENDING'])

    await tabTo(page, page.getByRole('button', { name: 'Week' }))
    await page.keyboard.press('Enter')
    const week = page.getByRole('region', { name: weekTitle(FIRST_MONDAY) })
    await week.getByRole('button', { name: /^Driveway charger, .*, CONFIRMED$/ }).waitFor()
    await week.getByRole('button', { name: /^Garage charger, .*, PENDING$/ }).waitFor()
    await page.setViewportSize(DESKTOP)
    expect(await seriousAccessibilityViolations(page)).toEqual([])
    await screenshot(page, 'owner-calendar-week', 'apps')
    await page.setViewportSize(PHONE)

    await tabTo(page, page.getByRole('button', { name: 'Next week' }))
    await page.keyboard.press('Enter')
    const next = page.getByRole('region', { name: weekTitle(FIRST_MONDAY.plus({ days: 7 })) })
    await expect.poll(() => next.getByText('No bookings').count()).toBe(7)
    await tabTo(page, page.getByRole('button', { name: 'Previous week' }))
    await page.keyboard.press('Enter')
    await garage().waitFor()
  })
})
