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
 * Every worker registers at start and, on PostgreSQL, beats every `heartbeatIntervalMs`: one UPDATE, which
 * also tells whether another worker has been silent for `staleAfterMs`. Those are then deleted and their
 * leases released, with their attempt handed back (it never finished). On PGlite the process holding the
 * data folder is the only one, so at start every lease of another worker id is released and no beat runs.
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
    if (this.#beatsNeeded()) this.#scheduleBeat()
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
        if (this.#beatsNeeded()) this.#scheduleBeat()
      })
    }, this.#options.heartbeatIntervalMs)
    this.#timer.unref()
  }

  /** On PGlite beats only until the start's registration went through: nobody else reads them. */
  #beatsNeeded(): boolean {
    return !this.#stopped && !(this.#options.soleProcess && this.#registered)
  }

  async #beat(): Promise<void> {
    try {
      const beat = this.#registered ? await this.#refresh() : 'unregistered'
      if (beat === 'swept') {
        this.#log.warn(
          'this delivery worker was taken for dead by another process (paused longer than DELIVERY_WORKER_STALE_AFTER_MS): its messages in flight were released and may be delivered twice; registering again',
        )
      }
      // The holder of the data folder is alone: whatever another worker id holds was left by a dead process
      // (also by one of a release before this registry, which never registered). Released before this
      // worker counts as registered, so a failure is tried again at the next beat.
      if (this.#options.soleProcess && beat === 'unregistered') await this.#releaseDeadWorkers('every-other')
      if (beat === 'unregistered' || beat === 'swept') await this.#register()
      if (!this.#options.soleProcess && beat !== 'others-alive') await this.#releaseDeadWorkers('stale')
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
    this.#registered = true
  }

  /**
   * The beat, in one statement: this worker's row refreshed, and whether another worker is silent too long
   * (only then does the sweep run). `swept` when the row is gone: another process took this one for dead.
   */
  async #refresh(): Promise<'swept' | 'others-alive' | 'someone-silent'> {
    const me = this.#workerId
    const { rows } = await sql<{ someone_silent: boolean }>`
      update delivery_workers set heartbeat_at = now() where id = ${me}
      returning exists (
        select 1 from delivery_workers where id <> ${me} and ${this.#silentTooLong()}
      ) as someone_silent`.execute(this.#db)
    const [row] = rows
    if (!row) return 'swept'
    return row.someone_silent ? 'someone-silent' : 'others-alive'
  }

  #silentTooLong() {
    return sql<boolean>`heartbeat_at < now() - make_interval(secs => ${this.#options.staleAfterMs / 1000})`
  }

  /**
   * Deletes the rows of dead workers and releases their leases, in one transaction, so a crash in between
   * cannot leave leases whose owner is no longer listed. `stale`: the workers silent longer than the bound.
   * `every-other`: every other worker, and every other id holding a lease, registered or not (a process of
   * a release before this registry). The queue is only touched when someone died. The released messages
   * keep their place and retry time (due already: they were claimed); their attempt is handed back, as it
   * never finished.
   */
  async #releaseDeadWorkers(which: 'stale' | 'every-other'): Promise<void> {
    const me = this.#workerId
    const outcome = await this.#db.transaction().execute(async (trx) => {
      let gone = trx.deleteFrom('delivery_workers').where('id', '<>', me)
      if (which === 'stale') gone = gone.where(this.#silentTooLong())
      const dead = new Set((await gone.returning('id').execute()).map((row) => row.id))
      if (which === 'every-other') {
        const holders = await trx
          .selectFrom('deliveries')
          .select('locked_by')
          .distinct()
          .where('locked_by', 'is not', null)
          .where('locked_by', '<>', me)
          .execute()
        for (const { locked_by } of holders) if (locked_by !== null) dead.add(locked_by)
      }
      if (dead.size === 0) return undefined
      const released = await trx
        .updateTable('deliveries')
        .set((eb) => ({
          locked_until: null,
          locked_by: null,
          attempts: sql<number>`greatest(${eb.ref('attempts')} - 1, 0)`,
          updated_at: new Date(),
        }))
        .where('locked_by', 'in', [...dead])
        .executeTakeFirst()
      return { workers: [...dead], released: Number(released.numUpdatedRows) }
    })
    if (outcome === undefined) return
    const { workers, released } = outcome
    this.#log.warn(
      { deadWorkers: workers, releasedMessages: released },
      'delivery workers stopped without a goodbye: the messages they were sending are due again now',
    )
    if (released > 0) this.#options.onLeasesReleased()
  }
}
