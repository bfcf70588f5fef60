import { randomUUID } from 'node:crypto'
import type { PartyDirectory } from '../directory/party-directory.ts'
import type { HubIdentity } from '../hub-context.ts'
import { setLiveStatus } from '../modules/hub-client-info/hub-client-info.service.ts'

/**
 * Marks a CONNECTED platform that stopped answering deliveries OFFLINE, with its CONNECTED parties, and
 * queues their ClientInfo to the other partners (mod_hub_client_info). The still-alive check makes it
 * CONNECTED again once it answers. Returns the number of messages queued (0 when it was not CONNECTED).
 */
export async function markReceiverOffline(
  directory: PartyDirectory,
  hub: HubIdentity,
  platformId: string,
): Promise<number> {
  return directory.write(async (tx) => {
    const platform = await tx.lockPlatform(platformId)
    if (platform?.status !== 'CONNECTED') return 0
    // Also moves updated_at: the still-alive check trusts only calls after this, so it probes the platform
    // before resuming its queue.
    await tx.updatePlatform(platformId, { status: 'OFFLINE' })
    return setLiveStatus(tx, hub, platformId, 'OFFLINE', randomUUID())
  })
}
