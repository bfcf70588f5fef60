import { Type, type Static } from '@sinclair/typebox'

/** How a listing is booked, set by its owner. */
export const BookingTerms = Type.Object(
  {
    instant_booking: Type.Boolean({ description: 'false: the owner accepts or declines each booking' }),
    price_per_hour: Type.Number({
      minimum: 0,
      maximum: 100,
      description: 'Price of a booked slot per hour, in the currency of the marketplace',
    }),
    free_cancellation_hours: Type.Integer({
      minimum: 0,
      maximum: 720,
      description: 'A driver who cancels at least this many hours before the slot pays nothing',
    }),
    cancellation_fee: Type.Number({
      minimum: 0,
      maximum: 100,
      description: 'What a later cancellation costs (at most the price of the slot)',
    }),
    unmanaged: Type.Boolean({
      default: false,
      description:
        'No connection to the charger: the booked slot is the session, its status comes from bookings',
    }),
  },
  { additionalProperties: false },
)
export type BookingTerms = Static<typeof BookingTerms>

export const BOOKING_STATUSES = ['PENDING', 'CONFIRMED', 'DECLINED', 'CANCELLED', 'COMPLETED'] as const
export type BookingStatus = (typeof BOOKING_STATUSES)[number]

/** RFC 3339 with a zone (`Z` or an offset): a slot is an instant, whatever the driver's time zone. */
const Instant = Type.String({
  format: 'date-time',
  pattern: '(Z|z|[+-]\\d{2}:\\d{2})$',
  description: 'RFC 3339 date-time with Z or an offset',
})

/** Where a roaming CPO's slot is: a Location of the network catalogue and, optionally, one EVSE. */
const NetworkPlace = {
  country_code: Type.Optional(
    Type.String({ pattern: '^[A-Z]{2}$', description: "A roaming CPO's country code" }),
  ),
  party_id: Type.Optional(Type.String({ pattern: '^[A-Z0-9]{3}$', description: "A roaming CPO's party id" })),
  location_id: Type.Optional(Type.String({ minLength: 1, maxLength: 36 })),
  evse_uid: Type.Optional(Type.String({ minLength: 1, maxLength: 36 })),
}

/** A slot at a home charger (`listing_id`) or at a roaming CPO's Location (`country_code`, `party_id`, `location_id`). */
export const BookingRequest = Type.Object(
  {
    listing_id: Type.Optional(Type.String({ pattern: '^[0-9a-f]{32}$' })),
    ...NetworkPlace,
    start: Instant,
    end: Instant,
    payment_method: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: "The card's payment method id (Stripe)" }),
    ),
  },
  { additionalProperties: false },
)
export type BookingRequest = Static<typeof BookingRequest>

/** How a booking at a roaming CPO was made: the hub's Bookings module, or a RESERVE_NOW command. */
export const NETWORK_BOOKING_WAYS = ['BOOKINGS', 'RESERVE_NOW'] as const

export const Booking = Type.Object({
  id: Type.String(),
  listing_id: Type.Optional(Type.String({ description: 'A home charger: its listing' })),
  country_code: Type.Optional(Type.String({ description: 'A roaming CPO: its country code' })),
  party_id: Type.Optional(Type.String({ description: 'A roaming CPO: its party id' })),
  location_id: Type.Optional(Type.String({ description: "A roaming CPO: its Location's id" })),
  evse_uid: Type.Optional(Type.String({ description: 'A roaming CPO: the EVSE, when one was asked for' })),
  via: Type.Optional(
    Type.Union(
      NETWORK_BOOKING_WAYS.map((way) => Type.Literal(way)),
      { description: "A roaming CPO: booked through the hub's Bookings module or reserved with RESERVE_NOW" },
    ),
  ),
  start: Type.String(),
  end: Type.String(),
  status: Type.Union(BOOKING_STATUSES.map((status) => Type.Literal(status))),
  status_reason: Type.Optional(
    Type.String({ description: 'Why a roaming booking was declined or cancelled' }),
  ),
  currency: Type.String(),
  price: Type.Number({
    description: 'What the card is authorised for (0 at a roaming CPO, which bills through its CDR)',
  }),
  charged: Type.Number({ description: 'What was captured: the price, a cancellation fee, or 0' }),
  payment: Type.Optional(
    Type.Object(
      {
        status: Type.Literal('requires_action'),
        client_secret: Type.Optional(
          Type.String({
            description: "The PaymentIntent's, for Stripe.js's handleNextAction (in the 202 only)",
          }),
        ),
      },
      {
        description:
          "Only while the card's bank asks the driver to authenticate (3-D Secure): the slot is kept for 15 minutes, until POST /api/bookings/{id}/payment/confirm",
      },
    ),
  ),
})
export type Booking = Static<typeof Booking>

