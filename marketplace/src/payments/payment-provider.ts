/**
 * What an authorisation came to: the amount is held, or the card's bank asks the driver to authenticate
 * (3-D Secure) first, which the app does with Stripe.js and `clientSecret` before `held` is asked again.
 */
export type Authorisation =
  | { readonly paymentId: string; readonly state: 'held' }
  | { readonly paymentId: string; readonly state: 'requires_action'; readonly clientSecret: string }

/**
 * Card payments behind one interface: an amount is authorised when a driver books, and later either
 * captured (all of it, or less: a cancellation fee) or released.
 */
export interface PaymentProvider {
  /** Holds `amountMinor` (cents) on the card; throws PaymentRefused when the card is declined. */
  authorise(request: {
    readonly amountMinor: number
    readonly currency: string
    readonly paymentMethod: string
    readonly description: string
    /** Sent again after a failure, the same key never authorises twice. */
    readonly idempotencyKey: string
  }): Promise<Authorisation>
  /** Whether an authorisation that waited for the driver's authentication now holds the amount. */
  held(paymentId: string): Promise<boolean>
  /** Takes `amountMinor` (at most what was authorised) and releases the rest. */
  capture(paymentId: string, amountMinor: number, idempotencyKey: string): Promise<void>
  /** Releases the whole authorisation (or gives up one still waiting for authentication). */
  release(paymentId: string, idempotencyKey: string): Promise<void>
}

/**
 * How long a payment waits for the driver's authentication (3-D Secure) before it is given up and what
 * it was for (a booking's slot, a charge) freed: longer than a bank's check takes.
 */
export const PAYMENT_ACTION_LIMIT_MS = 15 * 60_000

/**
 * How long a member is asked to wait (`Retry-After`) when the payment provider did not answer: its
 * outages are mostly short, and the words say "try again in a minute".
 */
export const PAYMENT_RETRY_AFTER_SECONDS = 60

/** The card was declined or the payment could not be authorised: the words say why. */
export class PaymentRefused extends Error {}

/** A price in the currency's minor unit (two decimals: the marketplace's currencies are EUR-like). */
export function minorUnits(amount: number): number {
  return Math.round(amount * 100)
}

export function majorUnits(amountMinor: number): number {
  return amountMinor / 100
}
