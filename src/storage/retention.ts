import type { FastifyBaseLogger } from 'fastify'

const DAY_MS = 24 * 60 * 60 * 1000
const HOUR_MS = 60 * 60 * 1000

export interface RetentionOptions {
  /** What is pruned, for the log lines ("message log", "audit log"). */
  readonly name: string
  readonly retentionDays: number
  /** Deletes what is older than `before`, returning how many rows went. */
  readonly prune: (before: Date) => Promise<number>
  readonly intervalMs?: number
}

/**
 * Deletes rows older than a retention, at start and every hour: one run at a time per process (several
 * processes may prune the same table; a delete of what another already deleted costs nothing). A failed
 * run is logged and tried again at the next interval.
 */
export class RetentionJob {
  readonly #options: RetentionOptions
  readonly #log: FastifyBaseLogger
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined

  constructor(log: FastifyBaseLogger, options: RetentionOptions) {
    this.#log = log
    this.#options = options
  }

  start(): void {
    if (this.#timer) return
    void this.run()
    this.#timer = setInterval(() => void this.run(), this.#options.intervalMs ?? HOUR_MS)
    this.#timer.unref()
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#running
  }

  /** Prunes now; a run already under way is joined. */
  run(): Promise<void> {
    if (this.#running) return this.#running
    const { name, retentionDays, prune } = this.#options
    const before = new Date(Date.now() - retentionDays * DAY_MS)
    this.#running = prune(before)
      .then((deleted) => {
        if (deleted > 0) this.#log.info({ deleted, before }, `${name} pruned`)
      })
      .catch((error: unknown) => this.#log.error({ err: error }, `could not prune the ${name}`))
      .finally(() => (this.#running = undefined))
    return this.#running
  }
}

/** Rows deleted per statement: a long-unpruned table is deleted in steps, never in one long lock. */
const DELETE_BATCH = 5_000

/** Runs `deleteBatch(limit)` until it deletes fewer than `limit` rows; returns how many went in all. */
export async function deleteInBatches(deleteBatch: (limit: number) => Promise<number>): Promise<number> {
  let total = 0
  for (;;) {
    const deleted = await deleteBatch(DELETE_BATCH)
    total += deleted
    if (deleted < DELETE_BATCH) return total
  }
}
