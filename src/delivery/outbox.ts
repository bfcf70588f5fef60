import { sql } from 'kysely'
import type { ModuleId } from '../core/modules.ts'
import type { PartyRef } from '../core/party.ts'
import type { Db } from '../storage/database.ts'
import type { DeliveryRow, DeliveryState } from '../storage/tables.ts'
import type { OutboundPath } from '../core/outbound-path.ts'

/** One message the hub must send to one receiver platform, as the module that caused it describes it. */
export interface OutboundMessage {
  readonly receiverPlatformId: string
  readonly to: PartyRef
  readonly from: PartyRef
  readonly module: ModuleId
  readonly method: 'PUT' | 'PATCH' | 'DELETE' | 'POST'
  /** Below the receiver's module endpoint URL, e.g. `/NL/ABC/LOC1/EVSE1` (outboundPath). */
  readonly path: OutboundPath
  readonly body: unknown
  readonly correlationId: string
  /** The object written, owner included (`NL/ABC/LOC1`): messages of one object keep their order. */
  readonly objectKey: string
  /** The part of the object written (`LOC1/EVSE1`): a full write replaces waiting writes at or below it. */
  readonly targetPath: string
  /** The message replaces the whole of `targetPath` (PUT, DELETE). */
  readonly replacesTarget: boolean
}

function orderingKey(message: OutboundMessage): string {
  return `${message.receiverPlatformId}|${message.module}|${message.objectKey}`
}

/**
 * Queues messages in the caller's transaction (transactional outbox): they exist exactly when the change
 * that caused them is committed. A full write first drops the waiting, not yet sent, messages it makes
 * obsolete; a message being sent right now is left alone and keeps its place in front.
 */
