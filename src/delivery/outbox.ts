import { sql } from 'kysely'
import type { PartyRef } from '../core/party.ts'
import type { Db } from '../storage/database.ts'
import type { DeliveryModule, DeliveryRow, DeliveryState } from '../storage/tables.ts'
import type { OutboundPath } from '../core/outbound-path.ts'

/** One message the hub must send to one receiver platform, as the module that caused it describes it. */
export interface OutboundMessage {
  readonly receiverPlatformId: string
  readonly to: PartyRef
  readonly from: PartyRef
  readonly module: DeliveryModule
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
  /** A webhook delivery: the subscription it goes to (then `receiverPlatformId` is its id too). */
  readonly webhookId?: string | undefined
}

function orderingKey(message: OutboundMessage): string {
  return `${message.receiverPlatformId}|${message.module}|${message.objectKey}`
}

/**
 * Whether messages of `message`'s key (receiver, module, object) are still waiting to be sent: a message
 * sent past the queue now could overtake them.
 */
export async function hasWaitingOfKey(db: Db, message: OutboundMessage): Promise<boolean> {
  const waiting = await db
    .selectFrom('deliveries')
    .select('id')
    .where('ordering_key', '=', orderingKey(message))
    .where('state', '<>', 'dead')
    .limit(1)
    .executeTakeFirst()
  return waiting !== undefined
}

/** The sending party, `{country_code}/{party_id}` at the start of the object key: the message's lane. */
function laneOf(message: OutboundMessage): string {
  return /^[^/]*\/[^/]*/.exec(message.objectKey)?.[0] ?? ''
}

/**
 * Modules whose objects are latest state (a Location with its EVSEs and Connectors, a Tariff): a receiver
 * that gets the newest write does not need the waiting older ones. Sessions, CDRs, commands, tokens and
 * the others are never coalesced.
 */
const COALESCING_MODULES: ReadonlySet<DeliveryModule> = new Set(['locations', 'tariffs'])

/**
 * Queues messages in the caller's transaction (transactional outbox): they exist exactly when the change
 * that caused them is committed. Waiting messages a new one makes obsolete are dropped first: a full write
 * (PUT, DELETE) drops the waiting writes to the same party at or below its target; a PATCH of a latest-state object drops a
 * waiting PATCH of the same target whose fields it all carries again. A message being sent right now is
 * left alone and keeps its place in front.
 *
 * Two statements, whatever the number of receivers: the keys' locks, then one statement that drops,
 * promotes and inserts for every message at once, its rows passed as one array per column (a plan the
 * size of one message, not of 50 rows of values). The locks are a statement of their own: under READ
 * COMMITTED the next statement's snapshot then includes what a completer holding a lock committed.
 */
