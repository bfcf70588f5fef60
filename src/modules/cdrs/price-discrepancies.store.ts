import type { PartyRef } from '../../core/party.ts'
import type { Db } from '../../storage/database.ts'
import { partiesCondition } from '../../storage/party-columns.ts'
import type { PriceDiscrepancyRow } from '../../storage/tables.ts'

export interface PriceDiscrepancyFilter {
  readonly cpo?: PartyRef | undefined
  readonly emsp?: PartyRef | undefined
  /** Sessions that started at or after `from` and before `to`. */
  readonly from?: Date | undefined
  readonly to?: Date | undefined
  /** Discrepancies older than this id (the cursor of the previous page). */
  readonly beforeId?: number | undefined
  readonly limit: number
}

/**
 * The CDR check's discrepancies, newest first, one page of `limit` and whether more follow: for the admin
 * API and for clearing (by CPO, eMSP and the period the sessions started in).
 */
export async function listPriceDiscrepancies(
  db: Db,
  filter: PriceDiscrepancyFilter,
): Promise<{ entries: PriceDiscrepancyRow[]; more: boolean }> {
  const { cpo, emsp, from, to, beforeId } = filter
  const rows = await db
    .selectFrom('price_discrepancies')
    .selectAll()
    .where(partiesCondition({ cpo, emsp }))
    .$if(from !== undefined, (query) => query.where('session_start', '>=', from!))
    .$if(to !== undefined, (query) => query.where('session_start', '<', to!))
    .$if(beforeId !== undefined, (query) => query.where('id', '<', beforeId!))
    .orderBy('id', 'desc')
    .limit(filter.limit + 1)
    .execute()
  return { entries: rows.slice(0, filter.limit), more: rows.length > filter.limit }
}
