import { randomUUID } from 'node:crypto'
import type { Selectable } from 'kysely'
import type { CpoRef } from '../network/network-objects.ts'
import type { MarketplaceDb, MarketplaceTables } from '../storage/store.ts'
import type { Rating, Review, ReviewInput } from './review.schema.ts'

/** How long after writing it a driver may still change a review. */
export const EDIT_WINDOW_MS = 7 * 24 * 60 * 60 * 1000

/** Why a review action cannot be done: the API's status code and the words. */
export class ReviewRefusal extends Error {
  constructor(
    readonly statusCode: 404 | 409,
    message: string,
  ) {
    super(message)
  }
}

type ReviewRow = Selectable<MarketplaceTables['reviews']>

/** The average of ratings to one decimal and their count (no ratings: 0 and 0). */
export function ratingOf(ratings: readonly number[]): Rating {
  if (ratings.length === 0) return { average: 0, count: 0 }
  const sum = ratings.reduce((total, rating) => total + rating, 0)
  return { average: Math.round((sum / ratings.length) * 10) / 10, count: ratings.length }
}

export function locationKey(location: CpoRef & { id: string }): string {
  return `${location.country_code}*${location.party_id}*${location.id}`
}

/**
 * Drivers' reviews of the locations they charged at or booked: one per completed charge or booking,
 * editable for a while;
 * owners of a listed charger reply; anyone reports; the operator hides or shows. Hidden reviews count in
 * no rating.
 */
export class Reviews {
  readonly #db: MarketplaceDb
  /** The marketplace's own CPO: its Locations are members' listings, whose owners may reply. */
  readonly #ownCpo: CpoRef

  constructor(db: MarketplaceDb, ownCpo: CpoRef) {
    this.#db = db
    this.#ownCpo = ownCpo
  }

  /** Reviews the location of the member's completed charge: once per charge. */
  async write(memberId: string, chargeId: string, input: ReviewInput): Promise<Review> {
    const charge = await this.#db
      .selectFrom('charges')
      .select(['status', 'cpo_country_code', 'cpo_party_id', 'location_id'])
      .where('id', '=', chargeId)
      .where('member_id', '=', memberId)
      .executeTakeFirst()
    if (!charge) throw new ReviewRefusal(404, `You have no charge ${chargeId}`)
    if (charge.status !== 'COMPLETED')
      throw new ReviewRefusal(409, `Charge ${chargeId} is ${charge.status}: review it once it is COMPLETED`)
    const location = {
      country_code: charge.cpo_country_code,
      party_id: charge.cpo_party_id,
      id: charge.location_id,
    }
    return this.#insert(memberId, { charge_id: chargeId, booking_id: null }, location, input)
  }

  /**
   * Reviews the location of the member's completed booking: a home charger's (its listing is the
   * marketplace CPO's Location) or a roaming CPO's. Once per booking.
   */
  async writeForBooking(memberId: string, bookingId: string, input: ReviewInput): Promise<Review> {
    const home = await this.#db
      .selectFrom('bookings')
      .select(['status', 'listing_id as location_id'])
      .where('id', '=', bookingId)
      .where('driver_id', '=', memberId)
      .executeTakeFirst()
    const booking = home
      ? { ...home, ...this.#ownCpo }
      : await this.#db
          .selectFrom('network_bookings')
          .select(['status', 'location_id', 'cpo_country_code as country_code', 'cpo_party_id as party_id'])
          .where('id', '=', bookingId)
          .where('member_id', '=', memberId)
          .executeTakeFirst()
    if (!booking) throw new ReviewRefusal(404, `You have no booking ${bookingId}`)
    if (booking.status !== 'COMPLETED')
      throw new ReviewRefusal(
        409,
        `Booking ${bookingId} is ${booking.status}: review it once it is COMPLETED`,
      )
    const location = {
      country_code: booking.country_code,
      party_id: booking.party_id,
      id: booking.location_id,
    }
    return this.#insert(memberId, { charge_id: null, booking_id: bookingId }, location, input)
  }

  async #insert(
    memberId: string,
    of: { charge_id: string; booking_id: null } | { charge_id: null; booking_id: string },
    location: CpoRef & { id: string },
    input: ReviewInput,
  ): Promise<Review> {
    const now = new Date()
    const row = {
      id: randomUUID(),
      ...of,
      member_id: memberId,
      country_code: location.country_code,
      party_id: location.party_id,
      location_id: location.id,
      rating: input.rating,
      text: input.text ?? null,
      reply: null,
      hidden: false,
      created_at: now,
      updated_at: now,
    }
    const inserted = await this.#db
      .insertInto('reviews')
      .values(row)
      .onConflict((oc) => oc.column(of.charge_id === null ? 'booking_id' : 'charge_id').doNothing())
      .executeTakeFirst()
    if (inserted.numInsertedOrUpdatedRows === 0n)
      throw new ReviewRefusal(
        409,
        `${of.charge_id === null ? `Booking ${of.booking_id}` : `Charge ${of.charge_id}`} has a review already: change that one`,
      )
    return this.#view(row)
  }