export async function enqueue(trx: Db, messages: readonly OutboundMessage[]): Promise<void> {
  if (messages.length === 0) return
  // The advisory locks below must last until the change commits.
  if (!trx.isTransaction) return trx.transaction().execute((inner) => enqueue(inner, messages))
  const keys = messages.map(orderingKey)
  await lockOrderingKeys(trx, keys)
  // A broadcast hands every receiver the same body object: serialised once, not once per receiver.
  const bodyTexts = new Map<unknown, string | null>()
  const bodyText = (body: unknown) => {
    let text = bodyTexts.get(body)
    if (text === undefined) bodyTexts.set(body, (text = body === undefined ? null : JSON.stringify(body)))
    return text
  }
  const firstOfKey = new Set<string>()
  const column = <T>(value: (message: OutboundMessage, index: number) => T): T[] => messages.map(value)
  await sql`
    with message as (
      select * from unnest(
        ${column((m) => m.receiverPlatformId)}::text[], ${column((m) => m.to.country_code)}::text[],
        ${column((m) => m.to.party_id)}::text[], ${column((m) => m.from.country_code)}::text[],
        ${column((m) => m.from.party_id)}::text[], ${column((m) => m.module)}::text[],
        ${column((m) => m.method)}::text[], ${column((m) => m.path)}::text[],
        ${column((m) => bodyText(m.body))}::text[], ${column((m) => m.correlationId)}::text[],
        ${keys}::text[], ${column((m) => m.targetPath)}::text[], ${column(laneOf)}::text[],
        ${column((_, index) => {
          const lead = !firstOfKey.has(keys[index]!)
          firstOfKey.add(keys[index]!)
          return lead
        })}::boolean[],
        ${column((m) => (m.replacesTarget ? `${escapeLike(m.targetPath)}/%` : null))}::text[],
        ${column(coalescedFields)}::text[], ${column((m) => m.webhookId ?? null)}::text[]
      ) with ordinality as m(
        receiver_platform_id, to_country_code, to_party_id, from_country_code, from_party_id, module,
        method, path, body, correlation_id, ordering_key, target_path, lane, may_lead, below_target,
        fields, webhook_id, position
      )
    ),
    -- Probed key by key (ordering_key index), never a join the planner could turn into a scan of the queue.
    dropped as (
      delete from deliveries
      where id in (
        select obsolete.id from message m
        cross join lateral (
          select w.id from deliveries w
          -- Waiting and not being sent now (a lease that ran out is not). <> 'dead', not
          -- in ('pending', 'failed'): the planner then finds them by key, not by state over the whole
          -- queue, even with stale statistics (PGlite has no autovacuum).
          where w.ordering_key = m.ordering_key
            and w.state <> 'dead'
            and (w.locked_until is null or w.locked_until < now())
            -- Only what goes to the same party: a peer hub gets copies addressed to several of its
            -- parties in one queue, and a write to one must not drop a withdrawal from another.
            and w.to_country_code = m.to_country_code and w.to_party_id = m.to_party_id
            and (
              -- A full write: the waiting writes at or below its target.
              (m.below_target is not null
                and (w.target_path = m.target_path or w.target_path like m.below_target))
              -- A latest-state PATCH: a waiting PATCH of its target whose top-level fields it all has.
              or (m.fields is not null and w.target_path = m.target_path and w.method = 'PATCH'
                and case when jsonb_typeof(w.body::jsonb) = 'object'
                  then w.body::jsonb - array(select jsonb_array_elements_text(m.fields::jsonb)) = '{}'::jsonb
                  else false end)
            )
        ) obsolete
      )
      returning id, ordering_key, head
    ),
    promoted as (${promoteAfterRemoval('dropped')})
    insert into deliveries (
      receiver_platform_id, to_country_code, to_party_id, from_country_code, from_party_id, module,
      method, path, body, correlation_id, ordering_key, target_path, lane, webhook_id, head
    )
    select m.receiver_platform_id, m.to_country_code, m.to_party_id, m.from_country_code,
           m.from_party_id, m.module, m.method, m.path, m.body, m.correlation_id, m.ordering_key,
           m.target_path, m.lane, m.webhook_id,
           -- The head when nothing of its key is left waiting (its key's lock is held: nobody adds one).
           m.may_lead and not exists (
             select 1 from deliveries w
             where w.ordering_key = m.ordering_key and w.state <> 'dead'
               and w.id not in (select id from dropped)
           )
    from message m
    order by m.position`.execute(trx)
}

/**
 * The top-level fields of a PATCH that may replace older waiting PATCHes of its target (JSON array text),
 * or null: only latest-state objects coalesce, and only PATCHes of an object body.
 */
