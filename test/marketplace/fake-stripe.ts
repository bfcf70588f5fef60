import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A PaymentIntent as the fake keeps it: the fields the marketplace's Stripe calls use. */
export interface FakePaymentIntent {
  id: string
  object: 'payment_intent'
  amount: number
  amount_capturable: number
  amount_received: number
  currency: string
  capture_method: string
  payment_method: string
  description: string | null
  client_secret: string
  status: 'requires_action' | 'requires_payment_method' | 'requires_capture' | 'succeeded' | 'canceled'
  next_action: { type: 'use_stripe_sdk' } | null
}

export interface FakeStripe {
  /** Give it to StripePayments as `apiUrl`, or to the marketplace as MARKETPLACE_STRIPE_API_URL. */
  readonly url: string
  readonly secretKey: string
  readonly intents: ReadonlyMap<string, FakePaymentIntent>
  /** Every request: method, path and form fields. */
  readonly requests: readonly { method: string; path: string; form: Record<string, string> }[]
  /** While down, every call is answered 503 (an outage at Stripe). */
  down: boolean
  /**
   * The driver's answer to their bank (3-D Secure) for an intent in `requires_action`, as Stripe.js's
   * handleNextAction leaves it: authenticated (`requires_capture`) or failed (`requires_payment_method`).
   */
  authenticate(intentId: string, succeeded: boolean): void
  close(): Promise<void>
}

/** The payment method that Stripe's test mode declines (its `pm_card_chargeDeclined`). */
export const DECLINED_CARD = 'pm_card_chargeDeclined'
/** Stripe's test payment method whose bank asks for 3-D Secure: the intent answers `requires_action`. */
export const AUTHENTICATION_REQUIRED_CARD = 'pm_card_authenticationRequired'

/**
 * A local fake of exactly the Stripe endpoints the marketplace uses (these machines cannot reach
 * Stripe): create and confirm a PaymentIntent with manual capture, retrieve it, capture it (all or part),
 * cancel it. Form-encoded requests, Bearer secret key, Idempotency-Key honoured, Stripe's error shape.
 * For the fake Stripe.js (test/support/fake-stripe-js.ts) it also takes, on the intent's client secret
 * instead of the secret key, `POST /v1/payment_intents/{id}/fake_authentication` with `succeeded`: the
 * driver's answer to their bank, which real Stripe.js gets in Stripe's own frame.
 */
