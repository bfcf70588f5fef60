import type { FastifyBaseLogger } from 'fastify'
import type { Selectable } from 'kysely'
import type { Booking } from '../bookings/booking.schema.ts'
import {
  majorUnits,
  minorUnits,
  PAYMENT_ACTION_LIMIT_MS,
  PAYMENT_RETRY_AFTER_SECONDS,
  PaymentRefused,
  type PaymentProvider,
} from '../payments/payment-provider.ts'
import type { MarketplaceDb, MarketplaceTables } from '../storage/store.ts'
import type { Charge, PaymentState } from './charge.schema.ts'
import { ChargeRefusal } from './charge-refusal.ts'
import { afterTaxes, type Price } from './driving-objects.ts'

type ChargeRow = Selectable<MarketplaceTables['charges']>
/** The charge's columns that say how it is paid. */
export type PaymentColumns = Pick<
  ChargeRow,
  | 'payment_state'
  | 'payment_id'
  | 'booking_id'
  | 'payment_currency'
  | 'held_minor'
  | 'paid_minor'
  | 'unpaid_minor'
>

const UNPAID: PaymentColumns = {
  payment_state: null,
  payment_id: null,
  booking_id: null,
  payment_currency: null,
  held_minor: null,
  paid_minor: null,
  unpaid_minor: null,
}

/**
 * Drivers' charges paid by card (decision 0036): before a start is sent, `holdMinor` is authorised on the
 * driver's card (a PaymentIntent with manual capture, as a booking's); the CDR's cost including VAT is
 * captured (at most the hold) when it comes; a start that fails releases the hold. A charge during the
 * driver's paid booking of that charger is paid by the booking: no hold.
 */
export class ChargePayments {
  readonly #db: MarketplaceDb
  readonly #payments: PaymentProvider | undefined
  readonly #currency: string
  readonly #holdMinor: number
  readonly #now: () => Date
  readonly #bookingsOf: (memberId: string) => Promise<Booking[]>
  readonly #log: FastifyBaseLogger

  constructor(
    db: MarketplaceDb,
    options: {
      payments: PaymentProvider | undefined
      currency: string
      holdMinor: number
      now: () => Date
      bookingsOf: (memberId: string) => Promise<Booking[]>
      log: FastifyBaseLogger
    },
  ) {
    this.#db = db
    this.#payments = options.payments
    this.#currency = options.currency
    this.#holdMinor = options.holdMinor
    this.#now = options.now
    this.#bookingsOf = options.bookingsOf
    this.#log = options.log
  }