function coalescedFields(message: OutboundMessage): string | null {
  const { body } = message
  if (message.method !== 'PATCH' || !COALESCING_MODULES.has(message.module)) return null
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null
  return JSON.stringify(Object.keys(body))
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`)
}

/**
 * Serialises, per ordering key, the writers that decide which message is a key's head: an enqueue (in the
 * request's transaction) and the completion of the head (in any process). Without it a completion could
 * miss a row added by a transaction not yet committed, and that row would never be claimed. Locks are
 * taken in one statement, in hash order, so two writers never wait for each other in a circle.
 */
async function lockOrderingKeys(trx: Db, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return
  await sql`
    select pg_advisory_xact_lock(lock) from (
      select distinct hashtext(key) as lock from unnest(${[...new Set(keys)]}::text[]) key order by lock
    ) locks`.execute(trx)
}

/**
 * Makes the lowest-id message that is not dead the head of each key that has no head (its head was sent,
 * dropped or parked as dead). The caller holds the keys' locks. O(keys · log n).
 */
async function promoteHeads(trx: Db, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return
  await sql`
    update deliveries set head = true
    where id in (
      select (
        select next.id from deliveries next
        where next.ordering_key = key and next.state <> 'dead'
        order by next.id limit 1
      )
      from unnest(${[...new Set(keys)]}::text[]) key
      where not exists (select 1 from deliveries current where current.ordering_key = key and current.head)
    )`.execute(trx)
}

/**
 * The update that hands each head among the rows a CTE of the same statement removed (`removedCte`: id,
 * ordering_key, head) to the lowest-id message of its key left that is not dead. The statement's snapshot
 * still sees the removed rows, so they are left out by id. The caller holds the keys' locks.
 */
function promoteAfterRemoval(removedCte: string) {
  const removed = sql.table(removedCte)
  return sql`
    update deliveries set head = true
    where id in (
      select (
        select next.id from deliveries next
        where next.ordering_key = orphaned.ordering_key and next.state <> 'dead'
          and next.id not in (select id from ${removed})
        order by next.id limit 1
      )
      from (select distinct ordering_key from ${removed} where head) orphaned
    )`
}

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
 * Claims due messages for this worker for `leaseMs`. Only heads are claimed, the oldest unfinished
 * message of each ordering key, so a PATCH never overtakes the PUT before it; rows another worker holds
 * are skipped (several hub processes share one PostgreSQL). A lease that runs out (crashed worker) frees
 * the message for another try. Receivers marked OFFLINE wait: their messages are neither sent nor count
 * attempts until the still-alive check finds them again. No receiver gets more than `perReceiver` messages
 * in flight, so a receiver that hangs cannot take every slot (two processes claiming at the same instant
 * may each take the receiver's free slots: the cap holds per claim, not as a strict global bound).
 *
 * Senders share a receiver fairly (round robin by lane, the sending party): each due message gets a turn,
 * the number of its lane's messages to that receiver already in flight plus its place in that lane, and
 * the receiver's free slots go to the lowest turns, the older message first on a tie. A partner flooding
 * one receiver holds at most about its share of the receiver's slots, and another sender's next message
 * goes out at the next free slot instead of after the whole flood.
 *
 * The cost does not grow with the queue (docs/decisions/0006): the lanes that have heads are found by a
 * skip scan of the claimable-heads index (one probe per lane), and each lane gives at most `perReceiver`
 * due heads in due order; the turns are ranked over that small set.
 */
export async function claimDue(
  db: Db,
  workerId: string,
  limits: ClaimLimits,
  leaseMs: number,
): Promise<DeliveryRow[]> {
  const waiting = limits.waitingReceivers.length > 0 ? limits.waitingReceivers : ['']
  const result = await sql<DeliveryRow>`
    with recursive lanes as (
      (
        select receiver_platform_id, lane from deliveries
        where head and state in ('pending', 'failed')
        order by receiver_platform_id, lane
        limit 1
      )
      union all
      select following.receiver_platform_id, following.lane
      from lanes
      cross join lateral (
        select d.receiver_platform_id, d.lane from deliveries d
        where d.head and d.state in ('pending', 'failed')
          and (d.receiver_platform_id, d.lane) > (lanes.receiver_platform_id, lanes.lane)
        order by d.receiver_platform_id, d.lane
        limit 1
      ) following
    ),
    busy as (
      select receiver_platform_id, lane, count(*) as in_flight
      from deliveries
      where locked_until >= now()
      group by receiver_platform_id, lane
    ),
    receiver_busy as (
      select receiver_platform_id, sum(in_flight) as in_flight from busy group by receiver_platform_id
    ),
    ready as (
      select head.id, head.receiver_platform_id, head.next_attempt_at,
             coalesce(lane_busy.in_flight, 0)
               + row_number() over (partition by lanes.receiver_platform_id, lanes.lane order by head.next_attempt_at, head.id)
               as turn,
             coalesce(receiver_busy.in_flight, 0) as in_flight
      from lanes
      left join receiver_busy on receiver_busy.receiver_platform_id = lanes.receiver_platform_id
      left join busy lane_busy
        on lane_busy.receiver_platform_id = lanes.receiver_platform_id and lane_busy.lane = lanes.lane
      cross join lateral (
        select d.id, d.receiver_platform_id, d.next_attempt_at from deliveries d
        where d.receiver_platform_id = lanes.receiver_platform_id and d.lane = lanes.lane
          and d.head and d.state in ('pending', 'failed')
          and d.next_attempt_at <= now()
          and (d.locked_until is null or d.locked_until < now())
        order by d.next_attempt_at, d.id
        -- A lane gives no more than its receiver's free slots: the others could not be chosen.
        limit ${limits.perReceiver} - coalesce(receiver_busy.in_flight, 0)
      ) head
      where lanes.receiver_platform_id <> all(${waiting}::text[])
        and coalesce(receiver_busy.in_flight, 0) < ${limits.perReceiver}
    ),
    ranked as (
      select id, turn, next_attempt_at, in_flight,
             row_number() over (partition by receiver_platform_id order by turn, next_attempt_at, id) as place
      from ready
    ),
    chosen as (
      select id from ranked
      where ranked.place + ranked.in_flight <= ${limits.perReceiver}
      order by ranked.turn, ranked.next_attempt_at, ranked.id
      limit ${limits.limit}
    ),
    -- By primary key from an array: joined to ranked, whose size the planner overestimates (a lane's
    -- limit), it hashed a scan of the whole queue instead (49 ms instead of 3 with 100,000 waiting). A row
    -- another worker locked in the meantime is skipped; the claim is that much smaller.
    due as (
      select d.id from deliveries d
      where d.id = any(array(select id from chosen))
        and d.head and d.state in ('pending', 'failed')
        and (d.locked_until is null or d.locked_until < now())
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

/** A claimed message, as much of it as recording its outcome needs. */
export type ClaimedMessage = Pick<DeliveryRow, 'id' | 'ordering_key'>

/**
 * The receivers accepted these messages: they leave the queue together, in one transaction, and the next
 * message of each of their keys becomes its head. A message whose lease this worker lost stays (another
 * worker sends it again: at-least-once). Returns the number of heads promoted (messages now due).
 */
export async function markDelivered(
  db: Db,
  workerId: string,
  delivered: readonly ClaimedMessage[],
): Promise<number> {
  if (delivered.length === 0) return 0
  return db.transaction().execute(async (trx) => {
    await lockOrderingKeys(
      trx,
      delivered.map((message) => message.ordering_key),
    )
    const promoted = await sql`
      with removed as (
        delete from deliveries
        where id = any(${delivered.map((message) => message.id)}::bigint[]) and locked_by = ${workerId}
        returning id, ordering_key, head
      )
      ${promoteAfterRemoval('removed')}`.execute(trx)
    return Number(promoted.numAffectedRows ?? 0)
  })
}

export interface FailedAttempt {
  readonly error: string
  readonly httpStatus: number | undefined
  /** When the next try is due; undefined parks the message as dead. */
  readonly retryAt: Date | undefined
}

/**
 * The try failed: the message waits for its retry, and stays its key's head so nothing overtakes it; or it
 * is parked as dead, and the next message of its key becomes the head.
 */
export async function markFailed(
  db: Db,
  message: ClaimedMessage,
  workerId: string,
  attempt: FailedAttempt,
): Promise<void> {
  const record = (trx: Db) =>
    trx
      .updateTable('deliveries')
      .set({
        state: attempt.retryAt ? 'failed' : 'dead',
        next_attempt_at: attempt.retryAt ?? new Date(),
        locked_until: null,
        locked_by: null,
        last_error: attempt.error.slice(0, 1000),
        last_http_status: attempt.httpStatus ?? null,
        updated_at: new Date(),
        ...(attempt.retryAt ? {} : { head: false }),
      })
      .where('id', '=', message.id)
      .where('locked_by', '=', workerId)
  if (attempt.retryAt) {
    await record(db).execute()
    return
  }
  await db.transaction().execute(async (trx) => {
    await lockOrderingKeys(trx, [message.ordering_key])
    const parked = await record(trx).executeTakeFirst()
    if (Number(parked.numUpdatedRows) > 0) await promoteHeads(trx, [message.ordering_key])
  })
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
  /** Messages queued after this id (the cursor of the previous page). */
  readonly afterId?: number | undefined
  readonly limit: number
}

/** Oldest first (by id: the order they were queued in), one page of `limit` and whether more follow. */
export async function listDeliveries(
  db: Db,
  filter: DeliveryFilter,
): Promise<{ deliveries: DeliveryRow[]; more: boolean }> {
  let query = db
    .selectFrom('deliveries')
    .selectAll()
    .orderBy('id')
    .limit(filter.limit + 1)
  if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId)
  if (filter.state) query = query.where('state', '=', filter.state)
  if (filter.platformId) query = query.where('receiver_platform_id', '=', filter.platformId)
  if (filter.party) {
    query = query
      .where('to_country_code', '=', filter.party.country_code)
      .where('to_party_id', '=', filter.party.party_id)
  }
  const rows = await query.execute()
  return {
    deliveries: rows.slice(0, filter.limit).map((row) => ({ ...row, id: Number(row.id) })),
    more: rows.length > filter.limit,
  }
}

/**
 * Puts a failed or dead message back in line for an immediate try, with a fresh count of attempts (an
 * operator retries after fixing the cause); false when there is no such message. A dead message becomes
 * its key's head again if the key has none; otherwise it goes out right after the message that is the
 * head now (it is the lowest-id one behind it), not before it: that one may be in flight already.
 */
export async function retryNow(db: Db, id: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const message = await trx
      .selectFrom('deliveries')
      .select('ordering_key')
      .where('id', '=', id)
      .executeTakeFirst()
    if (!message) return false
    await lockOrderingKeys(trx, [message.ordering_key])
    const result = await dueAgainWithFreshAttempts(trx)
      .where('id', '=', id)
      .where('state', 'in', ['failed', 'dead', 'pending'])
      .executeTakeFirst()
    if (Number(result.numUpdatedRows) === 0) return false
    await promoteHeads(trx, [message.ordering_key])
    return true
  })
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

