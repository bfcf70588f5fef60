import { sql } from 'kysely'
import { utcInstant } from '../core/date-time.ts'
import type { Db } from '../storage/database.ts'
import type { PageCursor } from '../storage/owned-objects.store.ts'
import type { PartyRow } from '../storage/tables.ts'

export interface PartyPageRequest {
  readonly offset: number
  readonly limit: number
  readonly dateFrom: string | undefined
  readonly dateTo: string | undefined
  readonly after: PageCursor | undefined
}

export interface PartyPage {
  readonly parties: PartyRow[]
  readonly total: number
  /** Cursor of the last party: `object_id` holds the role (the list's order ends with it). */
  readonly last: PageCursor | undefined
}

/**
 * The parties a platform may read as ClientInfo (HubClientInfo GET): every party of every other platform (invited, connected,
 * offline or gone), oldest change first. A role held again after an unregistration is shown once: the
 * live holder, else the latest SUSPENDED one, so (country_code, party_id, role) is unique in the list and
 * (last_updated, country_code, party_id, role) is a stable order.
 */
export async function listPartiesPage(
  db: Db,
  callerPlatformId: string,
  page: PartyPageRequest,
): Promise<PartyPage> {
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
    parties: rows,
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
