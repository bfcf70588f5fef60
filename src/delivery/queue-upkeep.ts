import { performance } from 'node:perf_hooks'
import type { FastifyBaseLogger } from 'fastify'
import { sql } from 'kysely'
import type { Db } from '../storage/database.ts'

/**
 * Vacuums and analyses the queue as it churns. The claim's plan depends on the queue's statistics: PGlite
 * runs no autovacuum, so it kept those of an empty queue (a claim with 100,000 waiting took 40–65 ms
 * instead of 6–7), and PostgreSQL's autovacuum comes a minute apart at best, long after a backlog built up
 * in seconds; in both a 100,000 backlog drained at 0.2–0.26× the rate of an empty queue, and at 1.2–1.3×
 * with this (docs/benchmarks.md). It also reclaims the dead row versions every claim and completion leave.
 * One `vacuum (analyze)` per `everyRows` rows claimed, or after `everyMs` when anything was claimed since;
 * `skip_locked`: a process finding another one vacuuming the queue does not wait for it.
 */
export class QueueUpkeep {
  readonly #db: Db
  readonly #log: FastifyBaseLogger
  readonly #everyRows: number
  readonly #everyMs: number
  #rowsSinceVacuum = 0
  #lastVacuumAt = Date.now()
  #vacuuming: Promise<void> | undefined

  constructor(db: Db, log: FastifyBaseLogger, every: { readonly rows: number; readonly ms: number }) {
    this.#db = db
    this.#log = log
    this.#everyRows = every.rows
    this.#everyMs = every.ms
  }

  /** Rows were claimed (each will leave one or more dead versions): vacuum once enough have. */
  claimed(rows: number): void {
    this.#rowsSinceVacuum += rows
    const due =
      this.#rowsSinceVacuum >= this.#everyRows ||
      (this.#rowsSinceVacuum > 0 && Date.now() - this.#lastVacuumAt >= this.#everyMs)
    if (!due || this.#vacuuming) return
    this.#rowsSinceVacuum = 0
    this.#lastVacuumAt = Date.now()
    this.#vacuuming = this.#vacuum().finally(() => (this.#vacuuming = undefined))
  }

  /** Waits for a vacuum under way (stop). */
  async settled(): Promise<void> {
    await this.#vacuuming
  }

  async #vacuum(): Promise<void> {
    const started = performance.now()
    try {
      await sql`vacuum (analyze, skip_locked) deliveries`.execute(this.#db)
      this.#log.debug({ ms: Math.round(performance.now() - started) }, 'delivery queue vacuumed')
    } catch (error) {
      this.#log.warn({ err: error }, 'could not vacuum the delivery queue; trying again later')
    }
  }
}
