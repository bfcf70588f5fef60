import { randomUUID } from 'node:crypto'
import type { HubIdentity } from '../hub-context.ts'
import { setLiveStatus } from '../modules/hub-client-info/hub-client-info.service.ts'
import { lockPlatform, updatePlatform } from '../routing/platforms.store.ts'
import type { Db } from '../storage/database.ts'

/**
 * Marks a CONNECTED platform that stopped answering deliveries OFFLINE, with its CONNECTED parties, and
 * queues their ClientInfo to the other partners (mod_hub_client_info). The still-alive check makes it
 * CONNECTED again once it answers. Returns the number of messages queued (0 when it was not CONNECTED).
 */
export async function markReceiverOffline(db: Db, hub: HubIdentity, platformId: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const platform = await lockPlatform(trx, platformId)
    if (platform?.status !== 'CONNECTED') return 0
    // Also moves updated_at: the still-alive check trusts only calls after this, so it probes the platform
    // before resuming its queue.
    await updatePlatform(trx, platformId, { status: 'OFFLINE' })
    return setLiveStatus(trx, hub, platformId, 'OFFLINE', randomUUID())
  })
}