export async function enqueue(trx: Db, messages: readonly OutboundMessage[]): Promise<void> {
  if (messages.length === 0) return
  // One statement per written part, not one per receiver: a broadcast PUT to 50 eMSPs is one DELETE.
  const supersededKeys = new Map<string, string[]>()
  for (const message of messages) {
    if (!message.replacesTarget) continue
    const keys = supersededKeys.get(message.targetPath) ?? []
    keys.push(orderingKey(message))
    supersededKeys.set(message.targetPath, keys)
  }
  for (const [targetPath, keys] of supersededKeys) {
    await trx
      .deleteFrom('deliveries')
      .where('ordering_key', 'in', keys)
      .where('state', 'in', ['pending', 'failed'])
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', sql<Date>`now()`)]))
      .where((eb) =>
        eb.or([eb('target_path', '=', targetPath), eb('target_path', 'like', `${escapeLike(targetPath)}/%`)]),
      )
      .execute()
  }
  await trx
    .insertInto('deliveries')
    .values(
      messages.map((message) => ({
        receiver_platform_id: message.receiverPlatformId,
        to_country_code: message.to.country_code,
        to_party_id: message.to.party_id,
        from_country_code: message.from.country_code,
        from_party_id: message.from.party_id,
        module: message.module,
        method: message.method,
        path: message.path,
        body: message.body === undefined ? null : JSON.stringify(message.body),
        correlation_id: message.correlationId,
        ordering_key: orderingKey(message),
        target_path: message.targetPath,
      })),
    )
    .execute()
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`)
}

/**
 * The party whose write a queued message carries (the `{country_code}/{party_id}` that starts its object
 * key, inside its ordering key `{receiver}|{module}|{object key}`): the lane it waits in for its fair share.
 * Messages of the hub's own (ClientInfo) have the party they are about in that place.
 */
const SENDER_OF = (table: string) =>
  sql.raw(
    `substring(substr(${table}.ordering_key, length(${table}.receiver_platform_id) + length(${table}.module) + 3) from '^[^/]*/[^/]*')`,
  )

export interface ClaimLimits {
  /** Messages this worker may claim now (its free in-flight slots). */
  readonly limit: number
  /** Messages one receiver may have in flight at once, across every process: a slow receiver holds at most this many slots. */
  readonly perReceiver: number
  /**
   * Receivers whose messages wait for now: they asked to wait (Retry-After), or the party directory has
   * them OFFLINE (neither sent nor counting attempts until the still-alive check finds them again).
   */
  readonly waitingReceivers: readonly string[]
}

/**
 * Claims due messages for this worker for `leaseMs`. Only the oldest unfinished message of each ordering
 * key is due, so a PATCH never overtakes the PUT before it; rows another worker holds are skipped (several
 * hub processes share one PostgreSQL). A lease that runs out (crashed worker) frees the message for
 * another try. Receivers marked OFFLINE wait: their messages are neither sent nor count attempts until the
 * still-alive check finds them again. No receiver gets more than `perReceiver` messages in flight, so a
 * receiver that hangs cannot take every slot (two processes claiming at the same instant may each take
 * the receiver's free slots: the cap holds per claim, not as a strict global bound).
 *
 * Senders share a receiver fairly (round robin by sending party, SENDER_OF): each due message gets a
 * turn, the number of its sender's messages to that receiver already in flight plus its place in that
 * sender's own line, and the receiver's free slots go to the lowest turns, the older message first on a tie. A
 * partner flooding one receiver holds at most about its share of the receiver's slots, and another
 * sender's next message goes out at the next free slot instead of after the whole flood.
 */
export async function claimDue(
  db: Db,
  workerId: string,
  limits: ClaimLimits,
  leaseMs: number,
): Promise<DeliveryRow[]> {
  const waiting = limits.waitingReceivers.length > 0 ? limits.waitingReceivers : ['']
  const result = await sql<DeliveryRow>`
    with busy as (
      select receiver_platform_id, ${SENDER_OF('deliveries')} as sender, count(*) as in_flight
      from deliveries
      where locked_until >= now()
      group by receiver_platform_id, sender
    ),
    receiver_busy as (
      select receiver_platform_id, sum(in_flight) as in_flight from busy group by receiver_platform_id
    ),
    waiting as (
      select d.id, d.receiver_platform_id, d.next_attempt_at, ${SENDER_OF('d')} as sender
      from deliveries d
      where d.state in ('pending', 'failed')
        and d.next_attempt_at <= now()
        and (d.locked_until is null or d.locked_until < now())
        and d.receiver_platform_id <> all(${waiting}::text[])
        and not exists (
          select 1 from deliveries earlier
          where earlier.ordering_key = d.ordering_key and earlier.id < d.id and earlier.state <> 'dead'
        )
    ),
    ready as (
      select w.id, w.receiver_platform_id, w.next_attempt_at,
             coalesce(sender_busy.in_flight, 0)
               + row_number() over (partition by w.receiver_platform_id, w.sender order by w.next_attempt_at, w.id)
               as turn,
             coalesce(receiver_busy.in_flight, 0) as in_flight
      from waiting w
      left join receiver_busy on receiver_busy.receiver_platform_id = w.receiver_platform_id
      left join busy sender_busy
        on sender_busy.receiver_platform_id = w.receiver_platform_id and sender_busy.sender = w.sender
    ),
    ranked as (
      select id, turn, next_attempt_at, in_flight,
             row_number() over (partition by receiver_platform_id order by turn, next_attempt_at, id) as place
      from ready
    ),
    due as (
      select d.id from deliveries d
      join ranked on ranked.id = d.id
      where ranked.place + ranked.in_flight <= ${limits.perReceiver}
        and (d.locked_until is null or d.locked_until < now())
      order by ranked.turn, ranked.next_attempt_at, ranked.id
      limit ${limits.limit}
      for update of d skip locked
    )
    update deliveries
    set locked_until = now() + make_interval(secs => ${leaseMs / 1000}),
        locked_by = ${workerId},
        attempts = deliveries.attempts + 1,
        updated_at = now()
    from due
    where deliveries.id = due.id
    returning deliveries.*`.execute(db)
  return result.rows.map((row) => ({ ...row, id: Number(row.id) }))
}

/** The receiver accepted the message: it leaves the queue. */
export async function markDelivered(db: Db, id: number, workerId: string): Promise<void> {
  await db.deleteFrom('deliveries').where('id', '=', id).where('locked_by', '=', workerId).execute()
}

export interface FailedAttempt {
  readonly error: string
  readonly httpStatus: number | undefined
  /** When the next try is due; undefined parks the message as dead. */
  readonly retryAt: Date | undefined
}

export async function markFailed(
  db: Db,
  id: number,
  workerId: string,
  attempt: FailedAttempt,
): Promise<void> {
  await db
    .updateTable('deliveries')
    .set({
      state: attempt.retryAt ? 'failed' : 'dead',
      next_attempt_at: attempt.retryAt ?? new Date(),
      locked_until: null,
      locked_by: null,
      last_error: attempt.error.slice(0, 1000),
      last_http_status: attempt.httpStatus ?? null,
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .where('locked_by', '=', workerId)
    .execute()
}

/**
 * The try failed on the hub's side (out of file descriptors, memory…), not the receiver's: the message
 * waits until `retryAt` with the attempt handed back, so it neither comes closer to being parked as dead
 * nor counts against the receiver.
 */
export async function postpone(
  db: Db,
  id: number,
  workerId: string,
  attempt: { readonly error: string; readonly retryAt: Date },
): Promise<void> {
  await db
    .updateTable('deliveries')
    .set((eb) => ({
      attempts: sql<number>`greatest(${eb.ref('attempts')} - 1, 0)`,
      next_attempt_at: attempt.retryAt,
      locked_until: null,
      locked_by: null,
      last_error: attempt.error.slice(0, 1000),
      updated_at: new Date(),
    }))
    .where('id', '=', id)
    .where('locked_by', '=', workerId)
    .execute()
}

export interface DeliveryFilter {
  readonly state?: DeliveryState | undefined
  readonly platformId?: string | undefined
  readonly party?: PartyRef | undefined
  readonly limit: number
}

export async function listDeliveries(db: Db, filter: DeliveryFilter): Promise<DeliveryRow[]> {
  let query = db.selectFrom('deliveries').selectAll().orderBy('id').limit(filter.limit)
  if (filter.state) query = query.where('state', '=', filter.state)
  if (filter.platformId) query = query.where('receiver_platform_id', '=', filter.platformId)
  if (filter.party) {
    query = query
      .where('to_country_code', '=', filter.party.country_code)
      .where('to_party_id', '=', filter.party.party_id)
  }
  const rows = await query.execute()
  return rows.map((row) => ({ ...row, id: Number(row.id) }))
}

/**
 * Puts a failed or dead message back in line for an immediate try, with a fresh count of attempts (an
 * operator retries after fixing the cause); false when there is no such message.
 */
export async function retryNow(db: Db, id: number): Promise<boolean> {
  const result = await dueAgainWithFreshAttempts(db)
    .where('id', '=', id)
    .where('state', 'in', ['failed', 'dead', 'pending'])
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

/**
 * A receiver that was OFFLINE answers again: its waiting messages are due at once, with their attempts
 * back. Tries spent while it was failing (before it was marked OFFLINE, or on sockets that died with it)
 * must not park them as dead right after it returned.
 */
export async function resumeReceiver(db: Db, receiverPlatformId: string): Promise<void> {
  await dueAgainWithFreshAttempts(db)
    .where('receiver_platform_id', '=', receiverPlatformId)
    .where('state', '=', 'failed')
    .execute()
}

/** Unleased messages made due now with no attempts used; the callers choose which. */
function dueAgainWithFreshAttempts(db: Db) {
  return db
    .updateTable('deliveries')
    .set({
      state: 'failed',
      attempts: 0,
      next_attempt_at: new Date(),
      locked_until: null,
      locked_by: null,
      updated_at: new Date(),
    })
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', sql<Date>`now()`)]))
}
