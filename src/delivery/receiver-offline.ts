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
    await updatePlatform(trx, platformId, { status: 'OFFLINE' })
    // Its last sign of life is older than these failures: the still-alive check must probe it before it
    // counts as CONNECTED again, not trust an earlier contact (that would resume the failing queue at once).
    await trx.updateTable('platforms').set({ last_seen_at: null }).where('id', '=', platformId).execute()
    return setLiveStatus(trx, hub, platformId, 'OFFLINE', randomUUID())
  })
}
