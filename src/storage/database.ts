import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
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
import * as createDirectoryVersion from './migrations/2026_12_06_0007_create_directory_version.ts'
import * as addDeliveryQueueHeads from './migrations/2026_12_06_0008_add_delivery_queue_heads.ts'
import * as createDeliveryWorkers from './migrations/2026_12_06_0009_create_delivery_workers.ts'
import * as objectsKeyLeadsWithId from './migrations/2026_12_06_0010_objects_key_leads_with_id.ts'
import * as addPlatformLifecycle from './migrations/2026_12_07_0011_add_platform_lifecycle.ts'
import * as createOperatorsAndAudit from './migrations/2026_12_08_0012_create_operators_and_audit.ts'
import * as createWebhookSubscriptions from './migrations/2026_12_08_0013_create_webhook_subscriptions.ts'
import * as createPriceDiscrepancies from './migrations/2026_12_08_0015_create_price_discrepancies.ts'
import * as createAgreementsAndBlocks from './migrations/2026_12_08_0016_create_agreements_and_blocks.ts'
import * as createClearing from './migrations/2026_12_08_0017_create_clearing.ts'
import * as createTargetedTariffs from './migrations/2026_12_09_0020_create_targeted_tariffs.ts'
import * as addPlatformPeerHub from './migrations/2026_12_09_0021_add_platform_peer_hub.ts'
import * as createBridgeIdentifiers from './migrations/2026_12_09_0022_create_bridge_identifiers.ts'
import * as createAgreementValidityCheck from './migrations/2026_12_10_0023_create_agreement_validity_check.ts'
import * as createRoamingModeRecord from './migrations/2026_12_11_0024_create_roaming_mode_record.ts'
import * as createBridgeCommandResults from './migrations/2026_12_12_0028_create_bridge_command_results.ts'

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
  '2026_12_06_0007_create_directory_version': createDirectoryVersion,
  '2026_12_06_0008_add_delivery_queue_heads': addDeliveryQueueHeads,
  '2026_12_06_0009_create_delivery_workers': createDeliveryWorkers,
  '2026_12_06_0010_objects_key_leads_with_id': objectsKeyLeadsWithId,
  '2026_12_07_0011_add_platform_lifecycle': addPlatformLifecycle,
  '2026_12_08_0012_create_operators_and_audit': createOperatorsAndAudit,
  '2026_12_08_0013_create_webhook_subscriptions': createWebhookSubscriptions,
  '2026_12_08_0015_create_price_discrepancies': createPriceDiscrepancies,
  '2026_12_08_0016_create_agreements_and_blocks': createAgreementsAndBlocks,
  '2026_12_08_0017_create_clearing': createClearing,
  '2026_12_09_0020_create_targeted_tariffs': createTargetedTariffs,
  '2026_12_09_0021_add_platform_peer_hub': addPlatformPeerHub,
  '2026_12_09_0022_create_bridge_identifiers': createBridgeIdentifiers,
  '2026_12_10_0023_create_agreement_validity_check': createAgreementValidityCheck,
  '2026_12_11_0024_create_roaming_mode_record': createRoamingModeRecord,
  '2026_12_12_0028_create_bridge_command_results': createBridgeCommandResults,
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
  // Asked before PGlite opens the folder: opening it starts writing the new cluster.
  const createsCluster =
    !options.databaseUrl && !options.pgliteTemplate && !hasPGliteCluster(options.dataDir ?? 'memory')
  const store = options.databaseUrl
    ? openPostgres(options.databaseUrl, options.poolSize ?? 10, options.onConnectionError)
    : openPGlite(options.dataDir ?? 'memory', options.pgliteTemplate)
  try {
    await migrateToLatest(store.db)
  } catch (error) {
    await store.close()
    throw error
  }
  // Soon after, not now: PGlite still holds initdb's buffers for a moment after it opened.
  if (createsCluster) setTimeout(collectGarbageNow, 2_000).unref()
  return store
}

function hasPGliteCluster(dataDir: string): boolean {
  return dataDir !== 'memory' && existsSync(join(dataDir, 'PG_VERSION'))
}

/**
 * One full garbage collection, run once shortly after PGlite created a new cluster: its initdb leaves about
 * 350 MiB of JavaScript garbage that V8 would otherwise keep until a full collection it has no reason to
 * start while the hub idles (minutes; docs/benchmarks.md, "Idle memory"). Node offers no collection without
 * the `--expose-gc` flag, so the flag is set here and `gc` taken from a new context, which sees it.
 */
function collectGarbageNow(): void {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  gc()
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

/**
 * Postgres settings of the embedded store, added to PGlite's own start parameters. PGlite's WebAssembly
 * heap zero-fills Postgres' shared memory when it starts, so all of shared_buffers is resident for the
 * life of the process, used or not, and a WebAssembly memory never shrinks. Postgres' 128 MB default was
 * most of an idle hub's memory (docs/benchmarks.md, "Idle memory"); pages that fall out of this cache are
 * read again from the operating system's page cache (a data folder) or from memory (`DATA_DIR=memory`).
 */
const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB']

function openPGlite(dataDir: string, template: Blob | undefined): Store {
  if (dataDir !== 'memory') mkdirSync(dataDir, { recursive: true })
  const options = { startParams: PGLITE_START_PARAMS, ...(template ? { loadDataDir: template } : {}) }
  const pglite = dataDir === 'memory' ? new PGlite(options) : new PGlite(dataDir, options)
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) })
  return { db, engine: 'pglite', supportsMultipleConnections: false, close: () => db.destroy() }
}

/**
 * A dump of a freshly migrated embedded store. Starting PGlite from it skips initdb and the migrations,
 * which is most of PGlite's start-up time.
 */
