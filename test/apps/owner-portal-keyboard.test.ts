import { readFileSync } from 'node:fs'
import { DateTime } from 'luxon'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Booking } from '../../marketplace/src/bookings/booking.schema.ts'
import { startFakeStripe, type FakeStripe } from '../marketplace/fake-stripe.ts'
import { CHARGER, startHubAndMarketplace, type HubAndMarketplace } from '../marketplace/support.ts'
import { buildFrontEndIfStale } from '../support/front-end-build.ts'
import { browserAvailable, openBrowser, seriousAccessibilityViolations } from '../support/browser.ts'
import { eventually } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { tabTo, typeTime } from './keyboard.ts'
import { pdfText } from '../support/pdf-text.ts'

/**
 * The owner portal with the keyboard alone (Tab, Space, Enter and typing; no clicks), at a phone's width,
 * against a real hub and marketplace: the weekly schedule with two periods on a day, the booking terms,
 * accepting and declining bookings, and the month's earnings with the statement as a PDF.
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

describe.skipIf(!browserAvailable()).each(STORE_VARIANTS)(
  'the owner portal with the keyboard (%s)',
  (engine) => {
    let network: HubAndMarketplace
    let stripe: FakeStripe
    let browser: Browser
    let page: Page
    /** The marketplace's clock: the test moves it past the slot so the booking completes and is paid. */
    let clock = new Date()
    let owner = ''
    let listingId = ''

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
      owner = await network.signUp('keyboard.owner@example.org')
      const listing = await network.api<{ id: string }>('POST', '/listings', CHARGER, owner)
      expect(listing.status, listing.text).toBe(201)
      listingId = listing.body.id
      ;({ browser, page } = await openBrowser())
      const [name, value] = owner.split('=') as [string, string]
      await page.context().addCookies([{ name, value, url: network.marketplaceUrl }])
      await page.setViewportSize({ width: 360, height: 780 })
      page.setDefaultTimeout(10_000)
      await page.goto(`${network.marketplaceUrl}/owner/listings/${listingId}`)
      await page.getByRole('heading', { level: 1, name: CHARGER.name }).waitFor()
    })

    afterAll(async () => {
      await browser?.close()
      await network?.close()
      await stripe?.close()
    })

    const schedule = () =>
      network.api<{ weekly: unknown[] }>('GET', `/listings/${listingId}/schedule`, undefined, owner)

    it('sets two periods on Monday, and is told when they overlap before anything is sent', async () => {
      const monday = page.getByRole('group', { name: 'Monday' })
      await tabTo(page, monday.getByLabel('Open'))
      await page.keyboard.press('Space')
      await tabTo(page, monday.getByLabel('From', { exact: true }))
      await typeTime(page, '07:00')
      await tabTo(page, monday.getByLabel('Until', { exact: true }))
      await typeTime(page, '09:00')
      await tabTo(page, monday.getByRole('button', { name: 'Add a period on Monday' }))
      await page.keyboard.press('Enter')
      await tabTo(page, monday.getByLabel('From (period 2)'))
      await typeTime(page, '08:30')
      await tabTo(page, monday.getByLabel('Until (period 2)'))
      await typeTime(page, '10:00')
      const card = page.getByRole('region', { name: 'Weekly schedule' })
      await tabTo(page, card.getByRole('button', { name: 'Save the schedule' }))
      await page.keyboard.press('Enter')
      await expect.poll(() => card.getByRole('alert').textContent()).toMatch(/^On Monday two periods overlap/)
      expect((await schedule()).status).toBe(404)

      await tabTo(page, monday.getByLabel('From (period 2)'))
      await typeTime(page, '18:00')
      await tabTo(page, monday.getByLabel('Until (period 2)'))
      await typeTime(page, '22:00')
      await tabTo(page, card.getByRole('button', { name: 'Save the schedule' }))
      await page.keyboard.press('Enter')
      await card.getByRole('status').waitFor()
      expect((await schedule()).body.weekly).toEqual([
        { weekday: 1, begin: '07:00', end: '09:00' },
        { weekday: 1, begin: '18:00', end: '22:00' },
      ])
      expect(await seriousAccessibilityViolations(page)).toEqual([])

      // Read back: the second period keeps its own fields, and can be removed again.
      await page.reload()
      expect(await monday.getByLabel('From (period 2)').inputValue()).toBe('18:00')
      await monday.getByRole('button', { name: 'Remove period 2 on Monday' }).waitFor()
    })

    it('sets the booking terms', async () => {
      const card = page.getByRole('region', { name: 'Booking terms' })
      await tabTo(page, card.getByLabel('Price of a booked hour (EUR)'))
      await page.keyboard.type('2.50')
      await tabTo(page, card.getByRole('button', { name: 'Save the booking terms' }))
      await page.keyboard.press('Enter')
      await card.getByRole('status').waitFor()
      const terms = await network.api('GET', `/listings/${listingId}/booking-terms`, undefined, owner)
      expect(terms.body).toMatchObject({ instant_booking: false, price_per_hour: 2.5 })
    })

    let accepted: Booking
    let declined: Booking

    it('accepts one booking and declines another', async () => {
      const driver = await network.signUp('keyboard.driver@example.org')
      const book = async (start: string, end: string) => {
        const body = {
          listing_id: listingId,
          start: slotAt(start),
          end: slotAt(end),
          payment_method: 'pm_card_visa',
        }
        const booked = await network.api<Booking>('POST', '/bookings', body, driver)
        expect(booked.status, booked.text).toBe(201)
        return booked.body
      }
      declined = await book('07:00', '08:00')
      accepted = await book('18:00', '19:30')
      await page.reload()
      const bookings = page.getByRole('region', { name: 'Bookings' })
      const [declineFirst, acceptSecond] = [
        bookings.getByRole('button', { name: /^Decline the booking of / }).first(),
        bookings.getByRole('button', { name: /^Accept the booking of / }).last(),
      ]
      await tabTo(page, declineFirst)
      await page.keyboard.press('Enter')
      await bookings.getByText('DECLINED').waitFor()
      await tabTo(page, acceptSecond)
      await page.keyboard.press('Enter')
      await bookings.getByText('CONFIRMED').waitFor()
      const mine = await network.api<Booking[]>('GET', '/bookings', undefined, driver)
      const statusOf = (id: string) => mine.body.find((booking) => booking.id === id)?.status
      expect([statusOf(declined.id), statusOf(accepted.id)]).toEqual(['DECLINED', 'CONFIRMED'])
    })

    it("sees the month's earnings and downloads the statement as a PDF", async () => {
      clock = new Date(slotAt('19:30'))
      await eventually(async () => {
        const after = await network.api<Booking[]>('GET', `/listings/${listingId}/bookings`, undefined, owner)
        expect(after.body.find((booking) => booking.id === accepted.id)).toMatchObject({
          status: 'COMPLETED',
        })
      })
      await tabTo(
        page,
        page.getByRole('navigation', { name: 'Owner portal' }).getByRole('link', { name: 'Earnings' }),
      )
      await page.keyboard.press('Enter')
      await page.getByRole('heading', { level: 1, name: 'Earnings' }).waitFor()
      // Chromium's month field (en-US): the month's name is typed by its first letters, then the year.
      await tabTo(page, page.getByLabel('Month'))
      await page.keyboard.type(`${FIRST_MONDAY.setLocale('en-US').toFormat('LLLL')}`)
      await page.keyboard.press('Tab')
      await page.keyboard.type(String(FIRST_MONDAY.year))
      const period = FIRST_MONDAY.toFormat('yyyy-LL')
      await expect.poll(() => page.getByLabel('Month').inputValue()).toBe(period)
      await expect.poll(() => page.getByTestId('earnings-total').textContent()).toBe('€3.75')
      expect(await seriousAccessibilityViolations(page)).toEqual([])

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        (async () => {
          await tabTo(page, page.getByRole('link', { name: 'Download the statement (PDF)' }))
          await page.keyboard.press('Enter')
        })(),
      ])
      expect(download.suggestedFilename()).toBe(`earnings-${period}.pdf`)
      const pdf = readFileSync(await download.path())
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-')
      const text = pdfText(pdf)
      expect(text).toContain(`Earnings statement ${period}`)
      expect(text).toContain('keyboard.owner@example.org')
      expect(text).toContain('Booked slot, 3.75 EUR')
      expect(text).toContain(`booking ${accepted.id}`)
      expect(text).toContain('Total 3.75 EUR')
      expect(text).not.toContain(declined.id)

      // Only for its owner, and only for a month.
      const signedOut = await network.api('GET', `/earnings/statement.pdf?period=${period}`)
      expect(signedOut.status).toBe(401)
      const badMonth = await network.api('GET', '/earnings/statement.pdf?period=2027-13', undefined, owner)
      expect(badMonth.status).toBe(400)
      const stranger = await network.signUp('stranger@example.org')
      const empty = await fetch(`${network.marketplaceUrl}/api/earnings/statement.pdf?period=${period}`, {
        headers: { cookie: stranger },
      })
      expect(empty.headers.get('content-type')).toBe('application/pdf')
      const emptyText = pdfText(Buffer.from(await empty.arrayBuffer()))
      expect(emptyText).toContain('Nothing earned in this month.')
      expect(emptyText).toContain('Total 0.00 EUR')
    })
  },
)
