import { randomUUID } from 'node:crypto'
import type { HubOutbox } from '../hub/hub-outbox.ts'
import { amount, cdrLocation } from '../chargers/charging-sessions.ts'
import { evseUidOf } from '../listings/ocpi-objects.ts'
import type { MarketplaceDb } from '../storage/store.ts'
import type { BookingStatus, OcpiBookingRequest, RoamingBooker } from './booking.schema.ts'
import { majorUnits } from '../payments/payment-provider.ts'
import { BookingRefused, type BookingChange, type BookingRow, type Bookings } from './bookings.ts'
import { freePeriods, openPeriods } from './schedule.ts'

/** How far ahead the BookingLocation's Calendar offers free timeslots. */
const CALENDAR_DAYS = 14
const SLOT_STEP_MINUTES = 15

/** OCPI ReservationStatus (Bookings add-on 1.1) of each marketplace booking status. */
const RESERVATION_STATUS: Record<BookingStatus, string> = {
  PENDING: 'PENDING',
  CONFIRMED: 'RESERVED',
  DECLINED: 'REJECTED',
  CANCELLED: 'CANCELED',
  COMPLETED: 'FULFILLED',
}

/** The answer to the hub: an OCPI status code, its words, and the Booking. */
export interface RoamingAnswer {
  readonly status_code: number
  readonly status_message?: string
  readonly data?: Record<string, unknown>
}

/**
 * The marketplace CPO's side of the hub's Bookings module (docs/modules/bookings.md, Booking 1.1): each
 * bookable listing is a BookingLocation with a Calendar of free timeslots, PUT to the hub; eMSPs' roaming
 * drivers book through the hub, which POSTs their BookingRequests to the marketplace's bookings SENDER
 * interface; later changes (the owner's decision, a completed slot) are PATCHed to the hub.
 */
export class RoamingBookings {
  readonly #db: MarketplaceDb
  readonly #bookings: Bookings
  readonly #hub: Pick<HubOutbox, 'sendCpoObject' | 'deliver'>
  readonly #cpo: { readonly country_code: string; readonly party_id: string }
  readonly #now: () => Date

