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
  }): Promise<{ readonly paymentId: string }>
  /** Takes `amountMinor` (at most what was authorised) and releases the rest. */
  capture(paymentId: string, amountMinor: number, idempotencyKey: string): Promise<void>
  /** Releases the whole authorisation. */
  release(paymentId: string, idempotencyKey: string): Promise<void>
}

/** The card was declined or the payment could not be authorised: the words say why. */
export class PaymentRefused extends Error {}

/** A price in the currency's minor unit (two decimals: the marketplace's currencies are EUR-like). */
export function minorUnits(amount: number): number {
  return Math.round(amount * 100)
}

export function majorUnits(amountMinor: number): number {
  return amountMinor / 100
}
