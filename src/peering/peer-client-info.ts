import { OcpiError } from '../core/errors.ts'
import { hubParty } from '../core/hub-identity.ts'
import { roleKey, roleLabel, sameParty, type PartyRef } from '../core/party.ts'
import type { HubContext } from '../hub-context.ts'
import type { ClientInfo } from '../modules/hub-client-info/hub-client-info.schema.ts'
import { partyStatuses, queueClientInfoChanges } from '../modules/hub-client-info/hub-client-info.service.ts'

/**
 * A peer hub's ClientInfo PUT (`{hubclientinfo}/{cc}/{pid}`, mod_hub_client_info, this hub as Receiver):
 * a party the peer serves joined, changed status or left. The party is added to, or updated under, the
 * peer's platform, and this hub's own partners are told in turn (never other peer hubs: one hop). A peer
 * may only speak for parties no one else holds: never this hub itself, never a live party of another
 * platform. Only peer hubs may call this: to any other partner the hub is the Sender alone.
 */
export async function takePeerClientInfo(
  context: HubContext,
  request: {
    readonly platformId: string
    readonly party: PartyRef
    readonly clientInfo: ClientInfo
    readonly correlationId: string
  },
): Promise<void> {
  const { platformId, party, clientInfo, correlationId } = request
  await context.directory.catchUp()
  if (context.directory.platform(platformId)?.peer_hub !== true)
    throw new OcpiError(
      'HUB_ERR_WRONG_ROLE',
      'only a peer hub may send ClientInfo to this hub: the hub is the Sender of HubClientInfo to its partners',
    )
  if (!sameParty(party, clientInfo))
    throw new OcpiError('HUB_ERR_ID_MISMATCH', 'the ClientInfo names another party than the URL')
  const conflicts = context.directory.liveRoleConflicts([clientInfo], platformId)
  if (sameParty(clientInfo, hubParty(context.hub)) || conflicts.length > 0)
    throw new OcpiError(
      'HUB_ERR_ROLE_NOT_ALLOWED',
      `${roleLabel(clientInfo)} is held by this hub or another platform: a peer hub speaks only for its own parties`,
    )
  await context.directory.write(async (tx) => {
    await tx.lockPlatform(platformId)
    const before = await partyStatuses(tx, platformId)
    const held = before.some((p) => roleKey(p) === roleKey(clientInfo))
    if (held) await tx.setPartyStatus(platformId, clientInfo, clientInfo.status)
    // A party that left before this hub heard of it stays unknown.
    else if (clientInfo.status !== 'SUSPENDED')
      await tx.insertParties(platformId, clientInfo.status, [clientInfo])
    await queueClientInfoChanges(tx, context.hub, platformId, before, correlationId)
  })
  context.delivery.wake()
}
