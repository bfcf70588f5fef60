import type { Kysely } from 'kysely'
import type { Db } from '../storage/database.ts'
import { deleteInBatches } from '../storage/retention.ts'
import type { AuditLogRow, Database } from '../storage/tables.ts'

/** One audit entry before it is stored: `at` and `id` come from the database. */
export interface AuditEntry {
  readonly actor: string
  readonly action: string
  readonly target: string | null
  readonly details: Record<string, unknown>
  readonly remoteAddress: string | null
  readonly requestId: string | null
}

/** Writes one entry; pass the transaction of the change to make both commit, or neither. */
export async function insertAuditEntry(db: Kysely<Database>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      details: JSON.stringify(entry.details),
      remote_address: entry.remoteAddress,
      request_id: entry.requestId,
    })
    .execute()
}

export interface AuditFilter {
  readonly actor?: string | undefined
  readonly action?: string | undefined
  readonly since?: Date | undefined
  readonly until?: Date | undefined
  /** Entries older than this id (the cursor of the previous page). */
  readonly beforeId?: number | undefined
  readonly limit: number
}

/** Entries newest first (by id: the order they were written in), one page of `limit` and whether more follow. */
export async function listAuditEntries(
  db: Db,
  filter: AuditFilter,
): Promise<{ entries: AuditLogRow[]; more: boolean }> {
  const rows = await db
    .selectFrom('audit_log')
    .selectAll()
    .$if(filter.actor !== undefined, (query) => query.where('actor', '=', filter.actor!))
    .$if(filter.action !== undefined, (query) => query.where('action', '=', filter.action!))
    .$if(filter.since !== undefined, (query) => query.where('at', '>=', filter.since!))
    .$if(filter.until !== undefined, (query) => query.where('at', '<', filter.until!))
    .$if(filter.beforeId !== undefined, (query) => query.where('id', '<', filter.beforeId!))
    .orderBy('id', 'desc')
    .limit(filter.limit + 1)
    .execute()
  return { entries: rows.slice(0, filter.limit), more: rows.length > filter.limit }
}

/** Deletes the entries written before `before`; returns how many. */
export function pruneAuditEntries(db: Db, before: Date): Promise<number> {
  return deleteInBatches(async (limit) => {
    const result = await db
      .deleteFrom('audit_log')
      .where('id', 'in', db.selectFrom('audit_log').select('id').where('at', '<', before).limit(limit))
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  })
}
