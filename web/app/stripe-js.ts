import { ApiError } from '../shared/api.ts'
import { STRINGS } from './strings.ts'

/**
 * The few parts of Stripe.js the app uses (https://docs.stripe.com/js), restated by hand: the card form is
 * Stripe's Card Element, in Stripe's frame, so card numbers never reach the app or the marketplace.
 */
export interface StripeCardElement {
  mount(container: HTMLElement): void
  destroy(): void
}

interface StripeJs {
  elements(): { create(type: 'card', options?: { hidePostalCode?: boolean }): StripeCardElement }
  createPaymentMethod(request: { type: 'card'; card: StripeCardElement }): Promise<{
    paymentMethod?: { id: string }
    error?: { type: string; message?: string }
  }>
  /** The bank's check (3-D Secure) of a PaymentIntent that answered `requires_action`, in Stripe's frame. */
  handleNextAction(request: { clientSecret: string }): Promise<{
    paymentIntent?: { id: string; status: string }
    error?: { type: string; message?: string }
  }>
}

declare global {
  interface Window {
    Stripe?: (publishableKey: string) => StripeJs
  }
}

/** Stripe asks that Stripe.js always comes from here (never bundled or copied): it is not an npm dependency. */
const STRIPE_JS = 'https://js.stripe.com/v3'

let loading: Promise<(publishableKey: string) => StripeJs> | undefined
const instances = new Map<string, StripeJs>()

/** Stripe.js for the publishable key, its script added to the page once (one instance per key, as Stripe asks). */
export async function stripeFor(publishableKey: string): Promise<StripeJs> {
  loading ??= new Promise((resolve, reject) => {
    const script = Object.assign(document.createElement('script'), { src: STRIPE_JS, async: true })
    script.addEventListener('load', () =>
      window.Stripe ? resolve(window.Stripe) : reject(new ApiError(0, 'STRIPE_JS', STRINGS.errors.cardForm)),
    )
    script.addEventListener('error', () => {
      // Offline or blocked: the next card form tries again.
      loading = undefined
      script.remove()
      reject(new ApiError(0, 'STRIPE_JS', STRINGS.errors.cardForm))
    })
    document.head.append(script)
  })
  const factory = await loading
  const stripe = instances.get(publishableKey) ?? factory(publishableKey)
  instances.set(publishableKey, stripe)
  return stripe
}

/** The payment method of the card typed into the Card Element; Stripe's own words when it is incomplete. */
export async function paymentMethodOf(stripe: StripeJs, card: StripeCardElement): Promise<string> {
  const result = await stripe.createPaymentMethod({ type: 'card', card })
  if (result.paymentMethod) return result.paymentMethod.id
  throw new ApiError(402, result.error?.type ?? 'STRIPE', result.error?.message ?? STRINGS.errors.cardRefused)
}
