import type { FastifyBaseLogger } from 'fastify'
import type { Db } from '../../storage/database.ts'
import { pruneTariffVersions } from '../../storage/tariff-versions.store.ts'

const DAY_MS = 24 * 60 * 60 * 1000
const PRUNE_INTERVAL_MS = 60 * 60 * 1000

/**
 * Keeps the Tariff version history within TARIFF_HISTORY_RETENTION_DAYS: at start and every hour, the
 * versions that stopped being valid before then are deleted (the one still valid stays, however old).
 */
export class TariffHistoryUpkeep {
  readonly #db: Db
  readonly #log: FastifyBaseLogger
  readonly #retentionDays: number
  #timer: NodeJS.Timeout | undefined
  #pruning: Promise<void> | undefined

  constructor(db: Db, log: FastifyBaseLogger, retentionDays: number) {
    this.#db = db
    this.#log = log
    this.#retentionDays = retentionDays
  }

  start(): void {
    if (this.#timer) return
    void this.prune()
    this.#timer = setInterval(() => void this.prune(), PRUNE_INTERVAL_MS)
    this.#timer.unref()
  }

  /** Deletes the versions older than the retention; a prune already running is joined. */
  async prune(): Promise<void> {
    if (this.#pruning) return this.#pruning
    const before = new Date(Date.now() - this.#retentionDays * DAY_MS)
    this.#pruning = pruneTariffVersions(this.#db, before)
      .then((deleted) => {
        if (deleted > 0) this.#log.info({ deleted, before }, 'tariff version history pruned')
      })
      .catch((error: unknown) =>
        this.#log.error({ err: error }, 'could not prune the tariff version history'),
      )
      .finally(() => (this.#pruning = undefined))
    return this.#pruning
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#pruning
  }
}
