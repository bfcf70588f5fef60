import { randomUUID } from 'node:crypto'
import { sql, type Selectable } from 'kysely'
import { DateTime } from 'luxon'
import type { PushOutcome } from '../hub/hub-connection.ts'
import type { HubOutbox } from '../hub/hub-outbox.ts'
import type { ListingDetails } from '../listings/listing.schema.ts'
import type { Listings } from '../listings/listings.ts'
import { evseUidOf } from '../listings/ocpi-objects.ts'
import {
  majorUnits,
  minorUnits,
  PAYMENT_ACTION_LIMIT_MS,
  PAYMENT_RETRY_AFTER_SECONDS,
  PaymentRefused,
  type Authorisation,
  type PaymentProvider,
} from '../payments/payment-provider.ts'
import { isDeadlock, isExclusionViolation } from '../storage/sql-state.ts'
import type { MarketplaceDb, MarketplaceTables } from '../storage/store.ts'
import type {
  Availability,
  Booking,
  BookingRequest,
  BookingStatus,
  BookingTerms,
  RoamingBooker,
  Statement,
} from './booking.schema.ts'
import { freePeriods, openPeriods, scheduleOpensFor, scheduleProblem } from './schedule.ts'
import type { Schedule } from './schedule.schema.ts'
import { Refusal } from '../refusal.ts'

/** A booking request or change the marketplace refuses (see Refusal). */
export class BookingRefused extends Refusal {}

/** What changed: a listing's schedule or terms (no booking), or one of its bookings. */
export interface BookingChange {
  readonly listingId: string
  readonly booking?: BookingRow
}

/**
 * How often an insert aborted by a deadlock (simultaneous inserts checked by the same exclusion constraint)
 * is tried again, to be granted or refused like the rest, before its error stands.
 */
const DEADLOCK_RETRIES = 3

const MINUTE_MS = 60_000
const SHORTEST_SLOT_MS = 15 * MINUTE_MS
const LONGEST_SLOT_MS = 24 * 60 * MINUTE_MS
/** Unmanaged chargers show RESERVED this long before a booked slot begins. */
const RESERVED_LEAD_MS = 15 * MINUTE_MS

/**
 * The slot `start`–`end` as instants, checked as every booking's is (a home charger's or a roaming
 * CPO's): whole minutes, 15 minutes to 24 hours, not begun at `now`. Throws BookingRefused (400).
 */
export function checkedSlot(startText: string, endText: string, now: Date): { start: Date; end: Date } {
  const start = new Date(startText)
  const end = new Date(endText)
  if (Number.isNaN(start.getTime())) throw new BookingRefused(400, 'start: not a date-time')
  if (Number.isNaN(end.getTime())) throw new BookingRefused(400, 'end: not a date-time')
  if (start.getTime() % MINUTE_MS !== 0 || end.getTime() % MINUTE_MS !== 0)
    throw new BookingRefused(400, 'start and end: on whole minutes')
  const length = end.getTime() - start.getTime()
  if (length < SHORTEST_SLOT_MS || length > LONGEST_SLOT_MS)
    throw new BookingRefused(400, 'end: a slot lasts from 15 minutes to 24 hours')
  if (start <= now) throw new BookingRefused(400, 'start: in the past')
  return { start, end }
}

export type BookingRow = Pick<
  Selectable<MarketplaceTables['bookings']>,
  | 'id'
  | 'listing_id'
  | 'starts_at'
  | 'ends_at'
  | 'status'
  | 'currency'
  | 'price_minor'
  | 'captured_minor'
  | 'payment_id'
  | 'payment_status'
  | 'roaming'
>

const BOOKING_COLUMNS = [
  'bookings.id',
  'bookings.listing_id',
  'bookings.starts_at',
  'bookings.ends_at',
  'bookings.status',
  'bookings.currency',
  'bookings.price_minor',
  'bookings.captured_minor',
  'bookings.payment_id',
  'bookings.payment_status',
  'bookings.roaming',
] as const

