import { randomUUID } from 'node:crypto'
import type { EventSink } from '../core/events.ts'
import type { HubIdentity } from '../core/hub-identity.ts'
import type { DirectoryTransaction } from '../directory/directory-transaction.ts'
import type { PartyDirectory } from '../directory/party-directory.ts'
import type { HubEvents } from '../events/hub-events.ts'
import { setLiveStatus } from '../modules/hub-client-info/hub-client-info.service.ts'
import { resumeReceiver } from './outbox.ts'

type LiveStatus = 'CONNECTED' | 'OFFLINE'
type LiveStatusEvents = Pick<HubEvents, 'party.connected' | 'party.disconnected'>

/**
 * The one way a platform's live status changes (the delivery worker's verdict, the still-alive check, the
 * OICP bridge), in the caller's transaction holding the platform's row lock: the platform and its live
 * parties get `status`, their ClientInfo is queued to the other partners, and a platform back to CONNECTED
 * has its waiting messages due at once with fresh attempts (tries spent while it was down say nothing of
 * the messages). `seenAt`: the platform answered then (a probe). Returns the ClientInfo messages queued.
 * Tell the hub with announceLiveStatus once the transaction has committed.
 */
export async function changeLiveStatus(
  tx: DirectoryTransaction,
  hub: HubIdentity,
  platformId: string,
  status: LiveStatus,
  options: { readonly correlationId: string; readonly seenAt?: Date },
): Promise<number> {
  // Also moves updated_at: after an OFFLINE verdict the still-alive check trusts only calls made since.
  await tx.updatePlatform(platformId, {
    status,
    ...(options.seenAt ? { last_seen_at: options.seenAt } : {}),
  })
  if (status === 'CONNECTED') await resumeReceiver(tx.db, platformId)
  return setLiveStatus(tx, hub, platformId, status, options.correlationId)
}

/** The hub's event of a live status change made by changeLiveStatus (webhooks and the like listen). */
export function announceLiveStatus(
  events: EventSink<LiveStatusEvents>,
  platformId: string,
  status: LiveStatus,
): void {
  if (status === 'CONNECTED') events.emit('party.connected', { platformId, reason: 'answered_again' })
  else events.emit('party.disconnected', { platformId, status, reason: 'stopped_answering' })
}

/**
 * Marks a CONNECTED platform that stopped answering deliveries OFFLINE, with its CONNECTED parties, and
 * queues their ClientInfo to the other partners (mod_hub_client_info). The still-alive check makes it
 * CONNECTED again once it answers. Returns the number of messages queued (0 when it was not CONNECTED).
 */
export async function markReceiverOffline(
  directory: PartyDirectory,
  hub: HubIdentity,
  events: EventSink<LiveStatusEvents>,
  platformId: string,
): Promise<number> {
  return (await markReceiver(directory, hub, events, platformId, 'CONNECTED', 'OFFLINE')) ?? 0
}

/**
 * An OFFLINE platform answered again, as seen by a part of the hub other than the still-alive check (the
 * OICP bridge, which has no versions endpoint to probe, when HBS answers its pull or the operator
 * reconfigures it): CONNECTED again with its parties, its waiting messages due at once with fresh attempts,
 * their ClientInfo queued to the other partners. Returns the number of messages queued, or undefined when
 * it was not OFFLINE.
 */
export async function markReceiverOnline(
  directory: PartyDirectory,
  hub: HubIdentity,
  events: EventSink<LiveStatusEvents>,
  platformId: string,
): Promise<number | undefined> {
  return markReceiver(directory, hub, events, platformId, 'OFFLINE', 'CONNECTED')
}

/** `from` → `to` in a transaction of its own; undefined when the platform was not `from`. */
async function markReceiver(
  directory: PartyDirectory,
  hub: HubIdentity,
  events: EventSink<LiveStatusEvents>,
  platformId: string,
  from: LiveStatus,
  to: LiveStatus,
): Promise<number | undefined> {
  const queued = await directory.write(async (tx) => {
    const platform = await tx.lockPlatform(platformId)
    if (platform?.status !== from) return undefined
    return changeLiveStatus(tx, hub, platformId, to, { correlationId: randomUUID() })
  })
  if (queued !== undefined) announceLiveStatus(events, platformId, to)
  return queued
}
