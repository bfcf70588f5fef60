import { randomUUID } from 'node:crypto'
import type { Selectable } from 'kysely'
import { Value } from '@sinclair/typebox/value'
import type { DriverTokens } from '../driving/driver-tokens.ts'
import { CommandResponse } from '../driving/driving-objects.ts'
import type { HubConnection } from '../hub/hub-connection.ts'
import { OcpiCallFailed } from '../hub/ocpi-client.ts'
import type { NetworkCatalogue } from '../network/catalogue.ts'
import type { CpoRef } from '../network/network-objects.ts'
import type { MarketplaceDb, MarketplaceTables, OcpiObject } from '../storage/store.ts'
import type { Booking, BookingRequest, BookingStatus } from './booking.schema.ts'
import { BookingRefused, checkedSlot, type Bookings } from './bookings.ts'
import { PushRefusal } from '../hub/ocpi-receiver.ts'

type NetworkBookingRow = Selectable<MarketplaceTables['network_bookings']>
export type ReservationCommand = 'RESERVE_NOW' | 'CANCEL_RESERVATION'

/**
 * RESERVE_NOW reserves from the moment the CPO takes it until `expiry_date` (OCPI has no later start):
 * a slot at a CPO without the Bookings module must begin within this long.
 */
export const RESERVE_NOW_LEAD_MS = 15 * 60_000

/** The marketplace status of each OCPI ReservationStatus (Bookings add-on 1.1) a CPO sends. */
const STATUS_OF_RESERVATION: Record<string, BookingStatus> = {
  PENDING: 'PENDING',
  RESERVED: 'CONFIRMED',
  FULFILLED: 'COMPLETED',
  CANCELED: 'CANCELLED',
  NO_SHOW: 'CANCELLED',
  REJECTED: 'DECLINED',
  FAILED: 'DECLINED',
}

/** Where a reservation's CommandResult arrives (its command's `response_url`, under /ocpi/2.3.0). */
export function reservationResultPath(bookingId: string, command: ReservationCommand): string {
  return `/sender/commands/reservations/${bookingId}/${command}`
}

/** The `reservation_status` of a CPO's Booking, in words for a refusal when it has none. */
function reservationStatusOf(booking: Record<string, unknown> | undefined): string {
  const status = booking?.['reservation_status']
  return typeof status === 'string' ? status : 'no ReservationStatus'
}

function refusedBy(cpo: CpoRef, what: string): string {
  return `${cpo.country_code}*${cpo.party_id} refused ${what}`
}

/**
 * The eMSP role's bookings: a marketplace driver books a slot at a roaming CPO's Location. A CPO that
 * publishes a BookingLocation there (the hub broadcasts it to this eMSP's Bookings RECEIVER) gets a
 * BookingRequest through the hub's Bookings module; any other CPO gets a RESERVE_NOW command through the
 * hub's Commands, and CANCEL_RESERVATION when the driver cancels. No card: the CPO bills the driver's
 * charge, and any booking fee, through its CDR to this eMSP.
 */
export class NetworkBookings {
  readonly #db: MarketplaceDb
  readonly #hub: HubConnection
  readonly #catalogue: NetworkCatalogue
  readonly #tokens: DriverTokens
  readonly #home: Pick<Bookings, 'book'>
  readonly #homeCpo: CpoRef
  readonly #emsp: CpoRef
  readonly #ocpiBase: string
  readonly #currency: string
  readonly #now: () => Date

  constructor(
    db: MarketplaceDb,
    hub: HubConnection,
    catalogue: NetworkCatalogue,
    tokens: DriverTokens,
    home: { bookings: Pick<Bookings, 'book'>; cpo: CpoRef },
    options: { emsp: CpoRef; ocpiBase: string; currency: string; now: () => Date },
  ) {
    this.#db = db
    this.#hub = hub
    this.#catalogue = catalogue
    this.#tokens = tokens
    this.#home = home.bookings
    this.#homeCpo = home.cpo
    this.#emsp = options.emsp
    this.#ocpiBase = options.ocpiBase
    this.#currency = options.currency
    this.#now = options.now
  }