/** Messages in the queue by state; `receiverPlatformId`: only that receiver's. */
export async function countQueued(
  db: Db,
  receiverPlatformId?: string,
): Promise<Record<DeliveryState, number>> {
  let query = db
    .selectFrom('deliveries')
    .select(['state', (eb) => eb.fn.countAll<string>().as('count')])
    .groupBy('state')
  if (receiverPlatformId !== undefined) query = query.where('receiver_platform_id', '=', receiverPlatformId)
  const counts: Record<DeliveryState, number> = { pending: 0, failed: 0, dead: 0 }
  for (const row of await query.execute()) counts[row.state] = Number(row.count)
  return counts
}

/** One receiver's part of the queue, for the operator. */
export interface ReceiverQueue {
  readonly receiverPlatformId: string
  readonly pending: number
  readonly failed: number
  readonly dead: number
  /** When its oldest message still to be sent (pending or failed) was queued; null when none waits. */
  readonly oldestWaitingAt: Date | null
  /** The reason of its most recent failed try, and when; null when none of its messages failed. */
  readonly lastError: { readonly error: string; readonly at: Date } | null
}

/**
 * Every receiver with messages in the queue, in platform id order. One pass over the receiver index
 * (`deliveries_by_receiver`), and for each receiver one probe for its latest error: the cost follows the
 * queue's length, which the worker keeps short unless receivers are away.
 */
