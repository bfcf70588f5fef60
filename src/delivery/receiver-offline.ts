import { randomUUID } from 'node:crypto'
import type { EventSink } from '../core/events.ts'
import type { HubIdentity } from '../core/hub-identity.ts'
import type { PartyDirectory } from '../directory/party-directory.ts'
import type { HubEvents } from '../events/hub-events.ts'
import { setLiveStatus } from '../modules/hub-client-info/hub-client-info.service.ts'
import { resumeReceiver } from './outbox.ts'

/**
 * Marks a CONNECTED platform that stopped answering deliveries OFFLINE, with its CONNECTED parties, and
 * queues their ClientInfo to the other partners (mod_hub_client_info). The still-alive check makes it
 * CONNECTED again once it answers. Returns the number of messages queued (0 when it was not CONNECTED).
 */
export async function markReceiverOffline(
  directory: PartyDirectory,
  hub: HubIdentity,
  events: EventSink<Pick<HubEvents, 'party.disconnected'>>,
  platformId: string,
): Promise<number> {
  const queued = await directory.write(async (tx) => {
    const platform = await tx.lockPlatform(platformId)
    if (platform?.status !== 'CONNECTED') return undefined
    // Also moves updated_at: the still-alive check trusts only calls after this, so it probes the platform
    // before resuming its queue.
    await tx.updatePlatform(platformId, { status: 'OFFLINE' })
    return setLiveStatus(tx, hub, platformId, 'OFFLINE', randomUUID())
  })
  if (queued === undefined) return 0
  events.emit('party.disconnected', { platformId, status: 'OFFLINE', reason: 'stopped_answering' })
  return queued
}

/**
 * An OFFLINE platform answered again, as seen by a part of the hub other than the still-alive check (the
 * OICP bridge, which has no versions endpoint to probe, when HBS answers its pull): CONNECTED again with
 * its parties, its waiting messages due at once with fresh attempts, their ClientInfo queued to the other
 * partners. Returns the number of messages queued, or undefined when it was not OFFLINE.
 */
export async function markReceiverOnline(
  directory: PartyDirectory,
  hub: HubIdentity,
  events: EventSink<Pick<HubEvents, 'party.connected'>>,
  platformId: string,
): Promise<number | undefined> {
  const queued = await directory.write(async (tx) => {
    const platform = await tx.lockPlatform(platformId)
    if (platform?.status !== 'OFFLINE') return undefined
    await tx.updatePlatform(platformId, { status: 'CONNECTED' })
    await resumeReceiver(tx.db, platformId)
    return setLiveStatus(tx, hub, platformId, 'CONNECTED', randomUUID())
  })
  if (queued === undefined) return undefined
  events.emit('party.connected', { platformId, reason: 'answered_again' })
  return queued
}
