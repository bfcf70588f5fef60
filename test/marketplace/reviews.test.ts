import { DateTime } from 'luxon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Booking, BookingTerms } from '../../marketplace/src/bookings/booking.schema.ts'
import type { Schedule } from '../../marketplace/src/bookings/schedule.schema.ts'
import type { Rating, Review } from '../../marketplace/src/reviews/review.schema.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { CHARGER, startHubAndMarketplace, type HubAndMarketplace } from './support.ts'

/** Tomorrow at `time` in the listing's time zone. */
function tomorrowAt(time: string): Date {
  const [hour, minute] = time.split(':').map(Number)
  return DateTime.now()
    .setZone(CHARGER.time_zone)
    .plus({ days: 1 })
    .set({ hour, minute, second: 0, millisecond: 0 })
    .toJSDate()
}

const ALL_DAY: Schedule = {
  weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, begin: '00:00', end: '23:59' })),
  exceptions: [],
}

/** Free slots: no card is needed, so the test needs no payment provider. */
const FREE: BookingTerms = {
  instant_booking: true,
  price_per_hour: 0,
  free_cancellation_hours: 0,
  cancellation_fee: 0,
  unmanaged: true,
}

interface LocationReviews {
  rating: Rating
  reviews: Review[]
}

describe.each(STORE_VARIANTS)(
  'reviews after a booking at a home charger, and owners replying (%s)',
  (engine) => {
    let running: HubAndMarketplace
    /** The marketplace's clock: the test moves it past the slot. */
    let clock = tomorrowAt('08:00')
    let owner: string
    let otherOwner: string
    let driver: string
    let listingId: string
    let bookingId: string
    let reviewId: string

    async function listed(cookie: string): Promise<string> {
      const listing = await running.api<{ id: string }>('POST', '/listings', CHARGER, cookie)
      expect(listing.status, listing.text).toBe(201)
      const schedule = await running.api('PUT', `/listings/${listing.body.id}/schedule`, ALL_DAY, cookie)
      expect(schedule.status, schedule.text).toBe(200)
      const terms = await running.api('PUT', `/listings/${listing.body.id}/booking-terms`, FREE, cookie)
      expect(terms.status, terms.text).toBe(200)
      return listing.body.id
    }

    const locationReviews = () =>
      running.api<LocationReviews>('GET', `/locations/NL/SHR/${listingId}/reviews`)

    beforeAll(async () => {
      running = await startHubAndMarketplace(engine, { options: { now: () => clock } })
      owner = await running.signUp('reviewed.owner@example.org')
      otherOwner = await running.signUp('other.owner@example.org')
      driver = await running.signUp('reviewing.driver@example.org')
      listingId = await listed(owner)
      await listed(otherOwner)
    })

    afterAll(async () => {
      await running?.close()
    })

    it("books a home charger by its Location, as at any CPO, and answers the home booking's shape", async () => {
      const booked = await running.api<Booking>(
        'POST',
        '/bookings',
        {
          country_code: 'NL',
          party_id: 'SHR',
          location_id: listingId,
          start: tomorrowAt('10:00').toISOString(),
          end: tomorrowAt('11:00').toISOString(),
        },
        driver,
      )
      expect(booked.status, booked.text).toBe(201)
      expect(booked.body).toMatchObject({ listing_id: listingId, status: 'CONFIRMED', price: 0 })
      expect(booked.body).not.toHaveProperty('via')
      bookingId = booked.body.id
    })

    it('takes a review only once the booking is completed, once, from its own driver', async () => {
      const early = await running.api('POST', `/bookings/${bookingId}/review`, { rating: 5 }, driver)
      expect(early.status, early.text).toBe(409)

      clock = tomorrowAt('12:00')
      await running.marketplace.bookings.tick()
      const mine = await running.api<Booking[]>('GET', '/bookings', undefined, driver)
      expect(mine.body.find((booking) => booking.id === bookingId)?.status).toBe('COMPLETED')

      const stranger = await running.api('POST', `/bookings/${bookingId}/review`, { rating: 1 }, otherOwner)
      expect(stranger.status, stranger.text).toBe(404)

      const review = await running.api<Review>(
        'POST',
        `/bookings/${bookingId}/review`,
        { rating: 3, text: 'Easy to find' },
        driver,
      )
      expect(review.status, review.text).toBe(201)
      expect(review.body).toMatchObject({
        country_code: 'NL',
        party_id: 'SHR',
        location_id: listingId,
        rating: 3,
        text: 'Easy to find',
      })
      expect(Date.parse(review.body.editable_until)).toBeGreaterThan(Date.now())
      reviewId = review.body.id

      const again = await running.api('POST', `/bookings/${bookingId}/review`, { rating: 5 }, driver)
      expect(again.status, again.text).toBe(409)

      const edited = await running.api<Review>(
        'PUT',
        `/reviews/${reviewId}`,
        { rating: 4, text: 'Easy to find, quick charge' },
        driver,
      )
      expect(edited.status, edited.text).toBe(200)
      const shown = await locationReviews()
      expect(shown.body.rating).toEqual({ average: 4, count: 1 })
      expect(shown.body.reviews).toEqual([
        expect.objectContaining({ id: reviewId, text: 'Easy to find, quick charge' }),
      ])
    })

    it("lets the listing's owner reply, shows the reply with the location's reviews, and no one else reply", async () => {
      for (const someoneElse of [otherOwner, driver]) {
        const refused = await running.api(
          'POST',
          `/reviews/${reviewId}/reply`,
          { text: 'Not my charger, but thanks' },
          someoneElse,
        )
        expect(refused.status, refused.text).toBe(404)
      }
      const before = await locationReviews()
      expect(before.body.reviews[0]).not.toHaveProperty('reply')

      const replied = await running.api<Review>(
        'POST',
        `/reviews/${reviewId}/reply`,
        { text: 'Thank you, come again!' },
        owner,
      )
      expect(replied.status, replied.text).toBe(200)
      expect(replied.body.reply).toBe('Thank you, come again!')
      const shown = await locationReviews()
      expect(shown.body.reviews).toEqual([
        expect.objectContaining({ id: reviewId, rating: 4, reply: 'Thank you, come again!' }),
      ])
    })
  },
)
