import { DEFAULT_MIGRATION_TABLE, sql } from 'kysely'
import type { Db } from '../storage/database.ts'
import { expectedMigrationNames } from '../storage/database.ts'

/** What GET /ready answers: ready only when the database answers and has every migration this code expects. */
export interface Readiness {
  readonly ready: boolean
  readonly database: 'ok' | 'unreachable' | 'timeout'
  readonly migrations: 'ok' | 'pending' | 'unknown'
  /** The expected migrations the database does not have (a restore from an older backup, a failed deploy). */
  readonly pendingMigrations: readonly string[]
  /** Why the database could not be used, for the log (never sent: the endpoint has no authentication). */
  readonly error?: unknown
}

/**
 * Asks the database a trivial question and reads which migrations it has. Bounded by `timeoutMs`: an
 * orchestrator's probe gives up after a second or so, and a hung pool must read as "not ready", not as
 * a probe that never answers.
 */
export async function checkReadiness(db: Db, timeoutMs: number): Promise<Readiness> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs)
    timer.unref()
  })
  try {
    const reachable = await Promise.race([
      sql`select 1`.execute(db).then(
        () => 'ok' as const,
        (error: unknown) => ({ error }),
      ),
      timeout,
    ])
    if (reachable === 'timeout') return notReady('timeout')
    if (reachable !== 'ok') return notReady('unreachable', reachable.error)

    const applied = await Promise.race([
      sql<{ name: string }>`select name from ${sql.table(DEFAULT_MIGRATION_TABLE)}`.execute(db).then(
        (result) => new Set(result.rows.map((row) => row.name)),
        // The database answers but has no migration table: nothing was ever applied to it.
        () => new Set<string>(),
      ),
      timeout,
    ])
    if (applied === 'timeout') return notReady('timeout')
    const pendingMigrations = expectedMigrationNames().filter((name) => !applied.has(name))
    return {
      ready: pendingMigrations.length === 0,
      database: 'ok',
      migrations: pendingMigrations.length === 0 ? 'ok' : 'pending',
      pendingMigrations,
    }
  } finally {
    clearTimeout(timer)
  }
}

function notReady(database: 'unreachable' | 'timeout', error?: unknown): Readiness {
  return { ready: false, database, migrations: 'unknown', pendingMigrations: [], error }
}