  /**
   * What pays for a charge about to start: the driver's paid booking of the listing now (at the
   * marketplace's own chargers: a listing is a Location), otherwise a hold on the card. Throws
   * ChargeRefusal 400 without a payment method, 402 when the card is declined. Without a payment provider
   * the marketplace takes no card payment. When the card's bank asks the driver to authenticate, the
   * columns say REQUIRES_ACTION and `clientSecret` is what Stripe.js needs for it.
   */
  async hold(charge: {
    readonly id: string
    readonly memberId: string
    readonly bookableLocation: string | undefined
    readonly paymentMethod: string | undefined
    readonly description: string
  }): Promise<{ columns: PaymentColumns; clientSecret?: string }> {
    if (charge.bookableLocation !== undefined) {
      const booking = await this.#bookingNow(charge.memberId, charge.bookableLocation)
      if (booking) return { columns: { ...UNPAID, payment_state: 'BOOKING', booking_id: booking.id } }
    }
    if (!this.#payments) return { columns: UNPAID }
    if (charge.paymentMethod === undefined)
      throw new ChargeRefusal(
        400,
        'payment_method: required: a charge is paid by card (an amount is held when it starts)',
      )
    try {
      const authorisation = await this.#payments.authorise({
        amountMinor: this.#holdMinor,
        currency: this.#currency,
        paymentMethod: charge.paymentMethod,
        description: charge.description,
        idempotencyKey: `charge-${charge.id}`,
      })
      const waiting = authorisation.state === 'requires_action'
      const columns: PaymentColumns = {
        ...UNPAID,
        payment_state: waiting ? 'REQUIRES_ACTION' : 'AUTHORISED',
        payment_id: authorisation.paymentId,
        payment_currency: this.#currency,
        held_minor: this.#holdMinor,
      }
      return waiting ? { columns, clientSecret: authorisation.clientSecret } : { columns }
    } catch (error) {
      if (!(error instanceof PaymentRefused)) {
        this.#log.error(
          { err: error, charge: charge.id },
          'the payment provider did not answer: the charge was not started',
        )
        throw new ChargeRefusal(
          503,
          'The payment could not be made just now, so the charge was not started: try again in a minute',
          { retryAfterSeconds: PAYMENT_RETRY_AFTER_SECONDS },
        )
      }
      throw new ChargeRefusal(
        402,
        `Your card was not accepted, so the charge was not started: ${error.message} Try another card.`,
      )
    }
  }

  /**
   * Takes the CDR's cost including VAT (before taxes when the CPO gave none) from the hold: at most the
   * hold, the rest is recorded as unpaid. A CDR in another currency than the hold's is not captured (the
   * operator settles it). Only an AUTHORISED charge is captured: a CDR sent again changes nothing.
   */
  async capture(chargeId: string, cdr: { readonly currency: string; readonly total_cost: Price }) {
    const row = await this.#authorised(chargeId)
    if (!row) return
    if (cdr.currency !== row.payment_currency) {
      this.#log.error(
        { charge: chargeId, cdr_currency: cdr.currency, hold_currency: row.payment_currency },
        'CDR in another currency than the card hold: not captured, the operator settles it',
      )
      return
    }
    const costMinor = minorUnits(afterTaxes(cdr.total_cost) ?? cdr.total_cost.before_taxes)
    const paidMinor = Math.min(costMinor, row.held_minor)
    try {
      if (paidMinor > 0)
        await this.#payments!.capture(row.payment_id, paidMinor, `charge-capture-${chargeId}`)
      else await this.#payments!.release(row.payment_id, `charge-release-${chargeId}`)
    } catch (error) {
      this.#log.error({ err: error, charge: chargeId }, 'the capture of a charge failed: the hold stays')
      return
    }
    if (costMinor > paidMinor)
      this.#log.warn(
        { charge: chargeId, cost_minor: costMinor, held_minor: row.held_minor },
        "the CDR's cost is above the card hold: the rest is unpaid",
      )
    await this.#settled(chargeId, paidMinor > 0 ? 'CAPTURED' : 'RELEASED', paidMinor, costMinor - paidMinor)
  }

  /**
   * After the driver's authentication: true when the card holds the amount now (AUTHORISED: the start may
   * go out); otherwise the PaymentIntent is given up and false.
   */
  async confirm(chargeId: string): Promise<boolean> {
    const row = await this.#waiting(chargeId).executeTakeFirst()
    if (!row?.payment_id || !this.#payments) return false
    let held: boolean
    try {
      held = await this.#payments.held(row.payment_id)
    } catch (error) {
      this.#log.error(
        { err: error, charge: chargeId },
        'the payment provider did not answer: the charge waits',
      )
      throw new ChargeRefusal(503, 'The payment could not be checked just now: try again in a minute', {
        retryAfterSeconds: PAYMENT_RETRY_AFTER_SECONDS,
      })
    }
    if (!held) {
      await this.#giveUp(chargeId, row.payment_id)
      return false
    }
    const result = await this.#db
      .updateTable('charges')
      .set({ payment_state: 'AUTHORISED', updated_at: new Date() })
      .where('id', '=', chargeId)
      .where('payment_state', '=', 'REQUIRES_ACTION')
      .executeTakeFirst()
    return result.numUpdatedRows > 0n
  }

  /** Charges that waited for the driver's authentication longer than the limit, given up: their ids. */
  async expire(): Promise<string[]> {
    const late = await this.#waiting()
      .where('created_at', '<=', new Date(this.#now().getTime() - PAYMENT_ACTION_LIMIT_MS))
      .execute()
    const given: string[] = []
    for (const row of late)
      if (row.payment_id && (await this.#giveUp(row.id, row.payment_id))) given.push(row.id)
    return given
  }

  #waiting(chargeId?: string) {
    const query = this.#db
      .selectFrom('charges')
      .select(['id', 'payment_id'])
      .where('payment_state', '=', 'REQUIRES_ACTION')
    return chargeId === undefined ? query : query.where('id', '=', chargeId)
  }

  /** Cancels a PaymentIntent still waiting for authentication: RELEASED; false while Stripe is away. */
  async #giveUp(chargeId: string, paymentId: string): Promise<boolean> {
    try {
      await this.#payments!.release(paymentId, `charge-release-${chargeId}`)
    } catch (error) {
      this.#log.error({ err: error, charge: chargeId }, 'giving up an unconfirmed card payment failed')
      return false
    }
    await this.#db
      .updateTable('charges')
      .set({ payment_state: 'RELEASED', paid_minor: 0, unpaid_minor: 0, updated_at: new Date() })
      .where('id', '=', chargeId)
      .where('payment_state', '=', 'REQUIRES_ACTION')
      .execute()
    return true
  }

  /** Releases the hold of a charge that did not start; nothing when it holds nothing. */
  async release(chargeId: string): Promise<void> {
    const row = await this.#authorised(chargeId)
    if (!row) return
    try {
      await this.#payments!.release(row.payment_id, `charge-release-${chargeId}`)
    } catch (error) {
      this.#log.error({ err: error, charge: chargeId }, 'the release of a charge hold failed')
      return
    }
    await this.#settled(chargeId, 'RELEASED', 0, 0)
  }

  /** The driver's view of how the charge is paid. */
  view(row: PaymentColumns): Charge['payment'] {
    if (row.payment_state === null) return undefined
    const amount = (minor: number | null) => (minor === null ? undefined : majorUnits(minor))
    const held = amount(row.held_minor)
    const paid = amount(row.paid_minor)
    const unpaid = row.unpaid_minor ? majorUnits(row.unpaid_minor) : undefined
    return {
      state: row.payment_state,
      ...(row.payment_currency !== null && { currency: row.payment_currency }),
      ...(held !== undefined && { held }),
      ...(paid !== undefined && { paid }),
      ...(unpaid !== undefined && { unpaid }),
      ...(row.booking_id !== null && { booking_id: row.booking_id }),
    }
  }

  /** The driver's CONFIRMED booking with a price of the listing whose slot is running now. */
  async #bookingNow(memberId: string, listingId: string): Promise<Booking | undefined> {
    const now = this.#now().getTime()
    return (await this.#bookingsOf(memberId)).find(
      (booking) =>
        booking.listing_id === listingId &&
        booking.status === 'CONFIRMED' &&
        booking.payment === undefined &&
        booking.price > 0 &&
        Date.parse(booking.start) <= now &&
        now < Date.parse(booking.end),
    )
  }

  async #authorised(chargeId: string) {
    const row = await this.#db
      .selectFrom('charges')
      .select(['payment_id', 'payment_currency', 'held_minor'])
      .where('id', '=', chargeId)
      .where('payment_state', '=', 'AUTHORISED')
      .executeTakeFirst()
    if (!row || row.payment_id === null || row.held_minor === null || !this.#payments) return undefined
    return { ...row, payment_id: row.payment_id, held_minor: row.held_minor }
  }

  async #settled(chargeId: string, state: PaymentState, paidMinor: number, unpaidMinor: number) {
    await this.#db
      .updateTable('charges')
      .set({ payment_state: state, paid_minor: paidMinor, unpaid_minor: unpaidMinor, updated_at: new Date() })
      .where('id', '=', chargeId)
      .where('payment_state', '=', 'AUTHORISED')
      .execute()
  }
}