export async function summarizeQueueByReceiver(db: Db): Promise<ReceiverQueue[]> {
  const result = await sql<{
    receiver_platform_id: string
    pending: string
    failed: string
    dead: string
    oldest_waiting_at: Date | null
    last_error: string | null
    last_error_at: Date | null
  }>`
    select q.*, latest.last_error, latest.updated_at as last_error_at
    from (
      select receiver_platform_id,
             count(*) filter (where state = 'pending') as pending,
             count(*) filter (where state = 'failed') as failed,
             count(*) filter (where state = 'dead') as dead,
             min(created_at) filter (where state <> 'dead') as oldest_waiting_at
      from deliveries
      group by receiver_platform_id
    ) q
    left join lateral (
      select d.last_error, d.updated_at from deliveries d
      where d.receiver_platform_id = q.receiver_platform_id and d.last_error is not null
      order by d.updated_at desc
      limit 1
    ) latest on true
    order by q.receiver_platform_id`.execute(db)
  return result.rows.map((row) => ({
    receiverPlatformId: row.receiver_platform_id,
    pending: Number(row.pending),
    failed: Number(row.failed),
    dead: Number(row.dead),
    oldestWaitingAt: row.oldest_waiting_at && new Date(row.oldest_waiting_at),
    lastError:
      row.last_error !== null && row.last_error_at !== null
        ? { error: row.last_error, at: new Date(row.last_error_at) }
        : null,
  }))
}

/**
 * Puts every dead message of a receiver back in line, as `retryNow` does one (due now, fresh attempts),
 * in one transaction holding their keys' locks; returns how many. Within a key they keep their order: the
 * lowest id becomes the head when the key has none, else they follow the current head. A message parked
 * while this runs, under a key not locked here, stays dead.
 */
export async function retryDeadOf(db: Db, receiverPlatformId: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const keys = (
      await trx
        .selectFrom('deliveries')
        .select('ordering_key')
        .distinct()
        .where('receiver_platform_id', '=', receiverPlatformId)
        .where('state', '=', 'dead')
        .execute()
    ).map((row) => row.ordering_key)
    if (keys.length === 0) return 0
    await lockOrderingKeys(trx, keys)
    const result = await dueAgainWithFreshAttempts(trx)
      .where('receiver_platform_id', '=', receiverPlatformId)
      .where('state', '=', 'dead')
      .where('ordering_key', 'in', keys)
      .executeTakeFirst()
    await promoteHeads(trx, keys)
    return Number(result.numUpdatedRows)
  })
}
