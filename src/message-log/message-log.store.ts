import { sql } from 'kysely'
import type { PartyRef } from '../core/party.ts'
import type { Db } from '../storage/database.ts'
import { deleteInBatches } from '../storage/retention.ts'
import type { MessageLogRow, NewMessageLogRow } from '../storage/tables.ts'
import type { MessageLogEntry } from './message-log-entry.ts'

function toRow(entry: MessageLogEntry): NewMessageLogRow {
  return {
    logged_at: entry.loggedAt,
    direction: entry.direction,
    platform_id: entry.platformId,
    from_country_code: entry.from?.country_code ?? null,
    from_party_id: entry.from?.party_id ?? null,
    to_country_code: entry.to?.country_code ?? null,
    to_party_id: entry.to?.party_id ?? null,
    module: entry.module,
    method: entry.method,
    path: entry.path,
    http_status: entry.httpStatus,
    ocpi_status: entry.ocpiStatus,
    latency_ms: Math.round(entry.latencyMs),
    request_id: entry.requestId,
    correlation_id: entry.correlationId,
    error: entry.error,
    note: entry.note ?? null,
    request_body: entry.requestBody.text,
    request_body_truncated: entry.requestBody.truncated,
    response_body: entry.responseBody.text,
    response_body_truncated: entry.responseBody.truncated,
  }
}

/** One multi-row insert. */
export async function insertEntries(db: Db, entries: readonly MessageLogEntry[]): Promise<void> {
  if (entries.length === 0) return
  await db.insertInto('message_log').values(entries.map(toRow)).execute()
}

export interface MessageFilter {
  readonly correlationId?: string | undefined
  /** Entries from or to this party. */
  readonly party?: PartyRef | undefined
  /** Entries of this platform (it called, or was called). */
  readonly platformId?: string | undefined
  readonly module?: string | undefined
  readonly since?: Date | undefined
  readonly until?: Date | undefined
  /** `ok`: answered with HTTP below 400 and OCPI 1000 (or no envelope); `error`: the others; a number: that HTTP status. */
  readonly status?: 'ok' | 'error' | number | undefined
  readonly order: 'asc' | 'desc'
  /** Only entries after this one in `order` (the last entry of the page before). */
  readonly after?: MessageCursor | undefined
  readonly limit: number
  readonly withBodies: boolean
}

/** Where a page of the log starts: just after this entry, in (logged_at, direction, id) order. */
export interface MessageCursor {
  readonly loggedAt: Date
  readonly direction: 'in' | 'out'
  readonly id: number
}

/** An exchange that failed: HTTP 400 or above, an OCPI status other than 1000, or no answer at all. */
const FAILED_EXCHANGE = sql<boolean>`(http_status is null or http_status >= 400 or coalesce(ocpi_status, 1000) <> 1000)`

export type MessageLogListRow = Omit<MessageLogRow, 'request_body' | 'response_body'> &
  Partial<Pick<MessageLogRow, 'request_body' | 'response_body'>>

