import { Agent, request } from 'undici'
import type { WebhookChannel, WebhookOutcome } from '../delivery/webhook-channel.ts'
import { classify } from '../partners/ocpi/ocpi-client.ts'
import { PartnerConnector, type OutboundTlsMaterial } from '../partners/ocpi/partner-connector.ts'
import type { DeliveryRow } from '../storage/tables.ts'
import { signatureHeader, SIGNATURE_HEADER } from './webhook-signature.ts'
import type { WebhookSubscriptions } from './webhook-subscriptions.ts'
import { refusedWebhookUrl } from './webhook-url.ts'

export interface WebhookSenderOptions {
  readonly allowPrivatePeers: boolean
  /** The outbound TLS material partners get (extra CAs, client certificate). */
  readonly tls?: OutboundTlsMaterial | undefined
}

/** Receivers' answers are not read: at most this much is drained to keep the connection reusable. */
const DRAINED_ANSWER_BYTES = 64 * 1024

/**
 * POSTs queued webhook events to their subscriptions' URLs: signed at send time with the subscription's
 * current secret, through a connection pool of its own that refuses private addresses like the partners'
 * (unless HUB_ALLOW_PRIVATE_PEERS), within the outbound timeout; the answer's body is discarded.
 */
export class WebhookSender implements WebhookChannel {
  readonly #subscriptions: WebhookSubscriptions
  readonly #options: WebhookSenderOptions
  readonly #agent: Agent
  readonly #connector: PartnerConnector

  constructor(subscriptions: WebhookSubscriptions, options: WebhookSenderOptions) {
    this.#subscriptions = subscriptions
    this.#options = options
    this.#connector = new PartnerConnector({ allowPrivatePeers: options.allowPrivatePeers, tls: options.tls })
    this.#agent = new Agent({ keepAliveTimeout: 30_000, connections: 16, connect: this.#connector.connect })
  }

  /** Replaces the client certificate and extra CAs (a reload on SIGHUP): used by new connections. */
  useTls(tls: OutboundTlsMaterial): void {
    this.#connector.use(tls)
  }

  waitingReceivers(): readonly string[] {
    return this.#subscriptions.disabledIds()
  }

  async send(message: DeliveryRow, timeoutMs: number): Promise<WebhookOutcome> {
    const subscription = message.webhook_id ? await this.#subscriptions.find(message.webhook_id) : undefined
    if (!subscription) return { kind: 'unsubscribed' }
    const refused = refusedWebhookUrl(subscription.url, this.#options.allowPrivatePeers)
    if (refused) return failed(refused, undefined, { permanent: true })
    const body = message.body ?? ''
    try {
      const answer = await request(subscription.url, {
        dispatcher: this.#agent,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'open-ocpi-hub-webhooks',
          [SIGNATURE_HEADER]: signatureHeader(subscription.secret, body, Math.floor(Date.now() / 1000)),
        },
        body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      })
      await answer.body.dump({ limit: DRAINED_ANSWER_BYTES })
      const status = answer.statusCode
      if (status >= 200 && status < 300) return { kind: 'delivered', httpStatus: status }
      return failed(`${subscription.url} answered HTTP ${status}`, status, {
        retryAfterMs: retryAfterMs(answer.headers['retry-after']),
      })
    } catch (error) {
      const failure = classify(error, subscription.url, timeoutMs)
      if (failure.failure === 'local-resource') return { kind: 'local-resource', error: failure.message }
      const permanent = failure.failure === 'address-refused' || failure.failure === 'invalid-url'
      return failed(failure.message, undefined, { permanent })
    }
  }

  async close(): Promise<void> {
    await this.#agent.close()
  }
}

function failed(
  error: string,
  httpStatus: number | undefined,
  { permanent = false, retryAfterMs }: { permanent?: boolean; retryAfterMs?: number | undefined },
): WebhookOutcome {
  return { kind: 'failed', error, httpStatus, permanent, retryAfterMs }
}

/** A receiver cannot hold a delivery back longer than this with Retry-After. */
const MAX_RETRY_AFTER_MS = 3_600_000

/** Retry-After in seconds (the HTTP-date form is rare from webhook receivers and is ignored). */
function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const seconds = Number(Array.isArray(header) ? header[0] : header)
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, MAX_RETRY_AFTER_MS) : undefined
}