  constructor(
    db: MarketplaceDb,
    bookings: Bookings,
    hub: Pick<HubOutbox, 'sendCpoObject' | 'deliver'>,
    options: { cpo: { country_code: string; party_id: string }; now: () => Date },
  ) {
    this.#db = db
    this.#bookings = bookings
    this.#hub = hub
    this.#cpo = options.cpo
    this.#now = options.now
    bookings.onChange((change) => this.#changed(change))
  }

  /** A BookingRequest the hub forwarded: a new booking, a repeat of one, or its cancellation (`canceled`). */
  async request(request: OcpiBookingRequest): Promise<RoamingAnswer> {
    const booker: RoamingBooker = {
      country_code: request.country_code,
      party_id: request.party_id,
      request_id: request.request_id,
      authorization_reference: request.authorization_reference,
      tokens: request.tokens ?? request.booking_tokens ?? [],
    }
    const existing = await this.#bookings.ofRoamingRequest(booker)
    if (request.canceled !== undefined) {
      if (!existing)
        return { status_code: 2003, status_message: `No booking of request ${request.request_id}` }
      try {
        const cancelled = await this.#bookings.cancelBooking(existing)
        return { status_code: 1000, data: this.#booking({ ...existing, status: cancelled.status }) }
      } catch (error) {
        if (!(error instanceof BookingRefused)) throw error
        return { status_code: 2001, status_message: error.message, data: this.#booking(existing) }
      }
    }
    // The same request again (a retry): the booking it made. Changing a booking is not offered.
    if (existing) return { status_code: 1000, data: this.#booking(existing) }
    try {
      const booked = await this.#bookings.bookForRoaming(
        request.location_id,
        request.period.start_date_time,
        request.period.end_date_time,
        booker,
      )
      return { status_code: 1000, data: this.#booking(booked) }
    } catch (error) {
      if (!(error instanceof BookingRefused)) throw error
      if (error.statusCode === 404) return { status_code: 2003, status_message: error.message }
      if (error.statusCode !== 409) return { status_code: 2001, status_message: error.message }
      // Taken or outside the opening hours: a Booking that says REJECTED, which the marketplace keeps not.
      return {
        status_code: 1000,
        status_message: error.message,
        data: {
          id: randomUUID(),
          ...this.#cpo,
          request_id: request.request_id,
          location_id: request.location_id,
          period: request.period,
          booking_tokens: booker.tokens,
          authorization_reference: request.authorization_reference,
          reservation_status: 'REJECTED',
          last_updated: this.#now().toISOString(),
        },
      }
    }
  }

  /** The listing's BookingLocation again (its free timeslots changed), and a roaming booking's new status. */
  async #changed(change: BookingChange): Promise<void> {
    await this.#publishLocation(change.listingId)
    const booking = change.booking
    if (booking?.roaming) {
      await this.#hub.sendCpoObject('PATCH', 'bookings', [booking.id], {
        reservation_status: RESERVATION_STATUS[booking.status],
        last_updated: this.#now().toISOString(),
      })
      if (booking.status === 'COMPLETED') await this.#slotCharged(booking, booking.roaming)
    }
  }

  /**
   * At an unmanaged charger the booked slot is the session: once it is over, its Session and CDR go to the
   * roaming driver's eMSP, priced at the slot's price as reservation time, since roaming drivers pay
   * through their own eMSP (managed chargers send theirs from the charger's meter values).
   */
  async #slotCharged(booking: BookingRow, booker: RoamingBooker): Promise<void> {
    const listing = await this.#db
      .selectFrom('listings')
      .innerJoin('booking_terms', 'booking_terms.listing_id', 'listings.id')
      .select(['listings.details', 'booking_terms.terms'])
      .where('listings.id', '=', booking.listing_id)
      .executeTakeFirst()
    if (!listing?.terms.unmanaged) return
    const to = { country_code: booker.country_code, party_id: booker.party_id }
    const token = (booker.tokens[0] ?? {}) as Record<string, unknown>
    const uid = typeof token['uid'] === 'string' ? token['uid'] : booker.authorization_reference
    const cdr_token = {
      ...to,
      uid,
      type: typeof token['type'] === 'string' ? token['type'] : 'APP_USER',
      contract_id: typeof token['contract_id'] === 'string' ? token['contract_id'] : uid,
    }
    const hours = amount((booking.ends_at.getTime() - booking.starts_at.getTime()) / 3_600_000)
    const price = { before_taxes: majorUnits(booking.price_minor) }
    const details = listing.details
    const common = {
      ...this.#cpo,
      start_date_time: booking.starts_at.toISOString(),
      end_date_time: booking.ends_at.toISOString(),
      cdr_token,
      auth_method: 'WHITELIST',
      authorization_reference: booker.authorization_reference,
      currency: booking.currency,
      last_updated: this.#now().toISOString(),
    }
    await this.#hub.deliver({
      module: 'sessions',
      method: 'PUT',
      path: `/${this.#cpo.country_code}/${this.#cpo.party_id}/${encodeURIComponent(booking.id)}`,
      body: {
        ...common,
        id: booking.id,
        kwh: 0,
        location_id: booking.listing_id,
        evse_uid: evseUidOf(booking.listing_id),
        connector_id: '1',
        total_cost: price,
        status: 'COMPLETED',
      },
      to,
    })
    await this.#hub.deliver({
      module: 'cdrs',
      method: 'POST',
      path: '',
      body: {
        ...common,
        id: booking.id,
        session_id: booking.id,
        cdr_location: cdrLocation(this.#cpo, booking.listing_id, details, 1),
        charging_periods: [
          {
            start_date_time: booking.starts_at.toISOString(),
            dimensions: [{ type: 'RESERVATION_TIME', volume: hours }],
          },
        ],
        total_cost: price,
        total_energy: 0,
        total_time: hours,
        total_reservation_cost: price,
      },
      to,
    })
  }

  /** PUTs the listing's BookingLocation, once it has a schedule and booking terms. */
  async #publishLocation(listingId: string): Promise<void> {
    const listing = await this.#db
      .selectFrom('listings')
      .innerJoin('listing_schedules', 'listing_schedules.listing_id', 'listings.id')
      .innerJoin('booking_terms', 'booking_terms.listing_id', 'listings.id')
      .select(['listings.details', 'listing_schedules.schedule', 'booking_terms.terms'])
      .where('listings.id', '=', listingId)
      .executeTakeFirst()
    if (!listing) return
    const now = this.#now()
    const periods = openPeriods(listing.schedule, listing.details.time_zone, now, CALENDAR_DAYS)
    const taken = await this.#bookings.takenSlots(listingId, now)
    const last_updated = now.toISOString()
    await this.#hub.sendCpoObject('PUT', 'bookings', ['booking_locations', listingId], {
      ...this.#cpo,
      id: listingId,
      location_id: listingId,
      booking_option: { evse_uid: `${listingId}-1` },
      tariff_ids: [listingId],
      booking_terms: {
        cancel_until_minutes: listing.terms.free_cancellation_hours * 60,
        change_not_allowed: true,
        overlapping_bookings_allowed: false,
      },
      calendars: [
        {
          id: '1',
          begin_from: now.toISOString(),
          end_before: new Date(now.getTime() + CALENDAR_DAYS * 86_400_000).toISOString(),
          timeslot_increment: SLOT_STEP_MINUTES,
          available_timeslots: freePeriods(periods, taken, now).map(({ begin, end }) => ({
            start_date_time: begin.toISOString(),
            end_date_time: end.toISOString(),
          })),
          last_updated,
        },
      ],
      last_updated,
    })
  }

  #booking(row: BookingRow): Record<string, unknown> {
    return {
      id: row.id,
      ...this.#cpo,
      request_id: row.roaming?.request_id,
      location_id: row.listing_id,
      booking_option: { evse_uid: `${row.listing_id}-1` },
      period: { start_date_time: row.starts_at.toISOString(), end_date_time: row.ends_at.toISOString() },
      booking_tokens: row.roaming?.tokens ?? [],
      authorization_reference: row.roaming?.authorization_reference,
      reservation_status: RESERVATION_STATUS[row.status],
      last_updated: this.#now().toISOString(),
    }
  }
}