  /**
   * Books the slot at the roaming CPO's Location: through its Bookings module, or with RESERVE_NOW; a
   * Location of the marketplace's own CPO is a home charger's listing, booked as one.
   */
  async book(memberId: string, request: BookingRequest): Promise<Booking> {
    const { country_code, party_id, location_id } = request
    if (country_code === undefined || party_id === undefined || location_id === undefined)
      throw new BookingRefused(400, 'listing_id, or country_code, party_id and location_id: required')
    const cpo = { country_code, party_id }
    // The marketplace's own Locations are home chargers' listings (the hub routes no platform to itself).
    if (country_code === this.#homeCpo.country_code && party_id === this.#homeCpo.party_id)
      return this.#home.book(memberId, { ...request, listing_id: location_id })
    const now = this.#now()
    const { start, end } = checkedSlot(request.start, request.end, now)
    const location = await this.#catalogue.location(cpo, location_id)
    if (!location) throw new BookingRefused(404, `The network has no location ${location_id} of ${party_id}`)
    if (request.evse_uid !== undefined && !location.evses?.some((evse) => evse.uid === request.evse_uid))
      throw new BookingRefused(404, `Location ${location_id} has no EVSE ${request.evse_uid}`)
    const bookingLocation = await this.#bookingLocation(cpo, location_id, request.evse_uid)
    if (!bookingLocation && start.getTime() - now.getTime() > RESERVE_NOW_LEAD_MS)
      throw new BookingRefused(
        409,
        `${country_code}*${party_id} takes no bookings ahead (it offers no Bookings module): it only ` +
          'reserves from now on (RESERVE_NOW), so the slot must begin within 15 minutes',
      )
    const row: NetworkBookingRow = {
      id: randomUUID(),
      member_id: memberId,
      cpo_country_code: country_code,
      cpo_party_id: party_id,
      location_id,
      evse_uid: request.evse_uid ?? null,
      via: bookingLocation ? 'BOOKINGS' : 'RESERVE_NOW',
      cpo_booking_id: null,
      status: 'PENDING',
      status_reason: null,
      starts_at: start,
      ends_at: end,
      created_at: now,
      updated_at: now,
    }
    const { token } = await this.#tokens.ofMember(memberId)
    // Kept first: the CPO's answer or result may come back before the request returns.
    await this.#db.insertInto('network_bookings').values(row).execute()
    try {
      if (bookingLocation) {
        const answer = await this.#call(cpo, 'bookings', 'SENDER', '', {
          ...this.#bookingRequest(row, token),
          booking_location_id: bookingLocation.id,
        })
        const reservationStatus = reservationStatusOf(answer)
        const status = STATUS_OF_RESERVATION[reservationStatus]
        if (status !== 'PENDING' && status !== 'CONFIRMED')
          throw new BookingRefused(409, refusedBy(cpo, `the booking: ${reservationStatus}`))
        const cpoBookingId = typeof answer?.['id'] === 'string' ? answer['id'] : null
        await this.#set(row.id, { status, cpo_booking_id: cpoBookingId })
      } else {
        const answer = await this.#call(cpo, 'commands', 'RECEIVER', '/RESERVE_NOW', {
          response_url: `${this.#ocpiBase}${reservationResultPath(row.id, 'RESERVE_NOW')}`,
          token,
          expiry_date: end.toISOString(),
          reservation_id: row.id,
          location_id,
          ...(request.evse_uid !== undefined && { evse_uid: request.evse_uid }),
          authorization_reference: row.id,
        })
        const result = Value.Check(CommandResponse, answer) ? answer.result : 'no CommandResponse'
        if (result !== 'ACCEPTED') throw new BookingRefused(409, refusedBy(cpo, `the reservation: ${result}`))
      }
    } catch (error) {
      await this.#db.deleteFrom('network_bookings').where('id', '=', row.id).execute()
      throw error
    }
    return (await this.one(memberId, row.id))!
  }

  /** Cancels the driver's booking at the CPO: a cancelling BookingRequest, or CANCEL_RESERVATION. */
  async cancel(memberId: string, id: string): Promise<Booking> {
    const row = await this.#row(memberId, id)
    if (!row) throw new BookingRefused(404, `You have no booking ${id}`)
    if (row.status !== 'PENDING' && row.status !== 'CONFIRMED')
      throw new BookingRefused(409, `The booking is ${row.status.toLowerCase()}: nothing to cancel`)
    const cpo = { country_code: row.cpo_country_code, party_id: row.cpo_party_id }
    if (row.via === 'BOOKINGS') {
      const { token } = await this.#tokens.ofMember(memberId)
      const answer = await this.#call(cpo, 'bookings', 'SENDER', '', {
        ...this.#bookingRequest(row, token),
        canceled: { cancellation_reason: 'DRIVER_CANCELED' },
      })
      if (reservationStatusOf(answer) !== 'CANCELED')
        throw new BookingRefused(
          409,
          refusedBy(cpo, `the cancellation: the booking is ${reservationStatusOf(answer)}`),
        )
    } else {
      const answer = await this.#call(cpo, 'commands', 'RECEIVER', '/CANCEL_RESERVATION', {
        response_url: `${this.#ocpiBase}${reservationResultPath(row.id, 'CANCEL_RESERVATION')}`,
        reservation_id: row.id,
      })
      const result = Value.Check(CommandResponse, answer) ? answer.result : 'no CommandResponse'
      if (result !== 'ACCEPTED') throw new BookingRefused(409, refusedBy(cpo, `the cancellation: ${result}`))
    }
    await this.#set(row.id, { status: 'CANCELLED', status_reason: 'Cancelled by the driver' })
    return (await this.one(memberId, id))!
  }

  /** A CPO's CommandResult for a reservation's command; false when there is no such booking. */
  async commandResult(id: string, command: ReservationCommand, result: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('network_bookings')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    if (!row) return false
    if (command === 'CANCEL_RESERVATION') {
      // The CPO did not cancel after all: the reservation stands, and the driver reads why.
      if (result !== 'ACCEPTED')
        await this.#set(id, { status: 'CONFIRMED', status_reason: `The CPO did not cancel: ${result}` }, [
          'CANCELLED',
        ])
      return true
    }
    if (result === 'ACCEPTED') await this.#set(id, { status: 'CONFIRMED' }, ['PENDING'])
    else if (result === 'CANCELED_RESERVATION')
      await this.#set(id, { status: 'CANCELLED', status_reason: 'The CPO cancelled the reservation' }, [
        'PENDING',
        'CONFIRMED',
      ])
    else
      await this.#set(id, { status: 'DECLINED', status_reason: `The charger did not reserve: ${result}` }, [
        'PENDING',
      ])
    return true
  }

  /** A CPO's PUT or PATCH of one of the drivers' Bookings (its later decision, a fulfilled slot). */
  async updateFromCpo(cpo: CpoRef, cpoBookingId: string, body: OcpiObject): Promise<void> {
    const row = await this.#db
      .selectFrom('network_bookings')
      .select(['id', 'status'])
      .where('cpo_country_code', '=', cpo.country_code)
      .where('cpo_party_id', '=', cpo.party_id)
      .where('cpo_booking_id', '=', cpoBookingId)
      .executeTakeFirst()
    if (!row) throw new PushRefusal(2003, `Unknown booking ${cpoBookingId}`)
    if (body['reservation_status'] === undefined) return
    const reservationStatus = reservationStatusOf(body)
    const status = STATUS_OF_RESERVATION[reservationStatus]
    if (!status)
      throw new PushRefusal(2001, `reservation_status: ${reservationStatus} is not a ReservationStatus`)
    const reason =
      reservationStatus === 'RESERVED' || reservationStatus === 'PENDING' || reservationStatus === 'FULFILLED'
        ? null
        : `The CPO says ${reservationStatus}`
    await this.#set(row.id, { status, status_reason: reason })
  }

  /** A BookingLocation the hub broadcast (PUT), or a change of one (PATCH). */
  async writeBookingLocation(
    cpo: CpoRef,
    id: string,
    method: 'PUT' | 'PATCH',
    body: OcpiObject,
  ): Promise<void> {
    const existing = await this.#db
      .selectFrom('network_booking_locations')
      .select('object')
      .where('country_code', '=', cpo.country_code)
      .where('party_id', '=', cpo.party_id)
      .where('id', '=', id)
      .executeTakeFirst()
    if (method === 'PATCH' && !existing) throw new PushRefusal(2003, `Unknown BookingLocation ${id}`)
    const merged = method === 'PUT' ? body : { ...existing!.object, ...body }
    if (
      merged['id'] !== id ||
      merged['country_code'] !== cpo.country_code ||
      merged['party_id'] !== cpo.party_id
    )
      throw new PushRefusal(2001, "The BookingLocation's country_code, party_id and id differ from the URL's")
    if (typeof merged['location_id'] !== 'string')
      throw new PushRefusal(2001, 'BookingLocation: location_id is required')
    const values = {
      country_code: cpo.country_code,
      party_id: cpo.party_id,
      id,
      location_id: merged['location_id'],
      object: JSON.stringify(merged),
      received_at: this.#now(),
    }
    await this.#db
      .insertInto('network_booking_locations')
      .values(values)
      .onConflict((oc) => oc.columns(['country_code', 'party_id', 'id']).doUpdateSet(values))
      .execute()
  }

  /** Reservations whose slot ended are completed (the CPO sends no word on a RESERVE_NOW's end). */
  async tick(): Promise<void> {
    await this.#db
      .updateTable('network_bookings')
      .set({ status: 'COMPLETED', updated_at: this.#now() })
      .where('via', '=', 'RESERVE_NOW')
      .where('status', '=', 'CONFIRMED')
      .where('ends_at', '<=', this.#now())
      .execute()
  }

  /** The member's bookings at roaming CPOs. */
  async ofMember(memberId: string): Promise<Booking[]> {
    const rows = await this.#db
      .selectFrom('network_bookings')
      .selectAll()
      .where('member_id', '=', memberId)
      .execute()
    return rows.map((row) => this.#view(row))
  }

  /** Undefined when the member has no such booking (another member's is not theirs to know of). */
  async one(memberId: string, id: string): Promise<Booking | undefined> {
    const row = await this.#row(memberId, id)
    return row && this.#view(row)
  }

  async #row(memberId: string, id: string): Promise<NetworkBookingRow | undefined> {
    return this.#db
      .selectFrom('network_bookings')
      .selectAll()
      .where('id', '=', id)
      .where('member_id', '=', memberId)
      .executeTakeFirst()
  }

  /** The CPO's BookingLocation at the Location (at the EVSE, when one is asked for), if it sent one. */
  async #bookingLocation(cpo: CpoRef, locationId: string, evseUid: string | undefined) {
    const rows = await this.#db
      .selectFrom('network_booking_locations')
      .select(['id', 'object'])
      .where('country_code', '=', cpo.country_code)
      .where('party_id', '=', cpo.party_id)
      .where('location_id', '=', locationId)
      .orderBy('id')
      .execute()
    const evseOf = (object: OcpiObject) =>
      (object['booking_option'] as { evse_uid?: unknown } | undefined)?.evse_uid
    return evseUid === undefined
      ? rows[0]
      : rows.find((row) => evseOf(row.object) === evseUid || evseOf(row.object) === undefined)
  }

  /** A BookingRequest (Booking 1.1) for the row's slot, with the driver's token. */
  #bookingRequest(row: NetworkBookingRow, token: { uid: string; type: string; contract_id: string }) {
    return {
      ...this.#emsp,
      request_id: row.id,
      location_id: row.location_id,
      ...(row.evse_uid !== null && { booking_option: { evse_uid: row.evse_uid } }),
      tokens: [{ ...this.#emsp, uid: token.uid, type: token.type, contract_id: token.contract_id }],
      period: { start_date_time: row.starts_at.toISOString(), end_date_time: row.ends_at.toISOString() },
      authorization_reference: row.id,
    }
  }

  /**
   * Calls the hub for the CPO `to`. An OCPI refusal (2xxx) is the CPO's or the hub's word about the
   * request: 409 with it; no answer or a server error: 502.
   */
  async #call(
    to: CpoRef,
    module: 'bookings' | 'commands',
    role: 'SENDER' | 'RECEIVER',
    path: string,
    body: Record<string, unknown>,
  ): Promise<Record<string, unknown> | undefined> {
    try {
      const answer = await this.#hub.callAsEmsp(module, role, path, { method: 'POST', body, to })
      return typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>) : undefined
    } catch (error) {
      if (!(error instanceof OcpiCallFailed)) throw error
      if (error.statusCode !== undefined && error.statusCode >= 2000 && error.statusCode < 3000)
        // The OCPI status alone: the call's words name the hub's URLs, which are not the driver's business.
        throw new BookingRefused(409, refusedBy(to, `the request (OCPI status ${error.statusCode})`))
      // The call's words (the hub's URLs, its answer) go to the operator's log as the cause.
      throw new BookingRefused(
        502,
        `The request did not reach ${to.country_code}*${to.party_id}: the hub or the CPO did not answer. Try again later.`,
        { cause: error },
      )
    }
  }

  async #set(
    id: string,
    change: Partial<Pick<NetworkBookingRow, 'status' | 'status_reason' | 'cpo_booking_id'>>,
    from?: BookingStatus[],
  ): Promise<void> {
    let update = this.#db
      .updateTable('network_bookings')
      .set({ ...change, updated_at: this.#now() })
      .where('id', '=', id)
    if (from) update = update.where('status', 'in', from)
    await update.execute()
  }

  #view(row: NetworkBookingRow): Booking {
    return {
      id: row.id,
      country_code: row.cpo_country_code,
      party_id: row.cpo_party_id,
      location_id: row.location_id,
      ...(row.evse_uid !== null && { evse_uid: row.evse_uid }),
      via: row.via,
      start: row.starts_at.toISOString(),
      end: row.ends_at.toISOString(),
      status: row.status,
      ...(row.status_reason !== null && { status_reason: row.status_reason }),
      currency: this.#currency,
      price: 0,
      charged: 0,
    }
  }
}
