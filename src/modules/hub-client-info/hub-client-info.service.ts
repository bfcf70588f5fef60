import { randomUUID } from 'node:crypto'
import type { PartyRef } from '../../core/party.ts'
import { enqueue, type OutboundMessage } from '../../delivery/outbox.ts'
import { hubParty, type HubIdentity } from '../../core/hub-identity.ts'
import type { DirectoryTransaction } from '../../directory/directory-transaction.ts'
import type { PartyDirectory } from '../../directory/party-directory.ts'
import type { PartyPageRequest } from '../../directory/party-page.ts'
import type { PageCursor } from '../../storage/owned-objects.store.ts'
import type { ConnectionStatus, PartyRow } from '../../storage/tables.ts'
import { outboundPath } from '../../core/outbound-path.ts'
import { broadcastCrosses } from '../../peering/peer-hub.ts'
import type { ClientInfo } from './hub-client-info.schema.ts'

/**
 * HubClientInfo as the hub keeps it: one ClientInfo per row of the parties table. The hub is the SENDER
 * (mod_hub_client_info): partners read the list, and the hub PUTs each status change to their RECEIVER.
 */

export const HUB_CLIENT_INFO_MODULE = 'hubclientinfo'

export function clientInfoOf(party: PartyRow): ClientInfo {
  return {
    party_id: party.party_id,
    country_code: party.country_code,
    role: party.role as ClientInfo['role'],
    status: party.status,
    last_updated: party.last_updated.toISOString(),
  }
}

/** The parties of a platform as they are now: taken before a change, compared with after it. */
export async function partyStatuses(tx: DirectoryTransaction, platformId: string): Promise<PartyRow[]> {
  return tx.partiesOf(platformId)
}

const roleKey = (party: PartyRow) => `${party.role}|${party.country_code}|${party.party_id}`

interface ClientInfoReceiver {
  readonly platformId: string
  readonly peerHub: boolean
  /** The receiving platform's first connected party, recorded as TO in the queue (never sent as a header). */
  readonly to: PartyRef
}

/** Every CONNECTED platform but `exceptPlatformId` that offers the hubclientinfo RECEIVER interface. */
async function clientInfoReceivers(
  tx: DirectoryTransaction,
  exceptPlatformId: string,
): Promise<ClientInfoReceiver[]> {
  const rows = await tx.connectedPlatformParties(exceptPlatformId)
  const receivers: ClientInfoReceiver[] = []
  for (const row of rows) {
    if (receivers.at(-1)?.platformId === row.id) continue
    const offersReceiver = row.endpoints.some(
      (e) => e.identifier.toLowerCase() === HUB_CLIENT_INFO_MODULE && e.role === 'RECEIVER',
    )
    if (offersReceiver)
      receivers.push({
        platformId: row.id,
        peerHub: row.peer_hub,
        to: { country_code: row.country_code, party_id: row.party_id },
      })
  }
  return receivers
}

/**
 * Queues, in the caller's transaction, a ClientInfo PUT `{hubclientinfo}/{cc}/{pid}` for every party of
 * `platformId` whose status differs from `before` (a new party counts as changed), to every other
 * connected platform offering the RECEIVER (a peer hub only for parties of no other peer). Call after the change, inside its transaction; wake the
 * delivery worker once it is committed. Returns the number of messages queued.
 */
export async function queueClientInfoChanges(
  tx: DirectoryTransaction,
  hub: HubIdentity,
  platformId: string,
  before: readonly PartyRow[],
  correlationId: string = randomUUID(),
): Promise<number> {
  const previous = new Map(before.map((p) => [roleKey(p), p.status]))
  const changed = (await partyStatuses(tx, platformId)).filter((p) => previous.get(roleKey(p)) !== p.status)
  if (changed.length === 0) return 0
  const owner = await tx.platform(platformId)
  // A peer hub's parties are told to this hub's own partners, never to another peer hub (one hop).
  const receivers = (await clientInfoReceivers(tx, platformId)).filter((receiver) =>
    broadcastCrosses(owner, { peer_hub: receiver.peerHub }),
  )
  const from = hubParty(hub)
  const messages = receivers.flatMap((receiver) =>
    changed.map((party): OutboundMessage => {
      // A party holding two roles under one {cc}/{pid} has two ClientInfos: the role keeps them apart in the queue.
      const object = `${party.country_code}/${party.party_id}/${party.role}`
      return {
        receiverPlatformId: receiver.platformId,
        to: receiver.to,
        from,
        module: HUB_CLIENT_INFO_MODULE,
        method: 'PUT',
        path: outboundPath([party.country_code, party.party_id]),
        body: clientInfoOf(party),
        correlationId,
        objectKey: object,
        targetPath: object,
        // A newer status replaces an older one still waiting: the receiver only needs the latest.
        replacesTarget: true,
      }
    }),
  )
  await enqueue(tx.db, messages)
  return messages.length
}

/**
 * Sets the CONNECTED or OFFLINE parties of a platform to `status` (PLANNED and SUSPENDED ones stay) and
 * queues ClientInfo for those that changed. The caller holds the platform's row lock.
 */
export async function setLiveStatus(
  tx: DirectoryTransaction,
  hub: HubIdentity,
  platformId: string,
  status: Extract<ConnectionStatus, 'CONNECTED' | 'OFFLINE'>,
  correlationId?: string,
): Promise<number> {
  const before = await partyStatuses(tx, platformId)
  await tx.setLivePartiesStatus(platformId, status)
  return queueClientInfoChanges(tx, hub, platformId, before, correlationId)
}

export interface ClientInfoPage {
  readonly items: ClientInfo[]
  readonly total: number
  /** Cursor of the last item: `object_id` holds the role (the list's order ends with it). */
  readonly last: PageCursor | undefined
}

/** The ClientInfo list a platform may read (PartyDirectory.listPartiesPage says which parties). */
export async function listClientInfoPage(
  directory: PartyDirectory,
  callerPlatformId: string,
  page: PartyPageRequest,
): Promise<ClientInfoPage> {
  const { parties, total, last } = await directory.listPartiesPage(callerPlatformId, page)
  return { items: parties.map(clientInfoOf), total, last }
}
