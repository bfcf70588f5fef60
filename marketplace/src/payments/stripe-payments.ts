import Stripe from 'stripe'
import { PaymentRefused, type Authorisation, type PaymentProvider } from './payment-provider.ts'

export interface StripeOptions {
  readonly secretKey: string
  /** Another API address than Stripe's, e.g. a local fake in tests (`http://127.0.0.1:4242`). */
  readonly apiUrl?: string
}

/**
 * Payments through Stripe's official SDK: a PaymentIntent with manual capture is confirmed at booking
 * (the amount is held on the card), then captured for the final amount or cancelled.
 */
export class StripePayments implements PaymentProvider {
  readonly #stripe: Stripe

  constructor(options: StripeOptions) {
    const api = options.apiUrl === undefined ? undefined : new URL(options.apiUrl)
    this.#stripe = new Stripe(options.secretKey, {
      maxNetworkRetries: 2,
      telemetry: false,
      ...(api && {
        host: api.hostname,
        port: api.port || (api.protocol === 'https:' ? 443 : 80),
        protocol: api.protocol === 'https:' ? 'https' : 'http',
      }),
    })
  }

  async authorise(request: Parameters<PaymentProvider['authorise']>[0]): Promise<Authorisation> {
    try {
      const intent = await this.#stripe.paymentIntents.create(
        {
          amount: request.amountMinor,
          currency: request.currency.toLowerCase(),
          capture_method: 'manual',
          confirm: true,
          payment_method: request.paymentMethod,
          description: request.description,
          automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
        },
        { idempotencyKey: request.idempotencyKey },
      )
      // Strong Customer Authentication: the driver's bank confirms first (3-D Secure, in Stripe.js).
      if (intent.status === 'requires_action' && intent.client_secret)
        return { paymentId: intent.id, state: 'requires_action', clientSecret: intent.client_secret }
      if (intent.status !== 'requires_capture')
        throw new PaymentRefused(`The card was not authorised (payment status ${intent.status})`)
      return { paymentId: intent.id, state: 'held' }
    } catch (error) {
      if (
        error instanceof Stripe.errors.StripeCardError ||
        error instanceof Stripe.errors.StripeInvalidRequestError
      )
        throw new PaymentRefused(error.message)
      throw error
    }
  }

  async held(paymentId: string): Promise<boolean> {
    const intent = await this.#stripe.paymentIntents.retrieve(paymentId)
    return intent.status === 'requires_capture'
  }

  async capture(paymentId: string, amountMinor: number, idempotencyKey: string): Promise<void> {
    await this.#stripe.paymentIntents.capture(
      paymentId,
      { amount_to_capture: amountMinor },
      { idempotencyKey },
    )
  }

  async release(paymentId: string, idempotencyKey: string): Promise<void> {
    await this.#stripe.paymentIntents.cancel(paymentId, {}, { idempotencyKey })
  }
}
