import { STRINGS } from './strings.ts'

/**
 * Stripe's own test payment methods: Stripe.js cannot load here, so the app offers these instead of a card
 * form (decision 0038). A live Stripe account refuses them (402), so they cannot pay for real.
 */
export const TEST_CARDS = ['pm_card_visa', 'pm_card_chargeDeclined'] as const

/** The card to pay with, for a booking or a charge. */
export function CardChoice(props: { card: string; onChoose: (card: string) => void }) {
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
