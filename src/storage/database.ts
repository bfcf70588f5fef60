import { mkdirSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { Kysely, Migrator, PostgresDialect, type Migration } from 'kysely'
import pg from 'pg'
import { PGliteDialect } from './pglite-dialect.ts'
import type { Database } from './tables.ts'
import * as createPlatforms from './migrations/2026_11_25_0001_create_platforms.ts'
import * as createObjectsAndDeliveries from './migrations/2026_11_28_0002_create_objects_and_deliveries.ts'
import * as createRouteIndexAndCallbacks from './migrations/2026_11_28_0003_create_route_index_and_callbacks.ts'
import * as createMessageLog from './migrations/2026_11_28_0005_create_message_log.ts'
import * as addMessageLogNote from './migrations/2026_11_29_0006_add_message_log_note.ts'

export type Db = Kysely<Database>

export type StoreEngine = 'pglite' | 'postgres'

export interface Store {
  readonly db: Db
  readonly engine: StoreEngine
  /** PGlite serves one connection: the hub runs its background work in-process and one at a time. */
  readonly supportsMultipleConnections: boolean
  close(): Promise<void>
}

/** Migrations in the order they apply. Never edit one that has been released: add a new one. */
const MIGRATIONS: Record<string, Migration> = {
  '2026_11_25_0001_create_platforms': createPlatforms,
  '2026_11_28_0002_create_objects_and_deliveries': createObjectsAndDeliveries,
  '2026_11_28_0003_create_route_index_and_callbacks': createRouteIndexAndCallbacks,
  '2026_11_28_0005_create_message_log': createMessageLog,
  '2026_11_29_0006_add_message_log_note': addMessageLogNote,
}

// Postgres returns int8 (counts) as strings by default; the hub's counts always fit a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value))

export interface StoreOptions {
  /** A PostgreSQL URL; when absent the embedded PGlite store is used. */
  readonly databaseUrl?: string | undefined
  /** PGlite data folder, or `memory`. */
  readonly dataDir?: string
  /** Size of the PostgreSQL connection pool. */
  readonly poolSize?: number
  /** A PGlite data folder dump to start from instead of an empty cluster (tests: skips initdb). */
  readonly pgliteTemplate?: Blob
  /**
   * Told when an idle PostgreSQL connection dies (server restart, terminated backend, dropped TCP): the
   * pool discards it and opens a new one when needed.
   */
  readonly onConnectionError?: (error: Error) => void
}

/**
 * Opens the store and applies pending migrations.
 *
 * @example
 * const store = await openStore({ dataDir: 'memory' })            // embedded, in memory
 * const store = await openStore({ databaseUrl: 'postgres://…' })  // PostgreSQL
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  const store = options.databaseUrl
    ? openPostgres(options.databaseUrl, options.poolSize ?? 10, options.onConnectionError)
    : openPGlite(options.dataDir ?? 'memory', options.pgliteTemplate)
  try {
    await migrateToLatest(store.db)
  } catch (error) {
    await store.close()
    throw error
  }
  return store
}

function openPostgres(
  databaseUrl: string,
  poolSize: number,
  onConnectionError: ((error: Error) => void) | undefined,
): Store {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize })
  // A connection that dies emits 'error' on its client (idle or checked out) and, when idle, on the pool
  // too; an 'error' without a listener ends the process. A query that was running on it fails by itself,
  // and the pool discards the connection.
  pool.on('connect', (client) => client.on('error', (error) => onConnectionError?.(error)))
  pool.on('error', () => {})
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  return { db, engine: 'postgres', supportsMultipleConnections: true, close: () => db.destroy() }
}

function openPGlite(dataDir: string, template: Blob | undefined): Store {
  if (dataDir !== 'memory') mkdirSync(dataDir, { recursive: true })
  const options = template ? { loadDataDir: template } : {}
  const pglite = dataDir === 'memory' ? new PGlite(options) : new PGlite(dataDir, options)
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) })
  return { db, engine: 'pglite', supportsMultipleConnections: false, close: () => db.destroy() }
}

/**
 * A dump of a freshly migrated embedded store. Starting PGlite from it skips initdb and the migrations,
 * which is most of PGlite's start-up time.
 */
export async function createPGliteTemplate(): Promise<Blob> {
  const pglite = new PGlite()
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) })
  await migrateToLatest(db)
  const dump = await pglite.dumpDataDir('none')
  await db.destroy()
  return dump
}

async function migrateToLatest(db: Db): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } })
  const { error, results } = await migrator.migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown'
    throw new Error(`database migration ${failed} failed`, { cause: error })
  }
}

/** The migrations this code expects, in order: a database without all of them is not ready (GET /ready). */
export function expectedMigrationNames(): string[] {
  return Object.keys(MIGRATIONS)
}
