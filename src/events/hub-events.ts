import { EventBus, type EventSink } from '../core/events.ts'
import type { PartyRef } from '../core/party.ts'
import type { CanonicalObject, CanonicalPatch } from '../modules/canonical.ts'
import type { PartnerExchange } from '../partners/ocpi/ocpi-client.ts'

/**
 * The hub's domain events: what became true, as plain values, for the message log, metrics and later UIs
 * and webhooks. Events about stored objects are emitted after their transaction committed; the others when
 * the partner's answer (or the queue's record of it) made them true. docs/architecture.md lists them.
 */
export interface HubEvents {
  /** A platform's credentials handshake completed, or an OFFLINE platform answered again. */
  'party.connected': PartyConnected
  /** A platform went OFFLINE (stopped answering) or SUSPENDED (unregistered). */
  'party.disconnected': PartyDisconnected
  /** An owner's Location (or an EVSE or Connector of it) was stored and queued for every receiver. */
  'location.changed': OwnedObjectChanged<'Location'>
  'tariff.changed': OwnedObjectChanged<'Tariff'>
  'token.changed': OwnedObjectChanged<'Token'>
  'booking_location.changed': OwnedObjectChanged<'BookingLocation'>
  /** A CPO's Session PUT or PATCH was accepted by the party it was routed to. */
  'session.updated': SessionUpdated
  /** A CPO's CDR was accepted by the eMSP it was routed to (once: a retry answered from the hub's record is no new event). */
  'cdr.received': CdrReceived
  /** The price check of a received CDR recorded a discrepancy (docs/pricing.md): after `cdr.received`. */
  'cdr.price_discrepancy': CdrPriceDiscrepancy
  /** A queued message was accepted by its receiver. */
  'delivery.delivered': DeliveryAttempt
  /** A queued message failed and will be tried again. */
  'delivery.failed': DeliveryFailed
  /** A queued message was parked as dead: it is not tried again unless an operator retries it. */
  'delivery.dead': DeliveryFailed
  /** One outbound HTTP call to a partner, as it went (the message log's outbound entries). */
  'partner.exchange': PartnerExchange
  /** A roaming agreement was proposed or changed state (docs/agreements.md), after the commit. */
  'agreement.changed': AgreementChanged
  /** A party blocked another, or lifted its block, after the commit. */
  'block.changed': BlockChanged
}

export type HubEventBus = EventBus<HubEvents>

export interface PartyConnected {
  readonly platformId: string
  readonly reason: 'registered' | 'registered_at_partner' | 'credentials_updated' | 'answered_again'
}

export interface PartyDisconnected {
  readonly platformId: string
  readonly status: 'OFFLINE' | 'SUSPENDED'
  readonly reason: 'unregistered' | 'stopped_answering'
}

export interface OwnedObjectChanged<Kind extends 'Location' | 'Tariff' | 'Token' | 'BookingLocation'> {
  readonly owner: PartyRef
  readonly objectId: string
  /** The part written below the owner: `LOC1/EVSE1` for an EVSE of Location LOC1. */
  readonly targetPath: string
  readonly method: 'PUT' | 'PATCH' | 'DELETE'
  /** The hub's whole copy after the write; undefined when the write deleted it. */
  readonly object: CanonicalObject<Kind> | undefined
  /** Messages queued for the receivers. */
  readonly receivers: number
  readonly correlationId: string
}

/** The event name of each module whose objects the hub stores and broadcasts. */
const OBJECT_CHANGED_EVENTS = {
  locations: 'location.changed',
  tariffs: 'tariff.changed',
  tokens: 'token.changed',
  bookings: 'booking_location.changed',
} as const satisfies Record<string, keyof HubEvents>

/**
 * `location.changed`, `tariff.changed` or `token.changed`: the event of an owner's write the hub stored,
 * with the hub's copy after it (`stored`, as the object store gives it; undefined when deleted).
 */
export function emitObjectChanged(
  events: EventSink<HubEvents>,
  write: Pick<OwnedObjectChanged<never>, 'owner' | 'objectId' | 'targetPath' | 'method'> & {
    readonly module: keyof typeof OBJECT_CHANGED_EVENTS
  },
  stored: Readonly<Record<string, unknown>> | undefined,
  receivers: number,
  correlationId: string,
): void {
  const { owner, objectId, targetPath, method } = write
  // The copy was built from bodies the module's route schema validated. `never`: OBJECT_CHANGED_EVENTS
  // pairs each module with its event, a correlation of two unions TypeScript cannot follow.
  const object = stored as never
  events.emit(OBJECT_CHANGED_EVENTS[write.module], {
    owner,
    objectId,
    targetPath,
    method,
    object,
    receivers,
    correlationId,
  })
}

interface SessionMessage {
  /** The CPO the session belongs to. */
  readonly owner: PartyRef
  /** The party (eMSP, SCSP) that accepted it. */
  readonly receiver: PartyRef
  readonly sessionId: string
  readonly correlationId: string
}

/** A PUT carries the whole Session, a PATCH only the fields it changes. */
export type SessionUpdated =
  | (SessionMessage & { readonly method: 'PUT'; readonly session: CanonicalObject<'Session'> })
  | (SessionMessage & { readonly method: 'PATCH'; readonly session: CanonicalPatch<'Session'> })

export interface CdrPriceDiscrepancy {
  readonly cpo: PartyRef
  readonly emsp: PartyRef
  readonly cdrId: string
  readonly correlationId: string
}

export interface CdrReceived {
  readonly cpo: PartyRef
  readonly emsp: PartyRef
  readonly cdr: CanonicalObject<'CDR'>
  readonly correlationId: string
}

export interface DeliveryAttempt {
  readonly deliveryId: number
  readonly receiverPlatformId: string
  readonly to: PartyRef
  readonly module: string
  /** Tries so far, this one included. */
  readonly attempts: number
  readonly correlationId: string
}

export interface DeliveryFailed extends DeliveryAttempt {
  readonly error: string
  /** When it is tried again; undefined for a dead message. */
  readonly retryAt: Date | undefined
}

/** What a change of who roams with whom queued, in the transaction that made it. */
export interface RoamingMessages {
  /** PUTs of the CPO's current Locations and Tariffs for a party that now roams with it. */
  readonly caughtUp: number
  /** Locations unpublished and Tariffs deleted at a party that no longer roams with their CPO. */
  readonly withdrawn: number
  readonly correlationId: string
}

export interface AgreementChanged extends RoamingMessages {
  readonly agreementId: string
  readonly cpo: PartyRef
  readonly emsp: PartyRef
  /** The state it is in now: `proposed` for a new agreement. */
  readonly state: 'proposed' | 'active' | 'suspended' | 'ended'
  readonly modules: readonly string[] | null
  readonly locationIds: readonly string[] | null
  readonly validFrom: Date | null
  readonly validUntil: Date | null
  /**
   * Set when no state changed but one of its validity bounds passed (the periodic check): it began to apply
   * (`valid_from`) or stopped (`valid_until`).
   */
  readonly bound?: 'began' | 'ended'
}

export interface BlockChanged extends RoamingMessages {
  readonly blocker: PartyRef
  readonly blocked: PartyRef
  readonly change: 'added' | 'removed'
}

/** The hub's bus: a listener that throws or rejects is logged through `onListenerFailure`, never felt by the emitter. */
export function createHubEvents(onListenerFailure: (error: unknown, eventName: string) => void): HubEventBus {
  return new EventBus<HubEvents>(onListenerFailure)
}