function bookingView(row: BookingRow): Booking {
  return {
    id: row.id,
    listing_id: row.listing_id,
    start: row.starts_at.toISOString(),
    end: row.ends_at.toISOString(),
    status: row.status,
    currency: row.currency,
    price: majorUnits(row.price_minor),
    charged: majorUnits(row.captured_minor),
    ...(row.payment_status && { payment: { status: row.payment_status } }),
  }
}

/** The EVSE status an unmanaged charger has at `now`, from its bookings (the booked slot is the session). */
export function unmanagedEvseStatus(
  bookings: readonly { starts_at: Date; ends_at: Date }[],
  now: Date,
): 'AVAILABLE' | 'RESERVED' | 'CHARGING' {
  const at = now.getTime()
  if (bookings.some((b) => b.starts_at.getTime() <= at && at < b.ends_at.getTime())) return 'CHARGING'
  if (bookings.some((b) => at < b.starts_at.getTime() && b.starts_at.getTime() - at <= RESERVED_LEAD_MS))
    return 'RESERVED'
  return 'AVAILABLE'
}

/**
 * Owners' schedules and booking terms, drivers' bookings with their card payments, the EVSE status of
 * unmanaged chargers, and owners' earnings.
 */
export class Bookings {
  readonly #db: MarketplaceDb
  readonly #listings: Listings
  readonly #hub: Pick<HubOutbox, 'sendCpoObject'>
  readonly #payments: PaymentProvider | undefined
  readonly #currency: string
  readonly #now: () => Date
  readonly #listeners: ((change: BookingChange) => Promise<void>)[] = []
  readonly #tickTasks: (() => Promise<void>)[] = []

  constructor(
    db: MarketplaceDb,
    listings: Listings,
    hub: Pick<HubOutbox, 'sendCpoObject'>,
    options: { payments: PaymentProvider | undefined; currency: string; now: () => Date },
  ) {
    this.#db = db
    this.#listings = listings
    this.#hub = hub
    this.#payments = options.payments
    this.#currency = options.currency
    this.#now = options.now
  }

  /** Calls `listener` after a listing's schedule, terms or bookings changed (one failing stops no other). */
  onChange(listener: (change: BookingChange) => Promise<void>): void {
    this.#listeners.push(listener)
  }

  /** Runs `task` at every tick of the booking clock, after the home chargers' bookings moved on. */
  onTick(task: () => Promise<void>): void {
    this.#tickTasks.push(task)
  }

  async #changed(listingId: string, booking?: BookingRow): Promise<void> {
    for (const listener of this.#listeners) await listener({ listingId, booking }).catch(() => undefined)
  }