/** The message log filtered, in time order (`asc`) or newest first (`desc`); `since` inclusive, `until` exclusive. */
export async function listMessages(db: Db, filter: MessageFilter): Promise<MessageLogListRow[]> {
  let query = db
    .selectFrom('message_log')
    .select([
      'id',
      'logged_at',
      'direction',
      'platform_id',
      'from_country_code',
      'from_party_id',
      'to_country_code',
      'to_party_id',
      'module',
      'method',
      'path',
      'http_status',
      'ocpi_status',
      'latency_ms',
      'request_id',
      'correlation_id',
      'error',
      'note',
      'request_body_truncated',
      'response_body_truncated',
    ])
    .orderBy('logged_at', filter.order)
    // Within one millisecond a request in comes before the calls out it caused ('in' < 'out'), although
    // it is written after them (when it is answered): the request path no longer queries the directory,
    // so both often start in the same millisecond.
    .orderBy('direction', filter.order)
    .orderBy('id', filter.order)
    .limit(filter.limit)
  if (filter.withBodies) query = query.select(['request_body', 'response_body'])
  if (filter.correlationId !== undefined) query = query.where('correlation_id', '=', filter.correlationId)
  if (filter.platformId !== undefined) query = query.where('platform_id', '=', filter.platformId)
  if (filter.module !== undefined) query = query.where('module', '=', filter.module)
  if (filter.since) query = query.where('logged_at', '>=', filter.since)
  if (filter.until) query = query.where('logged_at', '<', filter.until)
  if (filter.status === 'error') query = query.where(FAILED_EXCHANGE)
  else if (filter.status === 'ok') query = query.where(sql<boolean>`not ${FAILED_EXCHANGE}`)
  else if (filter.status !== undefined) query = query.where('http_status', '=', filter.status)
  const after = filter.after
  if (after) {
    const beyond = filter.order === 'asc' ? sql`>` : sql`<`
    // The time bound alone lets the time index start at the cursor; the row comparison breaks its ties.
    query = query
      .where('logged_at', filter.order === 'asc' ? '>=' : '<=', after.loggedAt)
      .where(
        sql<boolean>`(logged_at, direction, id) ${beyond} (${after.loggedAt}::timestamptz, ${after.direction}, ${after.id})`,
      )
  }
  const party = filter.party
  if (party) {
    query = query.where((eb) =>
      eb.or([
        eb.and([eb('from_country_code', '=', party.country_code), eb('from_party_id', '=', party.party_id)]),
        eb.and([eb('to_country_code', '=', party.country_code), eb('to_party_id', '=', party.party_id)]),
      ]),
    )
  }
  const rows = await query.execute()
  return rows.map((row) => ({ ...row, id: Number(row.id) }))
}

/**
 * Deletes entries logged before `before`, a few thousand at a time so that no single statement holds the
 * table (or PGlite's one connection) for long. Returns how many went.
 */
export function pruneMessages(db: Db, before: Date): Promise<number> {
  return deleteInBatches(async (limit) => {
    const result = await db
      .deleteFrom('message_log')
      .where(
        'id',
        'in',
        db.selectFrom('message_log').select('id').where('logged_at', '<', before).limit(limit),
      )
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  })
}

/** Requests in and out in one time bucket, and how many of them failed. */
export interface TrafficCounts {
  readonly requestsIn: number
  readonly requestsOut: number
  /** HTTP status 400 or above, an OCPI status other than 1000, or no answer at all. */
  readonly errorsIn: number
  readonly errorsOut: number
}

export interface TrafficRange {
  readonly from: Date
  readonly until: Date
  /** Buckets start at multiples of this many seconds since the epoch. */
  readonly bucketSeconds: number
  /** Only this platform's requests (it called, or was called). */
  readonly platformId?: string | undefined
}

/**
 * The message log's requests from `from` (inclusive) to `until` (exclusive), counted per bucket: bucket
 * start (ms since the epoch) → counts; buckets without requests are absent. One range scan of the time
 * index (or of the platform's index), so the cost follows the requests in the range, not the log.
 */
export async function countTrafficByBucket(db: Db, range: TrafficRange): Promise<Map<number, TrafficCounts>> {
  let query = db
    .selectFrom('message_log')
    .select([
      sql<string>`floor(extract(epoch from logged_at) / ${range.bucketSeconds})::bigint`.as('bucket'),
      sql<string>`count(*) filter (where direction = 'in')`.as('requests_in'),
      sql<string>`count(*) filter (where direction = 'out')`.as('requests_out'),
      sql<string>`count(*) filter (where direction = 'in' and ${FAILED_EXCHANGE})`.as('errors_in'),
      sql<string>`count(*) filter (where direction = 'out' and ${FAILED_EXCHANGE})`.as('errors_out'),
    ])
    .where('logged_at', '>=', range.from)
    .where('logged_at', '<', range.until)
    .groupBy(sql`1`)
  if (range.platformId !== undefined) query = query.where('platform_id', '=', range.platformId)
  const rows = await query.execute()
  return new Map(
    rows.map((row) => [
      Number(row.bucket) * range.bucketSeconds * 1000,
      {
        requestsIn: Number(row.requests_in),
        requestsOut: Number(row.requests_out),
        errorsIn: Number(row.errors_in),
        errorsOut: Number(row.errors_out),
      },
    ]),
  )
}