/** How many local days from today a listing's availability covers. */
export const AvailabilityQuery = Type.Object(
  { days: Type.Optional(Type.Integer({ minimum: 1, maximum: 31, default: 14 })) },
  { additionalProperties: false },
)

const Interval = Type.Object({ start: Type.String(), end: Type.String() })

/**
 * When a listing can be booked: its opening periods per local day of its time zone, the free parts of them
 * (after now, outside every booking) and the booked (taken) intervals, without who booked them.
 */
export const Availability = Type.Object({
  time_zone: Type.String({ description: "The listing's IANA time zone: the days are its local dates" }),
  days: Type.Array(
    Type.Object({
      date: Type.String({ description: 'Local date YYYY-MM-DD' }),
      open: Type.Array(Interval, { description: 'The opening periods of the day (instants)' }),
      free: Type.Array(Interval, { description: 'The parts of them that can still be booked' }),
    }),
  ),
  taken: Type.Array(Interval, { description: 'Pending and confirmed bookings in these days' }),
})
export type Availability = Static<typeof Availability>

export const BookingId = Type.Object({ id: Type.String({ format: 'uuid' }) })

export const StatementLine = Type.Object({
  booking_id: Type.String(),
  listing_id: Type.String(),
  start: Type.String(),
  end: Type.String(),
  kind: Type.Union([Type.Literal('SLOT'), Type.Literal('CANCELLATION_FEE')]),
  amount: Type.Number(),
  settled_at: Type.String(),
})

/** An owner's earnings in one calendar month (UTC), from the payments captured in it. */
export const Statement = Type.Object({
  period: Type.String(),
  currency: Type.String(),
  lines: Type.Array(StatementLine),
  total: Type.Number(),
})
export type Statement = Static<typeof Statement>

export const StatementQuery = Type.Object({
  period: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'Calendar month YYYY-MM (UTC)' }),
})

/** Who asked for a roaming driver's booking: the eMSP, its request id, and the tokens it may be used with. */
export const RoamingBooker = Type.Object({
  country_code: Type.String(),
  party_id: Type.String(),
  request_id: Type.String(),
  authorization_reference: Type.String(),
  tokens: Type.Array(Type.Unknown()),
})
export type RoamingBooker = Static<typeof RoamingBooker>

/** OCPI Bookings add-on 1.1: the parts of a BookingRequest the marketplace CPO reads. */
export const OcpiBookingRequest = Type.Object({
  country_code: Type.String({ pattern: '^[A-Z]{2}$' }),
  party_id: Type.String({ pattern: '^[A-Z0-9]{3}$' }),
  request_id: Type.String({ minLength: 1, maxLength: 36 }),
  location_id: Type.String({ minLength: 1, maxLength: 36 }),
  booking_location_id: Type.Optional(Type.String({ maxLength: 36 })),
  tokens: Type.Optional(Type.Array(Type.Unknown())),
  booking_tokens: Type.Optional(Type.Array(Type.Unknown())),
  period: Type.Object({ start_date_time: Type.String(), end_date_time: Type.String() }),
  authorization_reference: Type.String({ minLength: 1, maxLength: 36 }),
  canceled: Type.Optional(Type.Unknown()),
})
export type OcpiBookingRequest = Static<typeof OcpiBookingRequest>
