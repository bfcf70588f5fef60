import type { FastifyBaseLogger } from 'fastify'
import { sql } from 'kysely'
import type { Db } from '../storage/database.ts'

export interface WorkerRegistryOptions {
  /** How often this worker's row is refreshed and the others' rows are looked at (PostgreSQL). */
  readonly heartbeatIntervalMs: number
  /** A worker whose beat is older than this is dead: its row goes and its leases are released. */
  readonly staleAfterMs: number
  /**
   * Only this process uses the database (embedded PGlite, whose data folder one process holds at a time):
   * every other worker is dead at start, and nothing needs a beat.
   */
  readonly soleProcess: boolean
  /** Told when leases of dead workers were released: their messages are due now. */
  readonly onLeasesReleased: () => void
}

/**
 * Which delivery workers are alive (the `delivery_workers` table), so that the messages a dead process was
 * sending are sent again within seconds instead of when their leases run out.
 *
 * Every worker registers at start and, on PostgreSQL, beats (one UPDATE) every `heartbeatIntervalMs`.
 * After each beat it sweeps: workers silent for `staleAfterMs` are deleted and their leases released, in
 * one statement, with their attempt handed back (it never finished). On PGlite the process holding the data
 * folder is the only one, so at start every lease of another worker id is released and no beat runs.
 *
 * At least once: a worker that was only paused (a long GC, a stalled host, a network partition) and swept
 * meanwhile finds its row gone at its next beat, says so and registers again. The messages it was sending
 * were released, so they may have been sent again by another worker: the receiver may get them twice.
 */
export class WorkerRegistry {
  readonly #db: Db
  readonly #workerId: string
  readonly #log: FastifyBaseLogger
  readonly #options: WorkerRegistryOptions
  #timer: NodeJS.Timeout | undefined
  #beating: Promise<void> = Promise.resolve()
  #registered = false
  #stopped = false
  /** The beat failed (database away): logged once, and once more when it works again. */
  #failing = false

  constructor(db: Db, workerId: string, log: FastifyBaseLogger, options: WorkerRegistryOptions) {
    this.#db = db
    this.#workerId = workerId
    this.#log = log
    this.#options = options
  }

  /** Registers this worker and releases what dead ones held; then beats. Never rejects: a failure is logged and retried. */
  async start(): Promise<void> {
    this.#stopped = false
    this.#beating = this.#beat()
    await this.#beating
    if (this.#options.soleProcess || this.#stopped) return
    this.#scheduleBeat()
  }

  /** Stops beating and removes this worker's row: a graceful stop leaves no lease behind to release. */
  async stop(): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    await this.#beating
    try {
      await this.#db.deleteFrom('delivery_workers').where('id', '=', this.#workerId).execute()
    } catch (error) {
      // The others sweep the row once its beat is old: nothing is lost, it only lingers.
      this.#log.warn({ err: error }, 'could not remove this delivery worker from the registry')
    }
    this.#registered = false
  }

  #scheduleBeat(): void {
    // One beat at a time: the next is timed from the end of the last, so a slow database never piles them up.
    this.#timer = setTimeout(() => {
      this.#beating = this.#beat().finally(() => {
        if (!this.#stopped) this.#scheduleBeat()
      })
    }, this.#options.heartbeatIntervalMs)
    this.#timer.unref()
  }

  async #beat(): Promise<void> {
    try {
      if (!this.#registered) await this.#register()
      else if (!(await this.#refresh())) {
        this.#log.warn(
          'this delivery worker was taken for dead by another process (paused longer than DELIVERY_WORKER_STALE_AFTER_MS): its messages in flight were released and may be delivered twice; registering again',
        )
        await this.#register()
      }
      if (!this.#options.soleProcess) await this.#releaseDeadWorkers('stale')
      if (this.#failing) this.#log.info('the delivery worker registry can be written again')
      this.#failing = false
    } catch (error) {
      // The database is away: the next beat tries again. Leases still run out by themselves meanwhile.
      if (!this.#failing) this.#log.error({ err: error }, 'delivery worker heartbeat failed; trying again')
      this.#failing = true
    }
  }

  async #register(): Promise<void> {
    await this.#db
      .insertInto('delivery_workers')
      .values({ id: this.#workerId })
      .onConflict((oc) => oc.column('id').doUpdateSet({ heartbeat_at: sql<Date>`now()` }))
      .execute()
    const firstTime = !this.#registered
    this.#registered = true
    // The holder of the data folder is alone: whatever another worker id holds was left by a dead process
    // (also one of a release before this registry, which never registered).
    if (this.#options.soleProcess && firstTime) await this.#releaseDeadWorkers('every-other')
  }

  /** False when this worker's row is gone: another process took it for dead. */
  async #refresh(): Promise<boolean> {
    const result = await this.#db
      .updateTable('delivery_workers')
      .set({ heartbeat_at: sql<Date>`now()` })
      .where('id', '=', this.#workerId)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  /**
   * Deletes the rows of dead workers and releases their leases, in one statement, so a crash in between
   * cannot leave leases whose owner is no longer listed. `stale`: the workers silent longer than the bound.
   * `every-other`: every other worker, and every other id holding a lease, registered or not (a process of
   * a release before this registry). The released messages keep their place and retry time (due already:
   * they were claimed); their attempt is handed back, as it never finished.
   */
  async #releaseDeadWorkers(which: 'stale' | 'every-other'): Promise<void> {
    const me = this.#workerId
    const [silentTooLong, unlistedHolders] =
      which === 'stale'
        ? [sql`and heartbeat_at < now() - make_interval(secs => ${this.#options.staleAfterMs / 1000})`, sql``]
        : [
            sql``,
            sql`union select locked_by from deliveries where locked_by is not null and locked_by <> ${me}`,
          ]
    const { rows } = await sql<{ workers: string[]; released: number }>`
      with gone as (delete from delivery_workers where id <> ${me} ${silentTooLong} returning id),
      dead as (select id from gone ${unlistedHolders}),
      released as (
        update deliveries
        set locked_until = null, locked_by = null, attempts = greatest(attempts - 1, 0), updated_at = now()
        where locked_by in (select id from dead)
        returning 1
      )
      select coalesce((select array_agg(id) from dead), '{}') as workers,
             (select count(*) from released)::int as released`.execute(this.#db)
    const { workers, released } = rows[0] ?? { workers: [], released: 0 }
    if (workers.length === 0) return
    this.#log.warn(
      { deadWorkers: workers, releasedMessages: released },
      'delivery workers stopped without a goodbye: the messages they were sending are due again now',
    )
    if (released > 0) this.#options.onLeasesReleased()
  }
}