  async edit(memberId: string, id: string, input: ReviewInput, now = new Date()): Promise<Review> {
    const row = await this.#row(id)
    if (!row || row.member_id !== memberId) throw new ReviewRefusal(404, `You have no review ${id}`)
    if (now.getTime() > row.created_at.getTime() + EDIT_WINDOW_MS)
      throw new ReviewRefusal(409, `Review ${id} can no longer be changed (7 days after writing it)`)
    const updated = { rating: input.rating, text: input.text ?? null, updated_at: now }
    await this.#db.updateTable('reviews').set(updated).where('id', '=', id).execute()
    return this.#view({ ...row, ...updated })
  }

  /** The owner of the listed charger replies (a roaming CPO's Locations have no owner among members). */
  async reply(memberId: string, id: string, text: string): Promise<Review> {
    const row = await this.#row(id)
    const owns =
      row !== undefined &&
      row.country_code === this.#ownCpo.country_code &&
      row.party_id === this.#ownCpo.party_id &&
      (await this.#db
        .selectFrom('listings')
        .select('id')
        .where('id', '=', row.location_id)
        .where('owner_id', '=', memberId)
        .executeTakeFirst()) !== undefined
    if (!row || !owns) throw new ReviewRefusal(404, `No review ${id} of a charger of yours`)
    await this.#db.updateTable('reviews').set({ reply: text }).where('id', '=', id).execute()
    return this.#view({ ...row, reply: text })
  }

  async report(id: string, reason: string): Promise<void> {
    const row = await this.#row(id)
    if (!row || row.hidden) throw new ReviewRefusal(404, `No review ${id}`)
    await this.#db
      .insertInto('review_reports')
      .values({ id: randomUUID(), review_id: id, reason, created_at: new Date() })
      .execute()
  }

  /** Open reports, oldest first, with the review they are about. */
  async openReports() {
    const rows = await this.#db
      .selectFrom('review_reports')
      .innerJoin('reviews', 'reviews.id', 'review_reports.review_id')
      .selectAll('reviews')
      .select([
        'review_reports.id as report_id',
        'review_reports.reason',
        'review_reports.created_at as reported_at',
      ])
      .where('review_reports.resolved_at', 'is', null)
      .orderBy('review_reports.created_at')
      .execute()
    return rows.map((row) => ({
      id: row.report_id,
      review: this.#view(row),
      reason: row.reason,
      created_at: row.reported_at.toISOString(),
    }))
  }

  /** The operator hides or shows a review; its open reports are resolved. */
  async moderate(id: string, hidden: boolean): Promise<boolean> {
    const now = new Date()
    const updated = await this.#db
      .updateTable('reviews')
      .set({ hidden })
      .where('id', '=', id)
      .executeTakeFirst()
    if (updated.numUpdatedRows === 0n) return false
    await this.#db
      .updateTable('review_reports')
      .set({ resolved_at: now })
      .where('review_id', '=', id)
      .where('resolved_at', 'is', null)
      .execute()
    return true
  }

  /** A location's visible reviews, newest first, and its rating. */
  async ofLocation(location: CpoRef & { id: string }): Promise<{ rating: Rating; reviews: Review[] }> {
    const rows = await this.#db
      .selectFrom('reviews')
      .selectAll()
      .where('country_code', '=', location.country_code)
      .where('party_id', '=', location.party_id)
      .where('location_id', '=', location.id)
      .where('hidden', '=', false)
      .orderBy('created_at', 'desc')
      .execute()
    return { rating: ratingOf(rows.map((row) => row.rating)), reviews: rows.map((row) => this.#view(row)) }
  }

  /** The ratings of these locations, by `cc*pid*id`. */
  async ratingsOf(locations: readonly (CpoRef & { id: string })[]): Promise<Map<string, Rating>> {
    if (locations.length === 0) return new Map()
    const rows = await this.#db
      .selectFrom('reviews')
      .select(['country_code', 'party_id', 'location_id', 'rating'])
      .where('hidden', '=', false)
      .where(
        'location_id',
        'in',
        locations.map((location) => location.id),
      )
      .execute()
    const ratings = new Map<string, number[]>()
    for (const row of rows) {
      const key = locationKey({ country_code: row.country_code, party_id: row.party_id, id: row.location_id })
      ratings.set(key, [...(ratings.get(key) ?? []), row.rating])
    }
    return new Map(
      locations.map((location) => [
        locationKey(location),
        ratingOf(ratings.get(locationKey(location)) ?? []),
      ]),
    )
  }

  /** The reviews a member wrote, newest first, hidden ones included (the GDPR export). */
  async byMember(memberId: string): Promise<Review[]> {
    const rows = await this.#db
      .selectFrom('reviews')
      .selectAll()
      .where('member_id', '=', memberId)
      .orderBy('created_at', 'desc')
      .execute()
    return rows.map((row) => this.#view(row))
  }

  async #row(id: string): Promise<ReviewRow | undefined> {
    return this.#db.selectFrom('reviews').selectAll().where('id', '=', id).executeTakeFirst()
  }

  #view(row: ReviewRow): Review {
    return {
      id: row.id,
      country_code: row.country_code,
      party_id: row.party_id,
      location_id: row.location_id,
      rating: row.rating,
      ...(row.text !== null && { text: row.text }),
      ...(row.reply !== null && { reply: row.reply }),
      created_at: row.created_at.toISOString(),
      updated_at: row.updated_at.toISOString(),
      editable_until: new Date(row.created_at.getTime() + EDIT_WINDOW_MS).toISOString(),
    }
  }
}
