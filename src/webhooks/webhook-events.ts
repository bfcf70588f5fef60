import type { PartyRef } from '../core/party.ts'
import type { AgreementChanged, HubEventBus, OwnedObjectChanged } from '../events/hub-events.ts'

/** The event types an operator may subscribe a URL to (docs/webhooks.md describes each one's `data`). */
export const WEBHOOK_EVENT_TYPES = [
  'location.changed',
  'evse.status_changed',
  'tariff.changed',
  'token.changed',
  'session.updated',
  'session.started',
  'session.ended',
  'cdr.received',
  'party.connected',
  'party.offline',
  'party.suspended',
  'delivery.dead',
  'agreement.proposed',
  'agreement.accepted',
  'agreement.suspended',
  'agreement.ended',
  'agreement.began',
  'agreement.expired',
  'block.added',
  'block.removed',
] as const

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number]

/** Sent by `POST /admin/webhooks/{id}/ping` to that subscription alone, whatever its event types. */
export const PING_EVENT = 'webhook.ping'

const KNOWN_TYPES: ReadonlySet<string> = new Set(WEBHOOK_EVENT_TYPES)

export function isWebhookEventType(value: string): value is WebhookEventType {
  return KNOWN_TYPES.has(value)
}

/** The body of every webhook POST. */
export interface WebhookEvent {
  /** Stable across retries and shared by the subscriptions that receive the event: receivers deduplicate on it. */
  readonly id: string
  readonly type: WebhookEventType | typeof PING_EVENT
  readonly created_at: string
  readonly data: Readonly<Record<string, unknown>>
}

/** Where the translated events go: asked first whether anyone wants a type, so unwanted ones cost nothing. */
export interface WebhookEventTarget {
  wants(type: WebhookEventType): boolean
  publish(type: WebhookEventType, data: Readonly<Record<string, unknown>>, correlationId?: string): void
}

/** Statuses remembered per process (EVSEs, Sessions); at this many the memory starts again. */
const REMEMBERED_STATUSES = 100_000

/**
 * The last status this process saw for each key: tells a change of status from a repeat. Bounded: at
 * `capacity` keys it forgets them all, and the next status of each counts as new (reported once more).
 */
class LastStatuses {
  readonly #known = new Map<string, string>()
  readonly #capacity: number

  constructor(capacity: number) {
    this.#capacity = capacity
  }

