import { sql } from 'kysely'
import type { Db, Store } from './database.ts'

/**
 * Runs `work` while this process holds the PostgreSQL session advisory lock `key`, so that one hub process
 * at a time does it; undefined (and `work` not run) when another process holds the lock. Keys are
 * constants beyond int4, so they never meet the outbox's hashtext() locks; each user has its own.
 *
 * PGlite is one session shared by every query of the one process that may open it: the lock is taken and
 * released through the ordinary handle (the work keeps being served meanwhile), and the process must keep
 * its own work from overlapping. On PostgreSQL a session lock belongs to one connection: one is pinned
 * for the lock while the work runs on the pool.
 */
export async function whileLocked<T>(
  store: Store,
  key: number,
  work: () => Promise<T>,
): Promise<{ readonly result: T } | undefined> {
  const locked = async (db: Db) => {
    const { rows } = await sql<{
      locked: boolean
    }>`select pg_try_advisory_lock(${key}::bigint) as locked`.execute(db)
    if (!rows[0]?.locked) return undefined
    try {
      return { result: await work() }
    } finally {
      await sql`select pg_advisory_unlock(${key}::bigint)`.execute(db)
    }
  }
  if (!store.supportsMultipleConnections) return locked(store.db)
  return store.db.connection().execute((connection) => locked(connection))
}
