import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError } from '../shared/api.ts'
import { ErrorNote } from '../shared/components.tsx'
import { request } from './market-api.ts'
import { paymentMethodOf, stripeFor, type StripeCardElement } from './stripe-js.ts'
import { STRINGS } from './strings.ts'

/** GET /app/settings.json's `payments` (marketplace/src/web/front-end.ts). */
export type PaymentSettings =
  | { readonly mode: 'stripe'; readonly live: boolean; readonly publishable_key: string }
  | { readonly mode: 'test' }

/**
 * Stripe's own test payment methods, offered when the marketplace has no publishable key (decision 0038).
 * A live Stripe account refuses them (402), so they cannot pay for real.
 */
const TEST_CARDS = ['pm_card_visa', 'pm_card_chargeDeclined'] as const

type CardForm = { stripe: Awaited<ReturnType<typeof stripeFor>>; card: StripeCardElement }

/**
 * An answer of the marketplace that may wait for the bank's check of the card (3-D Secure): a booking's
 * or a charge's, whose `payment` has the client secret only then.
 */
interface Paid {
  readonly payment?: { readonly client_secret?: string }
}

/**
 * The card to pay with, for a booking or a charge: `field` goes into the form, `paymentMethod()` gives the
 * `payment_method` to send when it is submitted (a test card's id, or the one Stripe.js made of the card
 * typed into its Card Element), and `finish()` takes the marketplace's answer through the bank's check
 * when it asks for one.
 */
export function useCard(payments: PaymentSettings) {
  const [testCard, setTestCard] = useState<string>(TEST_CARDS[0])
  const [confirming, setConfirming] = useState(false)
  const form = useRef<CardForm | null>(null)
  const choice =
    payments.mode === 'stripe' ? (
      <StripeCardField
        publishableKey={payments.publishable_key}
        live={payments.live}
        onReady={(ready) => (form.current = ready)}
      />
    ) : (
      <TestCardChoice card={testCard} onChoose={setTestCard} />
    )
  const field = (
    <>
      {choice}
      {confirming && <p role="status">{STRINGS.book.bankConfirms}</p>}
    </>
  )
  async function paymentMethod(): Promise<string> {
    if (payments.mode === 'test') return testCard
    if (!form.current) throw new ApiError(0, 'STRIPE_JS', STRINGS.errors.cardForm)
    return paymentMethodOf(form.current.stripe, form.current.card)
  }
  /**
   * When the card's bank asks the driver to confirm (the answer has a client secret): its check in
   * Stripe.js, then `confirmPath`, where the marketplace looks whether the card is held now. Whatever
   * Stripe.js answered, the marketplace decides (and gives the payment up when the bank did not confirm).
   */
  async function finish<T extends Paid>(answer: T, confirmPath: string): Promise<T> {
    const clientSecret = answer.payment?.client_secret
    if (clientSecret === undefined) return answer
    setConfirming(true)
    try {
      if (form.current) await form.current.stripe.handleNextAction({ clientSecret })
      return await request<T>('POST', confirmPath)
    } catch (error) {
      if (error instanceof ApiError && error.status === 402)
        throw new ApiError(402, error.code, STRINGS.errors.bankNotConfirmed)
      throw error
    } finally {
      setConfirming(false)
    }
  }
  return { field, paymentMethod, finish }
}

function TestCardChoice(props: { card: string; onChoose: (card: string) => void }) {
  return (
    <fieldset>
      <legend>{STRINGS.book.card}</legend>
      <p class="note">{STRINGS.book.testMode}</p>
      {TEST_CARDS.map((id) => (
        <label key={id} class="check">
          <input type="radio" name="card" checked={props.card === id} onChange={() => props.onChoose(id)} />
          {STRINGS.book.testCards[id]}
        </label>
      ))}
    </fieldset>
  )
}

/** Stripe's Card Element, mounted while the field is on the page. */
function StripeCardField(props: {
  publishableKey: string
  live: boolean
  onReady: (form: CardForm | null) => void
}) {
  const box = useRef<HTMLDivElement>(null)
  const [failure, setFailure] = useState<unknown>()
  useEffect(() => {
    let card: StripeCardElement | undefined
    let gone = false
    stripeFor(props.publishableKey).then((stripe) => {
      if (gone || !box.current) return
      card = stripe.elements().create('card', { hidePostalCode: true })
      card.mount(box.current)
      props.onReady({ stripe, card })
    }, setFailure)
    return () => {
      gone = true
      card?.destroy()
      props.onReady(null)
    }
  }, [props.publishableKey])
  return (
    <fieldset>
      <legend>{STRINGS.book.card}</legend>
      {!props.live && <p class="note">{STRINGS.book.stripeTestMode}</p>}
      <div ref={box} class="card-element" />
      <ErrorNote error={failure} />
    </fieldset>
  )
}
