import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { AT_ENDPOINT } from '../core/outbound-path.ts'
import type { PartyRef } from '../core/party.ts'
import { enqueue, type OutboundMessage } from '../delivery/outbox.ts'
import type { Db } from '../storage/database.ts'
import {
  PING_EVENT,
  type WebhookEvent,
  type WebhookEventTarget,
  type WebhookEventType,
} from './webhook-events.ts'
import type { WebhookSubscription, WebhookSubscriptions } from './webhook-subscriptions.ts'

/** Queued messages per enqueue when events come faster than they are queued. */
const MAX_BATCH = 500

/**
 * Every event of one subscription is one ordering key of the outbox (src/delivery/outbox.ts): its
 * deliveries go out one at a time, in the order they were queued, a dead one letting the next go.
 */
const ORDERING_OBJECT = 'hub/events'

export interface WebhookPublisherOptions {
  /** The hub as a party: the sender and receiver columns of a webhook delivery in the outbox. */
  readonly hub: PartyRef
  /** Wakes the delivery worker once messages are queued. */
  readonly wake: () => void
}

/**
 * Queues webhook events in the outbox for the enabled subscriptions that want them. Events are queued in
 * the order they were published, several at a time when they come faster than the store takes them, in
 * one enqueue (two statements) per batch, outside the transaction of the change that caused them
 * (docs/decisions/0011: a crash in between loses them).
 */
export class WebhookPublisher implements WebhookEventTarget {
  readonly #db: Db
  readonly #subscriptions: WebhookSubscriptions
  readonly #log: FastifyBaseLogger
  readonly #options: WebhookPublisherOptions
  #pending: OutboundMessage[] = []
  #flushing: Promise<void> | undefined

  constructor(
    db: Db,
    subscriptions: WebhookSubscriptions,
    log: FastifyBaseLogger,
    options: WebhookPublisherOptions,
  ) {
    this.#db = db
    this.#subscriptions = subscriptions
    this.#log = log.child({ component: 'webhooks' })
    this.#options = options
  }

  wants(type: WebhookEventType): boolean {
    return this.#subscriptions.wants(type)
  }

  publish(type: WebhookEventType, data: Readonly<Record<string, unknown>>, correlationId?: string): void {
    const receivers = this.#subscriptions.receiversOf(type)
    if (receivers.length === 0) return
    const event = newEvent(type, data)
    this.#pending.push(...receivers.map((subscription) => this.#message(subscription, event, correlationId)))
    this.#flushing ??= this.#flush()
  }

  /** Queues a `webhook.ping` for this subscription alone, whatever its event types; resolves once it is queued. */
  async ping(subscription: WebhookSubscription): Promise<WebhookEvent> {
    const event = newEvent(PING_EVENT, { webhook_id: subscription.id })
    await enqueue(this.#db, [this.#message(subscription, event, undefined)])
    this.#options.wake()
    return event
  }

  /** Resolves once every event published so far is queued (or its failure logged): before the store closes. */
  async settled(): Promise<void> {
    await this.#flushing
  }

  #message(subscription: WebhookSubscription, event: WebhookEvent, correlationId: string | undefined) {
    const hub = this.#options.hub
    return {
      receiverPlatformId: subscription.id,
      webhookId: subscription.id,
      to: hub,
      from: hub,
      module: 'webhooks',
      method: 'POST',
      path: AT_ENDPOINT,
      // One object for every receiver of the event: the outbox serialises it once.
      body: event,
      correlationId: correlationId ?? event.id,
      objectKey: ORDERING_OBJECT,
      targetPath: '',
      replacesTarget: false,
    } satisfies OutboundMessage
  }

  async #flush(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0, MAX_BATCH)
        try {
          await enqueue(this.#db, batch)
          this.#options.wake()
        } catch (error) {
          this.#log.error(
            { err: error, deliveries: batch.length },
            'webhook events could not be queued: they are lost',
          )
        }
      }
    } finally {
      this.#flushing = undefined
    }
  }
}

function newEvent(type: WebhookEvent['type'], data: Readonly<Record<string, unknown>>): WebhookEvent {
  return { id: randomUUID(), type, created_at: new Date().toISOString(), data }
}
