import { Type, type Static } from '@sinclair/typebox'
import {
  CiString,
  CountryCode,
  DateTime,
  OcpiString,
  Optional,
  PartyId,
  PatchOf,
} from '../../core/ocpi-types.schema.ts'

/**
 * BookingLocation and Calendar of the Bookings add-on, Booking 1.1 (mod_bookings of
 * 2.3.0/release/bookings; docs/modules/bookings.md). The hub checks what it routes and stores by: the
 * owner, the ids, `last_updated`. The draft's nested classes (BookingOption, Policy, BookingTerms,
 * Timeslot) are passed on as sent: the draft's own examples break them (`formats` for `connector_format`,
 * a string `evse_position`, times like `08:59:99Z`), and the hub interprets none of their fields.
 */

/** A class of the draft the hub passes on without interpreting it: any JSON object. */
const PassedOnClass = Type.Object({})

export const Calendar = Type.Object({
  id: CiString(36),
  // Loose: the draft's examples write times the DateTime type refuses (`2025-03-23T23:59:99Z`).
  begin_from: OcpiString(25),
  end_before: OcpiString(25),
  timeslot_increment: Optional(Type.Integer({ minimum: 0 })),
  available_timeslots: Type.Array(PassedOnClass),
  last_updated: DateTime,
})
export type Calendar = Static<typeof Calendar>

export const CalendarPatch = PatchOf(Calendar)
export type CalendarPatch = Static<typeof CalendarPatch>

export const BookingLocation = Type.Object({
  country_code: CountryCode,
  party_id: PartyId,
  id: CiString(36),
  location_id: CiString(36),
  booking_option: Optional(PassedOnClass),
  policy: Optional(PassedOnClass),
  tariff_ids: Optional(Type.Array(CiString(36))),
  booking_terms: Optional(PassedOnClass),
  calendars: Optional(Type.Array(Calendar)),
  last_updated: DateTime,
})
export type BookingLocation = Static<typeof BookingLocation>

export const BookingLocationPatch = PatchOf(BookingLocation)
export type BookingLocationPatch = Static<typeof BookingLocationPatch>

/** BookingToken: a token of the requesting eMSP the booking may be used with. */
export const BookingToken = Type.Object({
  country_code: CountryCode,
  party_id: PartyId,
  uid: CiString(36),
  type: OcpiString(255),
  contract_id: CiString(36),
})
export type BookingToken = Static<typeof BookingToken>

/**
 * BookingRequest: an eMSP asks the CPO of a BookingLocation for a slot, or changes or cancels (`canceled`)
 * its booking with the same `request_id`. Loose: the draft's examples name the tokens `booking_tokens`
 * as in a Booking, and 1.0 senders send no `booking_location_id` (read as 1.1 first: booking-1-0.ts).
 */
export const BookingRequest = Type.Object({
  country_code: CountryCode,
  party_id: PartyId,
  request_id: CiString(36),
  location_id: CiString(36),
  booking_location_id: Optional(CiString(36)),
  booking_option: Optional(PassedOnClass),
  tokens: Optional(Type.Array(BookingToken)),
  booking_tokens: Optional(Type.Array(BookingToken)),
  period: PassedOnClass,
  authorization_reference: CiString(36),
  canceled: Optional(PassedOnClass),
})
export type BookingRequest = Static<typeof BookingRequest>

/** Booking: the CPO's answer to a BookingRequest and what it pushes later. The hub routes by its ids. */
export const Booking = Type.Object({
  id: CiString(36),
  country_code: CountryCode,
  party_id: PartyId,
  request_id: CiString(36),
  location_id: CiString(36),
  booking_tokens: Optional(Type.Array(BookingToken)),
  reservation_status: OcpiString(255),
  last_updated: DateTime,
})
export type Booking = Static<typeof Booking>

export const BookingPatch = PatchOf(Booking)
export type BookingPatch = Static<typeof BookingPatch>