  /** Remembers `status` for `key`; returns the one before (undefined: not seen since the process started). */
  swap(key: string, status: string): string | undefined {
    const previous = this.#known.get(key)
    if (previous === undefined && this.#known.size >= this.#capacity) this.#known.clear()
    this.#known.set(key, status)
    return previous
  }
}

const ENDED_STATUSES: ReadonlySet<string> = new Set(['COMPLETED', 'INVALID'])

/**
 * Subscribes to the hub's domain events (src/events/hub-events.ts) and hands `target` the webhook events
 * they mean. Listeners run inside `emit`: each one first asks `target.wants`, so without subscriptions an
 * event costs a lookup in memory. Returns a function that unsubscribes.
 */
export function translateHubEvents(events: HubEventBus, target: WebhookEventTarget): () => void {
  const evseStatuses = new LastStatuses(REMEMBERED_STATUSES)
  const sessionStatuses = new LastStatuses(REMEMBERED_STATUSES)
  const party = (ref: PartyRef) => ({ country_code: ref.country_code, party_id: ref.party_id })

  const unsubscribe = [
    events.on('location.changed', (event) => {
      if (target.wants('location.changed')) {
        target.publish('location.changed', objectChanged(event, 'location'), event.correlationId)
      }
      if (target.wants('evse.status_changed')) publishEvseStatuses(event, evseStatuses, target)
    }),
    events.on('tariff.changed', (event) => {
      if (!target.wants('tariff.changed')) return
      target.publish('tariff.changed', objectChanged(event, 'tariff'), event.correlationId)
    }),
    events.on('token.changed', (event) => {
      if (!target.wants('token.changed')) return
      target.publish('token.changed', objectChanged(event, 'token'), event.correlationId)
    }),
    events.on('session.updated', (event) => {
      const data = {
        cpo: party(event.owner),
        emsp: party(event.receiver),
        session_id: event.sessionId,
        method: event.method,
        session: event.session,
      }
      if (target.wants('session.updated')) target.publish('session.updated', data, event.correlationId)
      const status = event.session.status
      if (status === undefined || !(target.wants('session.started') || target.wants('session.ended'))) return
      const key = `${event.owner.country_code}/${event.owner.party_id}/${event.sessionId}`
      const previous = sessionStatuses.swap(key, status)
      if (status === 'ACTIVE' && previous !== 'ACTIVE' && !ENDED_STATUSES.has(previous ?? '')) {
        target.publish('session.started', { ...data, previous_status: previous ?? null }, event.correlationId)
      }
      if (ENDED_STATUSES.has(status) && !ENDED_STATUSES.has(previous ?? '')) {
        target.publish('session.ended', { ...data, previous_status: previous ?? null }, event.correlationId)
      }
    }),
    events.on('cdr.received', (event) => {
      if (!target.wants('cdr.received')) return
      target.publish(
        'cdr.received',
        { cpo: party(event.cpo), emsp: party(event.emsp), cdr: event.cdr },
        event.correlationId,
      )
    }),
    events.on('party.connected', (event) => {
      if (!target.wants('party.connected')) return
      target.publish('party.connected', { platform_id: event.platformId, reason: event.reason })
    }),
    events.on('party.disconnected', (event) => {
      const type = event.status === 'OFFLINE' ? 'party.offline' : 'party.suspended'
      if (!target.wants(type)) return
      target.publish(type, { platform_id: event.platformId, reason: event.reason })
    }),
    events.on('delivery.dead', (event) => {
      // A dead webhook delivery is no event for webhooks: reporting it to a receiver that is down would
      // queue one more delivery that dies, without end.
      if (event.module === 'webhooks' || !target.wants('delivery.dead')) return
      target.publish(
        'delivery.dead',
        {
          delivery_id: event.deliveryId,
          receiver_platform_id: event.receiverPlatformId,
          to: party(event.to),
          module: event.module,
          attempts: event.attempts,
          error: event.error,
        },
        event.correlationId,
      )
    }),
    events.on('agreement.changed', (event) => {
      const type = event.bound ? AGREEMENT_BOUND_EVENT_TYPES[event.bound] : AGREEMENT_EVENT_TYPES[event.state]
      if (!target.wants(type)) return
      target.publish(
        type,
        {
          agreement_id: event.agreementId,
          cpo: party(event.cpo),
          emsp: party(event.emsp),
          state: event.state,
          modules: event.modules,
          location_ids: event.locationIds,
          valid_from: event.validFrom?.toISOString() ?? null,
          valid_until: event.validUntil?.toISOString() ?? null,
          caught_up: event.caughtUp,
          withdrawn: event.withdrawn,
        },
        event.correlationId,
      )
    }),
    events.on('block.changed', (event) => {
      const type = event.change === 'added' ? 'block.added' : 'block.removed'
      if (!target.wants(type)) return
      target.publish(
        type,
        {
          blocker: party(event.blocker),
          blocked: party(event.blocked),
          caught_up: event.caughtUp,
          withdrawn: event.withdrawn,
        },
        event.correlationId,
      )
    }),
  ]
  return () => unsubscribe.forEach((stop) => stop())
}

/** The webhook event of each state an agreement is proposed in or moved to. */
const AGREEMENT_EVENT_TYPES = {
  proposed: 'agreement.proposed',
  active: 'agreement.accepted',
  suspended: 'agreement.suspended',
  ended: 'agreement.ended',
} as const satisfies Record<AgreementChanged['state'], WebhookEventType>

/** The webhook event of an active agreement whose validity began or ended (no state changed). */
const AGREEMENT_BOUND_EVENT_TYPES = {
  began: 'agreement.began',
  ended: 'agreement.expired',
} as const satisfies Record<NonNullable<AgreementChanged['bound']>, WebhookEventType>

/** `location.changed`, `tariff.changed`, `token.changed`: the write and the hub's whole copy after it. */
function objectChanged(
  event: OwnedObjectChanged<'Location' | 'Tariff' | 'Token'>,
  name: 'location' | 'tariff' | 'token',
): Record<string, unknown> {
  return {
    party: { country_code: event.owner.country_code, party_id: event.owner.party_id },
    [`${name}_id`]: event.objectId,
    target: event.targetPath,
    method: event.method,
    [name]: event.object ?? null,
  }
}

/**
 * `evse.status_changed` for each EVSE of the written part whose status differs from the last one this
 * process saw (or was not seen yet): a write of the whole Location looks at all its EVSEs, a write of an
 * EVSE or one of its Connectors at that EVSE.
 */
function publishEvseStatuses(
  event: OwnedObjectChanged<'Location'>,
  statuses: LastStatuses,
  target: WebhookEventTarget,
): void {
  const location = event.object
  if (!location) return
  const writtenEvse = event.targetPath.split('/')[1]
  for (const evse of location.evses ?? []) {
    if (writtenEvse !== undefined && evse.uid !== writtenEvse) continue
    const key = `${event.owner.country_code}/${event.owner.party_id}/${location.id}/${evse.uid}`
    const previous = statuses.swap(key, evse.status)
    if (previous === evse.status) continue
    target.publish(
      'evse.status_changed',
      {
        party: { country_code: event.owner.country_code, party_id: event.owner.party_id },
        location_id: location.id,
        evse_uid: evse.uid,
        status: evse.status,
        previous_status: previous ?? null,
        evse,
      },
      event.correlationId,
    )
  }
}