  /** Sets the schedule of the owner's listing and sends its Location again with the new opening_times. */
  async setSchedule(ownerId: string, listingId: string, schedule: Schedule): Promise<PushOutcome> {
    await this.#ownListing(ownerId, listingId)
    const problem = scheduleProblem(schedule)
    if (problem) throw new BookingRefused(400, `schedule/${problem}`)
    const row = { listing_id: listingId, schedule: JSON.stringify(schedule), updated_at: this.#now() }
    await this.#db
      .insertInto('listing_schedules')
      .values(row)
      .onConflict((oc) => oc.column('listing_id').doUpdateSet(row))
      .execute()
    // The full Location PUT carries the EVSE status of the listing; an unmanaged one's is sent again next.
    await this.#db
      .updateTable('booking_terms')
      .set({ evse_status_sent: null })
      .where('listing_id', '=', listingId)
      .execute()
    const outcome = await this.#listings.republish(listingId)
    await this.#changed(listingId)
    return outcome
  }

  /** A listing's schedule, for anyone signed in (drivers choose slots in it). */
  async schedule(listingId: string): Promise<Schedule | undefined> {
    const row = await this.#db
      .selectFrom('listing_schedules')
      .select('schedule')
      .where('listing_id', '=', listingId)
      .executeTakeFirst()
    return row?.schedule
  }

  async setTerms(ownerId: string, listingId: string, terms: BookingTerms): Promise<BookingTerms> {
    await this.#ownListing(ownerId, listingId)
    const row = { listing_id: listingId, terms: JSON.stringify(terms), updated_at: this.#now() }
    await this.#db
      .insertInto('booking_terms')
      .values({ ...row, evse_status_sent: null })
      .onConflict((oc) => oc.column('listing_id').doUpdateSet(row))
      .execute()
    await this.#changed(listingId)
    return terms
  }

  async terms(listingId: string): Promise<BookingTerms | undefined> {
    const row = await this.#db
      .selectFrom('booking_terms')
      .select('terms')
      .where('listing_id', '=', listingId)
      .executeTakeFirst()
    return row?.terms
  }

  /**
   * Books a slot for a driver: inside the listing's schedule, never overlapping another booking (the
   * database's exclusion constraint decides between simultaneous requests), paid by card authorisation.
   */
  async book(driverId: string, request: BookingRequest & { listing_id: string }): Promise<Booking> {
    const { row, details } = await this.#insert(
      request.listing_id,
      request.start,
      request.end,
      { driver_id: driverId, roaming: null },
      (priceMinor) => {
        if (priceMinor > 0 && !this.#payments)
          throw new BookingRefused(503, 'Payments are not configured on this marketplace')
        if (priceMinor > 0 && request.payment_method === undefined)
          throw new BookingRefused(400, 'payment_method: required for a slot with a price')
      },
    )
    const clientSecret =
      row.price_minor > 0 ? await this.#authorise(row, request.payment_method ?? '', details) : undefined
    if (clientSecret !== undefined)
      return {
        ...bookingView({ ...row, roaming: null, payment_status: 'requires_action' }),
        payment: { status: 'requires_action', client_secret: clientSecret },
      }
    await this.#changed(row.listing_id)
    return bookingView({ ...row, roaming: null, payment_status: null })
  }

  /**
   * Finishes a booking whose card's bank asked the driver to authenticate: held now, the booking stands;
   * otherwise the authorisation is given up, the slot freed and 402 says so.
   */
  async confirmPayment(driverId: string, bookingId: string): Promise<Booking> {
    const booking = await this.#db
      .selectFrom('bookings')
      .select(BOOKING_COLUMNS)
      .where('id', '=', bookingId)
      .where('driver_id', '=', driverId)
      .executeTakeFirst()
    if (!booking) throw new BookingRefused(404, `You have no booking ${bookingId}`)
    if (booking.payment_status !== 'requires_action' || !booking.payment_id || !this.#payments)
      throw new BookingRefused(409, 'This booking waits for no payment confirmation')
    if (!(await this.#heldOrAway(booking.payment_id))) {
      await this.#giveUp(booking)
      throw new BookingRefused(
        402,
        'Your bank did not confirm the payment, so the slot was not booked and nothing was charged. Try again or use another card.',
      )
    }
    const result = await this.#db
      .updateTable('bookings')
      .set({ payment_status: null })
      .where('id', '=', booking.id)
      .where('payment_status', '=', 'requires_action')
      .executeTakeFirst()
    // The clock freed it meanwhile (the limit passed): the hold it gave up is not the driver's booking.
    if (result.numUpdatedRows === 0n)
      throw new BookingRefused(409, 'The payment was not confirmed in time: the slot is free again')
    const held = { ...booking, payment_status: null }
    await this.#changed(booking.listing_id)
    return bookingView(held)
  }

  /** Whether the payment is held now; Stripe away is a 503 to try again (the booking keeps waiting). */
  async #heldOrAway(paymentId: string): Promise<boolean> {
    try {
      return await this.#payments!.held(paymentId)
    } catch (error) {
      throw new BookingRefused(503, 'The payment could not be checked just now: try again in a minute', {
        retryAfterSeconds: PAYMENT_RETRY_AFTER_SECONDS,
        cause: error,
      })
    }
  }

  /** Gives up the authorisation of a booking waiting for authentication and frees its slot. */
  async #giveUp(booking: { id: string; payment_id: string | null }): Promise<boolean> {
    try {
      if (booking.payment_id && this.#payments)
        await this.#payments.release(booking.payment_id, `give-up-${booking.id}`)
    } catch {
      // Stripe away: the slot stays held until the clock's next try.
      return false
    }
    const result = await this.#db
      .deleteFrom('bookings')
      .where('id', '=', booking.id)
      .where('payment_status', '=', 'requires_action')
      .executeTakeFirst()
    return result.numDeletedRows > 0n
  }

  /**
   * Books a slot for a roaming driver whose eMSP asked through the hub: the same rules, no card (the
   * eMSP pays the marketplace's CDR and bills its driver).
   */
  async bookForRoaming(
    listingId: string,
    start: string,
    end: string,
    booker: RoamingBooker,
  ): Promise<BookingRow> {
    const { row } = await this.#insert(listingId, start, end, {
      driver_id: null,
      roaming: JSON.stringify(booker),
    })
    const booking = { ...row, roaming: booker }
    await this.#changed(listingId, booking)
    return booking
  }

  /** The booking an eMSP asked for with `request_id`, if there is one. */
  async ofRoamingRequest(booker: Pick<RoamingBooker, 'country_code' | 'party_id' | 'request_id'>) {
    return this.#db
      .selectFrom('bookings')
      .select(BOOKING_COLUMNS)
      .where(sql<string>`roaming->>'country_code'`, '=', booker.country_code)
      .where(sql<string>`roaming->>'party_id'`, '=', booker.party_id)
      .where(sql<string>`roaming->>'request_id'`, '=', booker.request_id)
      .executeTakeFirst()
  }

  async #insert(
    listingId: string,
    startText: string,
    endText: string,
    who: { driver_id: string; roaming: null } | { driver_id: null; roaming: string },
    checkPrice: (priceMinor: number) => void = () => {},
  ) {
    const { start, end } = checkedSlot(startText, endText, this.#now())
    const length = end.getTime() - start.getTime()
    const listing = await this.#db
      .selectFrom('listings')
      .leftJoin('listing_schedules', 'listing_schedules.listing_id', 'listings.id')
      .leftJoin('booking_terms', 'booking_terms.listing_id', 'listings.id')
      .select(['listings.details', 'listing_schedules.schedule', 'booking_terms.terms'])
      .where('listings.id', '=', listingId)
      .executeTakeFirst()
    if (!listing) throw new BookingRefused(404, `There is no listing ${listingId}`)
    if (!listing.schedule || !listing.terms)
      throw new BookingRefused(409, 'This listing is not open for booking (no schedule or booking terms yet)')
    if (!scheduleOpensFor(listing.schedule, listing.details.time_zone, start, end))
      throw new BookingRefused(
        409,
        `The slot is outside the listing's opening hours (${listing.details.time_zone} time)`,
      )
    const priceMinor = minorUnits((listing.terms.price_per_hour * length) / (60 * MINUTE_MS))
    checkPrice(priceMinor)
    const row = {
      id: randomUUID(),
      listing_id: listingId,
      ...who,
      starts_at: start,
      ends_at: end,
      status: (listing.terms.instant_booking ? 'CONFIRMED' : 'PENDING') as BookingStatus,
      currency: this.#currency,
      price_minor: priceMinor,
      captured_minor: 0,
      payment_id: null,
      payment_status: null,
      created_at: this.#now(),
      settled_at: null,
    }
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.#db.insertInto('bookings').values(row).execute()
        return { row, details: listing.details }
      } catch (error) {
        if (isExclusionViolation(error))
          throw new BookingRefused(409, 'That slot is taken: another booking overlaps it')
        if (!isDeadlock(error) || attempt > DEADLOCK_RETRIES) throw error
      }
    }
  }

  /**
   * Holds the price on the card; a refused card frees the slot again. When the card's bank asks the
   * driver to authenticate, the booking waits (`payment_status`) and the client secret is returned.
   */
  async #authorise(
    row: { id: string; price_minor: number; starts_at: Date },
    paymentMethod: string,
    details: ListingDetails,
  ): Promise<string | undefined> {
    let authorisation: Authorisation
    try {
      authorisation = await this.#payments!.authorise({
        amountMinor: row.price_minor,
        currency: this.#currency,
        paymentMethod,
        description: `Booking ${row.id} at ${details.name}, ${DateTime.fromJSDate(row.starts_at, { zone: details.time_zone }).toFormat('yyyy-LL-dd HH:mm')}`,
        idempotencyKey: `booking-${row.id}`,
      })
    } catch (error) {
      await this.#db.deleteFrom('bookings').where('id', '=', row.id).execute()
      if (error instanceof PaymentRefused) throw new BookingRefused(402, `Payment refused: ${error.message}`)
      // The provider did not answer (an outage): a 503 to try again later, the slot free again.
      throw new BookingRefused(
        503,
        'The payment could not be made just now, so the slot was not booked: try again in a minute',
        { retryAfterSeconds: PAYMENT_RETRY_AFTER_SECONDS, cause: error },
      )
    }
    try {
      const clientSecret = authorisation.state === 'requires_action' ? authorisation.clientSecret : undefined
      await this.#db
        .updateTable('bookings')
        .set({
          payment_id: authorisation.paymentId,
          payment_status: clientSecret !== undefined ? 'requires_action' : null,
        })
        .where('id', '=', row.id)
        .execute()
      return clientSecret
    } catch (error) {
      await this.#db.deleteFrom('bookings').where('id', '=', row.id).execute()
      throw error
    }
  }

  /** The pending and confirmed bookings of a listing that end after `from`, by their start: times only. */
  async takenSlots(listingId: string, from: Date): Promise<{ starts_at: Date; ends_at: Date }[]> {
    return this.#db
      .selectFrom('bookings')
      .select(['starts_at', 'ends_at'])
      .where('listing_id', '=', listingId)
      .where('status', 'in', ['PENDING', 'CONFIRMED'])
      .where('ends_at', '>', from)
      .orderBy('starts_at')
      .execute()
  }

  /**
   * A bookable listing's opening periods, free and taken times for `days` local days from today in its
   * time zone, for anyone signed in; undefined when it has no schedule or terms (not open for booking).
   */
  async availability(listingId: string, days: number): Promise<Availability | undefined> {
    const listing = await this.#db
      .selectFrom('listings')
      .innerJoin('listing_schedules', 'listing_schedules.listing_id', 'listings.id')
      .innerJoin('booking_terms', 'booking_terms.listing_id', 'listings.id')
      .select(['listings.details', 'listing_schedules.schedule'])
      .where('listings.id', '=', listingId)
      .executeTakeFirst()
    if (!listing) return undefined
    const zone = listing.details.time_zone
    const now = this.#now()
    const periods = openPeriods(listing.schedule, zone, now, days)
    const until = DateTime.fromJSDate(now, { zone }).startOf('day').plus({ days }).toJSDate()
    const taken = (await this.takenSlots(listingId, now)).filter((slot) => slot.starts_at < until)
    const free = freePeriods(periods, taken, now)
    const interval = (begin: Date, end: Date) => ({ start: begin.toISOString(), end: end.toISOString() })
    const dateOf = (moment: Date) => DateTime.fromJSDate(moment, { zone }).toISODate() ?? ''
    const first = DateTime.fromJSDate(now, { zone }).startOf('day')
    return {
      time_zone: zone,
      days: Array.from({ length: days }, (_, index) => first.plus({ days: index }).toISODate() ?? '').map(
        (date) => ({
          date,
          open: periods.filter((p) => dateOf(p.begin) === date).map((p) => interval(p.begin, p.end)),
          free: free.filter((p) => dateOf(p.begin) === date).map((p) => interval(p.begin, p.end)),
        }),
      ),
      taken: taken.map((slot) => interval(slot.starts_at, slot.ends_at)),
    }
  }

  /** The driver's own bookings, newest slot first. */
  async ofDriver(driverId: string): Promise<Booking[]> {
    const rows = await this.#db
      .selectFrom('bookings')
      .select(BOOKING_COLUMNS)
      .where('driver_id', '=', driverId)
      .orderBy('starts_at', 'desc')
      .execute()
    return rows.map(bookingView)
  }

  /** The bookings of the owner's listing. */
  async ofListing(ownerId: string, listingId: string): Promise<Booking[]> {
    await this.#ownListing(ownerId, listingId)
    const rows = await this.#db
      .selectFrom('bookings')
      .select(BOOKING_COLUMNS)
      .where('listing_id', '=', listingId)
      // A booking waiting for its driver's authentication is not the owner's yet.
      .where('payment_status', 'is', null)
      .orderBy('starts_at')
      .execute()
    return rows.map(bookingView)
  }

  /** The owner accepts or declines a booking waiting for them; a decline releases the card. */
  async decide(ownerId: string, bookingId: string, accept: boolean): Promise<Booking> {
    const booking = await this.#db
      .selectFrom('bookings')
      .innerJoin('listings', 'listings.id', 'bookings.listing_id')
      .select(BOOKING_COLUMNS)
      .where('bookings.id', '=', bookingId)
      .where('listings.owner_id', '=', ownerId)
      .where('bookings.payment_status', 'is', null)
      .executeTakeFirst()
    if (!booking) throw new BookingRefused(404, `None of your listings has a booking ${bookingId}`)
    const status: BookingStatus = accept ? 'CONFIRMED' : 'DECLINED'
    if (!(await this.#transition(booking, 'PENDING', status)))
      throw new BookingRefused(409, `The booking is ${booking.status.toLowerCase()}: nothing to decide`)
    if (!accept) await this.#settle(booking, 0)
    const decided = { ...booking, status }
    await this.#changed(booking.listing_id, decided)
    return bookingView(decided)
  }

  /**
   * The driver cancels: free up to the owner's `free_cancellation_hours` before the slot, otherwise the
   * owner's cancellation fee (at most the price) is captured and the rest released.
   */
  async cancel(driverId: string, bookingId: string): Promise<Booking> {
    const booking = await this.#db
      .selectFrom('bookings')
      .select(BOOKING_COLUMNS)
      .where('id', '=', bookingId)
      .where('driver_id', '=', driverId)
      .executeTakeFirst()
    if (!booking) throw new BookingRefused(404, `You have no booking ${bookingId}`)
    if (booking.payment_status === 'requires_action') {
      if (!(await this.#giveUp(booking)))
        throw new BookingRefused(503, 'The payment could not be given up just now: try again in a minute', {
          retryAfterSeconds: PAYMENT_RETRY_AFTER_SECONDS,
        })
      return bookingView({ ...booking, status: 'CANCELLED', payment_status: null })
    }
    return this.cancelBooking(booking)
  }

  /** Cancels a booking by the rules of `cancel` (a roaming one's fee goes on the eMSP's CDR). */
  async cancelBooking(booking: BookingRow): Promise<Booking> {
    if (booking.status !== 'PENDING' && booking.status !== 'CONFIRMED')
      throw new BookingRefused(409, `The booking is ${booking.status.toLowerCase()}: nothing to cancel`)
    const terms = await this.terms(booking.listing_id)
    const now = this.#now()
    if (booking.starts_at <= now)
      throw new BookingRefused(409, 'The slot has begun: it can no longer be cancelled')
    const free =
      booking.status === 'PENDING' ||
      booking.starts_at.getTime() - now.getTime() >= (terms?.free_cancellation_hours ?? 0) * 60 * MINUTE_MS
    const feeMinor = free ? 0 : Math.min(minorUnits(terms?.cancellation_fee ?? 0), booking.price_minor)
    if (!(await this.#transition(booking, booking.status, 'CANCELLED', feeMinor)))
      throw new BookingRefused(409, 'The booking changed meanwhile: look at it again')
    await this.#settle(booking, feeMinor)
    const cancelled = { ...booking, status: 'CANCELLED' as const, captured_minor: feeMinor }
    await this.#changed(booking.listing_id, cancelled)
    return bookingView(cancelled)
  }

  /**
   * What the clock moves on: confirmed bookings whose slot ended are completed and their price captured;
   * bookings still waiting for the owner when their slot begins are declined; settlements that failed
   * (the payment provider away) are tried again; unmanaged chargers' EVSE status is PATCHed to the hub
   * when it changes.
   */
  async tick(): Promise<void> {
    const now = this.#now()
    const unconfirmed = await this.#db
      .selectFrom('bookings')
      .select(BOOKING_COLUMNS)
      .where('payment_status', '=', 'requires_action')
      .where('created_at', '<=', new Date(now.getTime() - PAYMENT_ACTION_LIMIT_MS))
      .execute()
    for (const booking of unconfirmed)
      if (await this.#giveUp(booking)) await this.#changed(booking.listing_id)
    const unsettled = await this.#db
      .selectFrom('bookings')
      .select(BOOKING_COLUMNS)
      .where('status', 'in', ['COMPLETED', 'CANCELLED', 'DECLINED'])
      .where('settled_at', 'is', null)
      .execute()
    for (const booking of unsettled) await this.#settle(booking, booking.captured_minor)
    const ended = await this.#db
      .selectFrom('bookings')
      .select(BOOKING_COLUMNS)
      .where('status', '=', 'CONFIRMED')
      .where('ends_at', '<=', now)
      .where('payment_status', 'is', null)
      .execute()
    for (const booking of ended)
      if (await this.#transition(booking, 'CONFIRMED', 'COMPLETED', booking.price_minor)) {
        await this.#settle(booking, booking.price_minor)
        await this.#changed(booking.listing_id, { ...booking, status: 'COMPLETED' })
      }
    const unanswered = await this.#db
      .selectFrom('bookings')
      .select(BOOKING_COLUMNS)
      .where('status', '=', 'PENDING')
      .where('starts_at', '<=', now)
      .where('payment_status', 'is', null)
      .execute()
    for (const booking of unanswered)
      if (await this.#transition(booking, 'PENDING', 'DECLINED')) {
        await this.#settle(booking, 0)
        await this.#changed(booking.listing_id, { ...booking, status: 'DECLINED' })
      }
    await this.#sendUnmanagedStatuses(now)
    for (const task of this.#tickTasks) await task()
  }

  async #sendUnmanagedStatuses(now: Date): Promise<void> {
    const unmanaged = await this.#db
      .selectFrom('booking_terms')
      .select(['listing_id', 'terms', 'evse_status_sent'])
      .where(sql<string>`terms->>'unmanaged'`, '=', 'true')
      .execute()
    for (const listing of unmanaged) {
      const slots = await this.#db
        .selectFrom('bookings')
        .select(['starts_at', 'ends_at'])
        .where('listing_id', '=', listing.listing_id)
        .where('status', 'in', ['CONFIRMED', 'COMPLETED'])
        .where('payment_status', 'is', null)
        .where('ends_at', '>', now)
        .where('starts_at', '<=', new Date(now.getTime() + RESERVED_LEAD_MS))
        .execute()
      const status = unmanagedEvseStatus(slots, now)
      if (status === listing.evse_status_sent) continue
      const outcome = await this.#hub.sendCpoObject(
        'PATCH',
        'locations',
        [listing.listing_id, evseUidOf(listing.listing_id)],
        {
          status,
          last_updated: now.toISOString(),
        },
      )
      // Queued: the outbox delivers it. Refused: the next tick tries again.
      if (outcome === 'delivered' || outcome.startsWith('queued'))
        await this.#db
          .updateTable('booking_terms')
          .set({ evse_status_sent: status })
          .where('listing_id', '=', listing.listing_id)
          .execute()
    }
  }

  /** Owners' earnings in one calendar month (UTC): the slots and fees captured in it, per booking. */
  async statement(ownerId: string, period: string): Promise<Statement> {
    const from = DateTime.fromISO(`${period}-01T00:00:00Z`, { zone: 'utc' })
    const rows = await this.#db
      .selectFrom('bookings')
      .innerJoin('listings', 'listings.id', 'bookings.listing_id')
      .select([...BOOKING_COLUMNS, 'bookings.settled_at'])
      .where('listings.owner_id', '=', ownerId)
      .where('bookings.captured_minor', '>', 0)
      .where('bookings.settled_at', '>=', from.toJSDate())
      .where('bookings.settled_at', '<', from.plus({ months: 1 }).toJSDate())
      .orderBy('bookings.settled_at')
      .execute()
    const lines = rows.map((row) => ({
      booking_id: row.id,
      listing_id: row.listing_id,
      start: row.starts_at.toISOString(),
      end: row.ends_at.toISOString(),
      kind: row.status === 'COMPLETED' ? ('SLOT' as const) : ('CANCELLATION_FEE' as const),
      amount: majorUnits(row.captured_minor),
      settled_at: row.settled_at!.toISOString(),
    }))
    const totalMinor = rows.reduce((sum, row) => sum + row.captured_minor, 0)
    return { period, currency: this.#currency, lines, total: majorUnits(totalMinor) }
  }

  /**
   * Moves a booking from one status to another, with what is due (captured when it is settled); false
   * when another request moved it first.
   */
  async #transition(
    booking: { id: string },
    from: BookingStatus,
    to: BookingStatus,
    dueMinor = 0,
  ): Promise<boolean> {
    const result = await this.#db
      .updateTable('bookings')
      .set({ status: to, captured_minor: dueMinor })
      .where('id', '=', booking.id)
      .where('status', '=', from)
      .executeTakeFirst()
    return result.numUpdatedRows > 0n
  }

  /**
   * Captures `amountMinor` of the booking's authorisation (nothing: releases it) and marks it settled.
   * When the provider fails, `settled_at` stays empty and the clock tries again; the idempotency key
   * makes a second try after a lost answer harmless.
   */
  async #settle(booking: { id: string; payment_id: string | null }, amountMinor: number): Promise<void> {
    if (booking.payment_id && this.#payments) {
      const idempotencyKey = `settle-${booking.id}`
      try {
        if (amountMinor > 0) await this.#payments.capture(booking.payment_id, amountMinor, idempotencyKey)
        else await this.#payments.release(booking.payment_id, idempotencyKey)
      } catch {
        // The provider is away or refused: left unsettled, the clock tries again; one booking's failure
        // holds up no other.
        return
      }
    }
    await this.#db
      .updateTable('bookings')
      .set({ settled_at: this.#now() })
      .where('id', '=', booking.id)
      .execute()
  }

  /** Throws 404 unless the member owns the listing (another owner's is not theirs to know of). */
  async #ownListing(ownerId: string, listingId: string): Promise<void> {
    const row = await this.#db
      .selectFrom('listings')
      .select('id')
      .where('id', '=', listingId)
      .where('owner_id', '=', ownerId)
      .executeTakeFirst()
    if (!row) throw new BookingRefused(404, `You have no listing ${listingId}`)
  }
}
