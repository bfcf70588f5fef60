import type { ModuleId } from '../core/modules.ts'
import type { DeliveryRow } from '../storage/tables.ts'

/** The outcome of one try of a webhook delivery, as the delivery worker records it. */
export type WebhookOutcome =
  | { readonly kind: 'delivered'; readonly httpStatus: number }
  | {
      readonly kind: 'failed'
      readonly error: string
      readonly httpStatus: number | undefined
      /** Nothing will make it deliverable (an address the hub may not call): parked as dead at once. */
      readonly permanent: boolean
      /** The receiver asked the hub to wait this long (Retry-After). */
      readonly retryAfterMs: number | undefined
    }
  /** The hub ran out of a local resource (file descriptors, memory): not the receiver's failure. */
  | { readonly kind: 'local-resource'; readonly error: string }
  /** Its subscription is gone: there is nowhere to send it. */
  | { readonly kind: 'unsubscribed' }

/**
 * Where the delivery worker sends the messages whose receiver is a webhook subscription, not a partner's
 * platform (src/webhooks/, docs/decisions/0011). They share the outbox: order, retries, dead letters.
 */
export interface WebhookChannel {
  send(message: DeliveryRow, timeoutMs: number): Promise<WebhookOutcome>
  /** Subscriptions whose deliveries wait for now (disabled): neither sent nor counting attempts. */
  waitingReceivers(): readonly string[]
}

/** A message to a partner's platform, for one of its modules. */
export type PartnerMessage = DeliveryRow & { readonly module: ModuleId }

export function isPartnerMessage(message: DeliveryRow): message is PartnerMessage {
  return message.module !== 'webhooks'
}
