/**
 * A stand-in for Stripe.js (https://js.stripe.com/v3), which these machines cannot load: a browser test
 * serves it for that URL with playwright's `page.route`. It implements only what the driver app calls,
 * with the result shapes Stripe documents: `Stripe(publishableKey)`, `elements()`, `create('card')` and the
 * element's `mount`/`destroy`, and `createPaymentMethod({ type: 'card', card })`. The Card Element is a
 * plain input here (Stripe's is a frame of its own). Card numbers, as in Stripe's test mode:
 * 4242 4242 4242 4242 makes a new payment method the fake Stripe server accepts, 4000 0000 0000 0002 makes
 * `pm_card_chargeDeclined`, which it declines (test/marketplace/fake-stripe.ts), 4000 0025 0000 3155 makes
 * `pm_card_authenticationRequired`, whose bank asks for 3-D Secure; anything shorter is refused by Stripe.js
 * itself, with Stripe's words. `handleNextAction({ clientSecret })` stands for the bank's check: it tells
 * the fake server (through https://api.stripe.com, which the test routes to it) that the driver
 * authenticated, or failed when the test set `window.fakeStripeJs.authenticates = false`.
 * `window.fakeStripeJs` tells the test what happened.
 */
export const FAKE_STRIPE_JS = String.raw`
(() => {
  const seen = { publishableKeys: [], paymentMethods: [], nextActions: [], authenticates: true }
  window.fakeStripeJs = seen
  window.Stripe = (publishableKey) => {
    if (!/^pk_(test|live)_/.test(publishableKey)) throw new Error('Invalid API Key provided: ' + publishableKey)
    seen.publishableKeys.push(publishableKey)
    return {
      elements: () => ({
        create: (type) => {
          if (type !== 'card' && type !== 'payment') throw new Error('fake Stripe.js: no element ' + type)
          const input = document.createElement('input')
          input.setAttribute('aria-label', 'Card number')
          input.inputMode = 'numeric'
          input.autocomplete = 'cc-number'
          return {
            input,
            mount: (container) => container.append(input),
            destroy: () => input.remove(),
          }
        },
      }),
      createPaymentMethod: async ({ type, card }) => {
        const digits = card.input.value.replace(/\s+/g, '')
        if (type !== 'card' || digits.length < 16)
          return {
            error: {
              type: 'validation_error',
              code: 'incomplete_number',
              message: 'Your card number is incomplete.',
            },
          }
        const id =
          digits === '4000000000000002'
            ? 'pm_card_chargeDeclined'
            : digits === '4000002500003155'
              ? 'pm_card_authenticationRequired'
              : 'pm_fakejs_' + Math.random().toString(16).slice(2, 14)
        seen.paymentMethods.push(id)
        return {
          paymentMethod: { id, object: 'payment_method', type: 'card', card: { last4: digits.slice(-4) } },
        }
      },
      handleNextAction: async ({ clientSecret }) => {
        const id = String(clientSecret).split('_secret_')[0]
        seen.nextActions.push(id)
        const response = await fetch('https://api.stripe.com/v1/payment_intents/' + id + '/fake_authentication', {
          method: 'POST',
          body: new URLSearchParams({ client_secret: clientSecret, succeeded: String(seen.authenticates) }),
        })
        const intent = await response.json()
        if (!seen.authenticates)
          return {
            error: {
              type: 'invalid_request_error',
              code: 'payment_intent_authentication_failure',
              message: 'We are unable to authenticate your payment method.',
            },
          }
        return { paymentIntent: { id: intent.id, status: intent.status } }
      },
    }
  }
})()
`
