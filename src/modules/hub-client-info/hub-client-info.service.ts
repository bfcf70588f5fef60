import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import { utcInstant } from '../../core/date-time.ts'
import type { PartyRef } from '../../core/party.ts'
import { enqueue, type OutboundMessage } from '../../delivery/outbox.ts'
import { hubParty, type HubIdentity } from '../../core/hub-identity.ts'
import { listPartiesOf } from '../../routing/platforms.store.ts'
import type { Db } from '../../storage/database.ts'
import type { PageCursor } from '../../storage/owned-objects.store.ts'
import type { ConnectionStatus, PartyRow } from '../../storage/tables.ts'
import { outboundPath } from '../../core/outbound-path.ts'
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
export async function partyStatuses(trx: Db, platformId: string): Promise<PartyRow[]> {
  return listPartiesOf(trx, [platformId])
}

const roleKey = (party: PartyRow) => `${party.role}|${party.country_code}|${party.party_id}`

interface ClientInfoReceiver {
  readonly platformId: string
  /** The receiving platform's first connected party, recorded as TO in the queue (never sent as a header). */
  readonly to: PartyRef
}

/** Every CONNECTED platform but `exceptPlatformId` that offers the hubclientinfo RECEIVER interface. */
async function clientInfoReceivers(trx: Db, exceptPlatformId: string): Promise<ClientInfoReceiver[]> {
  const rows = await trx
    .selectFrom('platforms')
    .innerJoin('parties', 'parties.platform_id', 'platforms.id')
    .select(['platforms.id', 'platforms.endpoints', 'parties.country_code', 'parties.party_id'])
    .where('platforms.status', '=', 'CONNECTED')
    .where('parties.status', '=', 'CONNECTED')
    .where('platforms.id', '<>', exceptPlatformId)
    .orderBy('platforms.id')
    .orderBy('parties.country_code')
    .orderBy('parties.party_id')
    .orderBy('parties.role')
    .execute()
  const receivers: ClientInfoReceiver[] = []
  for (const row of rows) {
    if (receivers.at(-1)?.platformId === row.id) continue
    const offersReceiver = row.endpoints.some(
      (e) => e.identifier.toLowerCase() === HUB_CLIENT_INFO_MODULE && e.role === 'RECEIVER',
    )
    if (offersReceiver)
      receivers.push({ platformId: row.id, to: { country_code: row.country_code, party_id: row.party_id } })
  }
  return receivers
}

/**
 * Queues, in the caller's transaction, a ClientInfo PUT `{hubclientinfo}/{cc}/{pid}` for every party of
 * `platformId` whose status differs from `before` (a new party counts as changed), to every other
 * connected platform offering the RECEIVER. Call after the change, inside its transaction; wake the
 * delivery worker once it is committed. Returns the number of messages queued.
 */
export async function queueClientInfoChanges(
  trx: Db,
  hub: HubIdentity,
  platformId: string,
  before: readonly PartyRow[],
  correlationId: string = randomUUID(),
): Promise<number> {
  const previous = new Map(before.map((p) => [roleKey(p), p.status]))
  const changed = (await partyStatuses(trx, platformId)).filter((p) => previous.get(roleKey(p)) !== p.status)
  if (changed.length === 0) return 0
  const receivers = await clientInfoReceivers(trx, platformId)
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
  await enqueue(trx, messages)
  return messages.length
}

/**
 * Sets the CONNECTED or OFFLINE parties of a platform to `status` (PLANNED and SUSPENDED ones stay) and
 * queues ClientInfo for those that changed. The caller holds the platform's row lock.
 */
export async function setLiveStatus(
  trx: Db,
  hub: HubIdentity,
  platformId: string,
  status: Extract<ConnectionStatus, 'CONNECTED' | 'OFFLINE'>,
  correlationId?: string,
): Promise<number> {
  const before = await partyStatuses(trx, platformId)
  await trx
    .updateTable('parties')
    .set({ status, last_updated: new Date() })
    .where('platform_id', '=', platformId)
    .where('status', 'in', ['CONNECTED', 'OFFLINE'])
    .where('status', '<>', status)
    .execute()
  return queueClientInfoChanges(trx, hub, platformId, before, correlationId)
}

export interface ClientInfoPageRequest {
  readonly offset: number
  readonly limit: number
  readonly dateFrom: string | undefined
  readonly dateTo: string | undefined
  readonly after: PageCursor | undefined
}

export interface ClientInfoPage {
  readonly items: ClientInfo[]
  readonly total: number
  /** Cursor of the last item: `object_id` holds the role (the list's order ends with it). */
  readonly last: PageCursor | undefined
}

/**
 * The ClientInfo list a platform may read: every party of every other platform (invited, connected,
 * offline or gone), oldest change first. A role held again after an unregistration is shown once: the
 * live holder, else the latest SUSPENDED one, so (country_code, party_id, role) is unique in the list and
 * (last_updated, country_code, party_id, role) is a stable order.
 */
export async function listClientInfoPage(
  db: Db,
  callerPlatformId: string,
  page: ClientInfoPageRequest,
): Promise<ClientInfoPage> {
  let base = db
    .selectFrom('parties as p')
    .where('p.platform_id', '<>', callerPlatformId)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('parties as other')
            .select(sql.lit(1).as('one'))
            .whereRef('other.role', '=', 'p.role')
            .whereRef('other.country_code', '=', 'p.country_code')
            .whereRef('other.party_id', '=', 'p.party_id')
            .whereRef('other.platform_id', '<>', 'p.platform_id')
            .where('p.status', '=', 'SUSPENDED')
            .where((eb) =>
              eb.or([
                eb('other.status', '<>', 'SUSPENDED'),
                sql<boolean>`(other.last_updated, other.platform_id) > (p.last_updated, p.platform_id)`,
              ]),
            ),
        ),
      ),
    )
  if (page.dateFrom)
    base = base.where('p.last_updated', '>=', sql<Date>`${utcInstant(page.dateFrom)}::timestamptz`)
  if (page.dateTo)
    base = base.where('p.last_updated', '<', sql<Date>`${utcInstant(page.dateTo)}::timestamptz`)
  const totalRow = await base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow()
  let rowsQuery = base
    .selectAll('p')
    // As text for the cursor: a JS Date keeps milliseconds only and the next page would repeat or skip rows.
    .select(sql<string>`p.last_updated::text`.as('last_updated_text'))
    .orderBy('p.last_updated')
    .orderBy('p.country_code')
    .orderBy('p.party_id')
    .orderBy('p.role')
    .limit(page.limit)
  const after = page.after
  if (after) {
    rowsQuery = rowsQuery.where(
      sql<boolean>`(p.last_updated, p.country_code, p.party_id, p.role) > (${after.last_updated}::timestamptz, ${after.country_code}, ${after.party_id}, ${after.object_id})`,
    )
  } else if (page.offset > 0) {
    rowsQuery = rowsQuery.offset(page.offset)
  }
  const rows = await rowsQuery.execute()
  const lastRow = rows.at(-1)
  return {
    items: rows.map(clientInfoOf),
    total: Number(totalRow.total),
    last: lastRow && {
      last_updated: lastRow.last_updated_text,
      country_code: lastRow.country_code,
      party_id: lastRow.party_id,
      object_id: lastRow.role,
      object_type: '',
    },
  }
}
