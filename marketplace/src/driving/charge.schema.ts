import { Type, type Static } from '@sinclair/typebox'

/** Where a driver asks to charge: an EVSE (and, optionally, one connector) of the network catalogue. */
export const ChargeRequest = Type.Object(
  {
    country_code: Type.String({ pattern: '^[A-Z]{2}$', description: "The CPO's country code" }),
    party_id: Type.String({ pattern: '^[A-Z0-9]{3}$', description: "The CPO's party id" }),
    location_id: Type.String({ minLength: 1, maxLength: 36 }),
    evse_uid: Type.String({ minLength: 1, maxLength: 36 }),
    connector_id: Type.Optional(Type.String({ minLength: 1, maxLength: 36 })),
    payment_method: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description:
          "The card's payment method id (Stripe), as for a booking: required when the marketplace takes card payments, unless a booked slot there covers the charge",
      }),
    ),
  },
  { additionalProperties: false },
)
export type ChargeRequest = Static<typeof ChargeRequest>

/**
 * REQUESTED (start sent), ACCEPTED (the CPO took the command), ACTIVE (a Session is running), STOPPING,
 * COMPLETED (the Session ended or its CDR came), FAILED (`status_reason` says why).
 */
export const ChargeStatus = Type.Union(
  ['REQUESTED', 'ACCEPTED', 'ACTIVE', 'STOPPING', 'COMPLETED', 'FAILED'].map((s) => Type.Literal(s)),
)
export type ChargeStatus = 'REQUESTED' | 'ACCEPTED' | 'ACTIVE' | 'STOPPING' | 'COMPLETED' | 'FAILED'

/**
 * REQUIRES_ACTION (the card's bank asks the driver to authenticate first: no start sent yet),
 * AUTHORISED (an amount is held on the card), CAPTURED (the CDR's cost was taken), RELEASED (nothing
 * taken: the charge never started, or cost nothing), BOOKING (the driver's booked slot pays for it).
 */
export const PaymentState = Type.Union(
  ['REQUIRES_ACTION', 'AUTHORISED', 'CAPTURED', 'RELEASED', 'BOOKING'].map((s) => Type.Literal(s)),
)
export type PaymentState = 'REQUIRES_ACTION' | 'AUTHORISED' | 'CAPTURED' | 'RELEASED' | 'BOOKING'

const Cost = Type.Object({
  currency: Type.String(),
  before_taxes: Type.Number(),
  after_taxes: Type.Optional(Type.Number({ description: 'Absent when the CPO gave no taxes' })),
})

export const Charge = Type.Object({
  id: Type.String(),
  status: ChargeStatus,
  status_reason: Type.Optional(Type.String()),
  country_code: Type.String(),
  party_id: Type.String(),
  location_id: Type.String(),
  location_name: Type.Optional(Type.String()),
  evse_uid: Type.String(),
  connector_id: Type.Optional(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
  /** How the charge is paid; absent when the marketplace takes no card payments. */
  payment: Type.Optional(
    Type.Object({
      state: PaymentState,
      currency: Type.Optional(Type.String()),
      held: Type.Optional(Type.Number({ description: 'The amount held on the card at the start' })),
      paid: Type.Optional(Type.Number({ description: 'What the card was charged, once the CDR came' })),
      unpaid: Type.Optional(
        Type.Number({ description: "The CDR's cost above the hold, which the card was not charged" }),
      ),
      booking_id: Type.Optional(Type.String({ description: 'The booking that pays for the charge' })),
      client_secret: Type.Optional(
        Type.String({
          description:
            "REQUIRES_ACTION, in the 202 only: the PaymentIntent's, for Stripe.js's handleNextAction before POST /api/charges/{id}/payment/confirm",
        }),
      ),
    }),
  ),
  /** The live Session, once the CPO sent it: energy, time and cost so far. */
  session: Type.Optional(
    Type.Object({
      id: Type.String(),
      status: Type.String(),
      start_date_time: Type.String(),
      energy_kwh: Type.Number(),
      minutes: Type.Number(),
      cost_so_far: Type.Optional(Cost),
    }),
  ),
  /** The receipt, from the CDR. */
  receipt: Type.Optional(
    Type.Object({
      cdr_id: Type.String(),
      start_date_time: Type.String(),
      end_date_time: Type.String(),
      energy_kwh: Type.Number(),
      time_hours: Type.Number(),
      total_cost: Cost,
      /** What the card was charged for it (0 when a booking pays for it). */
      paid: Type.Optional(Type.Number()),
      payment_state: Type.Optional(PaymentState),
    }),
  ),
})
export type Charge = Static<typeof Charge>

export const ChargeId = Type.Object({ id: Type.String({ format: 'uuid' }) })

export const DriverTokenView = Type.Object({
  uid: Type.String(),
  type: Type.String(),
  contract_id: Type.String(),
  /** After the token was made: `delivered` when the hub took it; otherwise the words why. */
  hub: Type.Optional(Type.String()),
})