export async function createPGliteTemplate(): Promise<Blob> {
  const pglite = new PGlite({ startParams: PGLITE_START_PARAMS })
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
    const failed = results?.find((r) => r.status === 'Error')?.migrationName
    // No failed migration: the migrator could not even read the migration table (no connection).
    throw new Error(
      failed
        ? `database migration ${failed} failed: ${messageOf(error)}`
        : `database migrations could not run: ${messageOf(error)}`,
      { cause: error },
    )
  }
}

/** The migrations this code expects, in order: a database without all of them is not ready (GET /ready). */
export function expectedMigrationNames(): string[] {
  return Object.keys(MIGRATIONS)
}

/** Where a DATABASE_URL points, for messages: host, port, database and user, never the password. */
export function databaseTarget(databaseUrl: string): string {
  const url = new URL(databaseUrl)
  const host = url.hostname || url.searchParams.get('host') || 'localhost'
  const port = url.port || url.searchParams.get('port') || '5432'
  const database = decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username)
  const user = url.username ? ` as user ${decodeURIComponent(url.username)}` : ''
  return `${host}:${port}, database ${JSON.stringify(database)}${user}`
}

/** Why PostgreSQL could not be used, in words; `transient` when waiting may help. */
export interface DatabaseProblem {
  readonly reason: string
  readonly transient: boolean
}

// SQLSTATEs of a connection refused by the server: https://www.postgresql.org/docs/current/errcodes-appendix.html
const SERVER_REFUSALS: Record<string, (message: string) => DatabaseProblem> = {
  '28P01': (message) => ({ reason: `authentication failed (${message})`, transient: false }),
  '28000': (message) => ({ reason: `authentication failed (${message})`, transient: false }),
  '3D000': (message) => ({ reason: message, transient: false }), // database "x" does not exist
  '42501': (message) => ({ reason: `permission denied (${message})`, transient: false }),
  '57P03': () => ({ reason: 'the database is starting up', transient: true }),
  '53300': () => ({ reason: 'the server has too many connections', transient: true }),
}

const NETWORK_FAILURES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'host name lookup failed (temporary DNS failure)',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
}

/** Classifies an error of connecting to PostgreSQL (pg's, or Node's network errors). */
export function databaseProblem(error: unknown): DatabaseProblem {
  const code = codeOf(error)
  const message = messageOf(error)
  const refusal = code === undefined ? undefined : SERVER_REFUSALS[code]
  if (refusal) return refusal(message)
  const network = code === undefined ? undefined : NETWORK_FAILURES[code]
  if (network) return { reason: network, transient: true }
  if (/timeout|timed out/i.test(message)) return { reason: 'timed out', transient: true }
  if (/terminated unexpectedly|Connection terminated/i.test(message))
    return { reason: 'the server closed the connection', transient: true }
  if (/SASL|password/i.test(message))
    return { reason: `authentication failed (${message})`, transient: false }
  return { reason: message, transient: false }
}

/** PostgreSQL stayed unreachable (or refused the hub for good). */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError'
  constructor(
    readonly problem: DatabaseProblem,
    readonly waitedMs: number,
    options?: ErrorOptions,
  ) {
    super(problem.reason, options)
  }
}

export interface WaitForDatabaseOptions {
  /** How long to keep trying while the problem is transient; 0: one try. */
  readonly timeoutMs: number
  /** Told before each wait: why, and when the next try and the giving up come. */
  readonly onWaiting?: (problem: DatabaseProblem, retryInMs: number, givingUpInMs: number) => void
}

const FIRST_RETRY_MS = 250
const LONGEST_RETRY_MS = 5_000
const LONGEST_TRY_MS = 10_000

/**
 * Connects to PostgreSQL once with a single connection (no pool, no migrations) and runs `select 1`,
 * trying again while it is unreachable, up to `timeoutMs`. Throws DatabaseUnavailableError with the reason.
 */
export async function waitForDatabase(databaseUrl: string, options: WaitForDatabaseOptions): Promise<void> {
  const started = Date.now()
  const deadline = started + options.timeoutMs
  for (let delay = FIRST_RETRY_MS; ; delay = Math.min(delay * 2, LONGEST_RETRY_MS)) {
    const tryMs = Math.min(LONGEST_TRY_MS, Math.max(1_000, deadline - Date.now()))
    const client = new pg.Client({
      connectionString: databaseUrl,
      connectionTimeoutMillis: tryMs,
      query_timeout: tryMs,
    })
    client.on('error', () => {}) // a connection dying after the try has ended
    let failure: unknown
    try {
      await client.connect()
      await client.query('select 1')
    } catch (error) {
      failure = error ?? new Error('unknown error')
    } finally {
      await client.end().catch(() => {})
    }
    if (failure === undefined) return
    const problem = databaseProblem(failure)
    const left = deadline - Date.now()
    if (!problem.transient || left <= 0)
      throw new DatabaseUnavailableError(problem, Date.now() - started, { cause: failure })
    const wait = Math.min(delay, left)
    options.onWaiting?.(problem, wait, left)
    await new Promise((resolve) => setTimeout(resolve, wait))
  }
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string') return code
  // Node's connect to a name with several addresses fails with an AggregateError of each address's error.
  const first = (error as { errors?: unknown }).errors
  return Array.isArray(first) ? codeOf(first[0]) : undefined
}

function messageOf(error: unknown): string {
  if (error instanceof Error && error.message) return error.message
  if (error instanceof AggregateError) return error.errors.map(messageOf).join('; ')
  if (typeof error === 'object' && error !== null && 'errno' in error) {
    return `file system error ${String(error.errno)}`
  }
  return String(error)
}