export async function startFakeStripe(): Promise<FakeStripe> {
  const secretKey = `sk_test_${randomBytes(12).toString('hex')}`
  const intents = new Map<string, FakePaymentIntent>()
  /** The first answer to each Idempotency-Key, sent again as it was (Stripe keeps them 24 hours). */
  const answered = new Map<string, { status: number; body: string }>()
  const requests: { method: string; path: string; form: Record<string, string> }[] = []

  function send(response: ServerResponse, status: number, body: unknown) {
    const text = JSON.stringify(body)
    const key = response.req.headers['idempotency-key']
    // Stripe keeps the result of a request that ran, not of one refused by an outage.
    if (typeof key === 'string' && response.req.method === 'POST' && status < 500)
      answered.set(key, { status, body: text })
    response.writeHead(status, {
      'content-type': 'application/json',
      'request-id': `req_${randomBytes(6).toString('hex')}`,
    })
    response.end(text)
  }

  function error(response: ServerResponse, status: number, type: string, message: string, code?: string) {
    send(response, status, { error: { type, message, ...(code && { code }) } })
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    let text = ''
    for await (const chunk of request) text += String(chunk)
    const form = Object.fromEntries(new URLSearchParams(text))
    const path = (request.url ?? '').split('?')[0] ?? ''
    requests.push({ method: request.method ?? '', path, form })
    if (fake.down) return error(response, 503, 'api_error', 'Stripe is unavailable (fake outage)')
    const authentication = /^\/v1\/payment_intents\/([^/]+)\/fake_authentication$/.exec(path)
    if (request.method === 'POST' && authentication) {
      const waiting = intents.get(authentication[1] ?? '')
      if (!waiting || form['client_secret'] !== waiting.client_secret)
        return error(response, 404, 'invalid_request_error', 'No such payment_intent', 'resource_missing')
      fake.authenticate(waiting.id, form['succeeded'] === 'true')
      return send(response, 200, waiting)
    }
    if (request.headers.authorization !== `Bearer ${secretKey}`)
      return error(response, 401, 'invalid_request_error', 'Invalid API Key provided')
    const key = request.headers['idempotency-key']
    const earlier = typeof key === 'string' ? answered.get(key) : undefined
    if (earlier) {
      response.writeHead(earlier.status, {
        'content-type': 'application/json',
        'idempotent-replayed': 'true',
      })
      return response.end(earlier.body)
    }
    if (request.method === 'POST' && path === '/v1/payment_intents') {
      const amount = Number(form['amount'])
      if (!Number.isInteger(amount) || amount < 1)
        return error(response, 400, 'invalid_request_error', 'amount: must be a positive integer')
      if (form['payment_method'] === DECLINED_CARD)
        return error(response, 402, 'card_error', 'Your card was declined.', 'card_declined')
      const id = `pi_${randomBytes(12).toString('hex')}`
      const authenticate = form['payment_method'] === AUTHENTICATION_REQUIRED_CARD
      const intent: FakePaymentIntent = {
        id,
        object: 'payment_intent',
        amount,
        amount_capturable: amount,
        amount_received: 0,
        currency: form['currency'] ?? '',
        capture_method: form['capture_method'] ?? 'automatic',
        payment_method: form['payment_method'] ?? '',
        description: form['description'] ?? null,
        client_secret: `${id}_secret_${randomBytes(8).toString('hex')}`,
        status: authenticate ? 'requires_action' : 'requires_capture',
        next_action: authenticate ? { type: 'use_stripe_sdk' } : null,
      }
      intents.set(intent.id, intent)
      return send(response, 200, intent)
    }
    const retrieved = /^\/v1\/payment_intents\/([^/]+)$/.exec(path)
    if (request.method === 'GET' && retrieved) {
      const intent = intents.get(retrieved[1] ?? '')
      if (!intent)
        return error(response, 404, 'invalid_request_error', `No such payment_intent: '${retrieved[1]}'`)
      return send(response, 200, intent)
    }
    const action = /^\/v1\/payment_intents\/([^/]+)\/(capture|cancel)$/.exec(path)
    const intent = action && intents.get(action[1] ?? '')
    if (request.method !== 'POST' || !action)
      return error(
        response,
        404,
        'invalid_request_error',
        `Unrecognized request URL (${request.method}: ${path})`,
      )
    if (!intent)
      return error(
        response,
        404,
        'invalid_request_error',
        `No such payment_intent: '${action[1]}'`,
        'resource_missing',
      )
    // Stripe cancels an intent still waiting for authentication too; it captures only a held one.
    const cancellable = ['requires_capture', 'requires_action', 'requires_payment_method']
    if (action[2] === 'capture' ? intent.status !== 'requires_capture' : !cancellable.includes(intent.status))
      return error(
        response,
        400,
        'invalid_request_error',
        `This PaymentIntent's status is ${intent.status}`,
        'payment_intent_unexpected_state',
      )
    if (action[2] === 'capture') {
      const amount =
        form['amount_to_capture'] === undefined ? intent.amount : Number(form['amount_to_capture'])
      if (!Number.isInteger(amount) || amount < 1 || amount > intent.amount_capturable)
        return error(response, 400, 'invalid_request_error', 'amount_to_capture: more than can be captured')
      Object.assign(intent, { status: 'succeeded', amount_received: amount, amount_capturable: 0 })
    } else Object.assign(intent, { status: 'canceled', amount_capturable: 0 })
    return send(response, 200, intent)
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((failure: unknown) => error(response, 500, 'api_error', String(failure)))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const fake: FakeStripe = {
    url: `http://127.0.0.1:${port}`,
    secretKey,
    intents,
    requests,
    down: false,
    authenticate(intentId, succeeded) {
      const intent = intents.get(intentId)
      if (intent?.status !== 'requires_action') throw new Error(`${intentId} waits for no authentication`)
      Object.assign(intent, {
        status: succeeded ? 'requires_capture' : 'requires_payment_method',
        next_action: null,
      })
    },
    close() {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
  return fake
}
