import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { sql } from 'kysely'
import pg from 'pg'
import { createPGliteTemplate, openStore, type StoreEngine } from '../../src/storage/database.ts'
import { freePort } from '../../test/support/free-port.ts'

/** The hub as a real process on 127.0.0.1, on a store of its own: the compiled build, as `npm start` runs it. */

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
export const ADMIN_TOKEN = `bench-admin-${randomBytes(8).toString('hex')}`

/** PostgreSQL server the bench creates its databases on (and drops them from). */
const POSTGRES_ADMIN_URL = process.env['BENCH_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/** A fresh store for one hub: a PGlite folder under .tmp/, or a new PostgreSQL database. */
export interface DataPlace {
  readonly engine: StoreEngine
  readonly env: Record<string, string>
  sizeBytes(): Promise<number>
  /**
   * pg_total_relation_size (rows, indexes, TOAST) of every table, by name. On PGlite the folder is opened
   * by one process at a time: call it only after the hub stopped.
   */
  tableBytes(): Promise<Record<string, number>>
  dispose(): Promise<void>
}

async function tableBytesOf(options: { dataDir: string } | { databaseUrl: string }) {
  const store = await openStore(options)
  try {
    const { rows } = await sql<{ name: string; bytes: string }>`
      select c.relname as name, pg_total_relation_size(c.oid) as bytes
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and n.nspname = 'public'`.execute(store.db)
    return Object.fromEntries(rows.map((row) => [row.name, Number(row.bytes)]))
  } finally {
    await store.close()
  }
}

function folderBytes(path: string): number {
  let total = 0
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name)
    total += entry.isDirectory() ? folderBytes(full) : statSync(full).size
  }
  return total
}

/** One migrated PGlite cluster per bench run, copied into each hub's folder (initdb takes seconds). */
let pgliteTemplate: Promise<Blob> | undefined

export async function dataPlace(engine: StoreEngine): Promise<DataPlace> {
  if (engine === 'pglite') {
    const tmpRoot = join(repoRoot, '.tmp')
    mkdirSync(tmpRoot, { recursive: true })
    const folder = mkdtempSync(join(tmpRoot, 'bench-'))
    const dataDir = join(folder, 'data')
    pgliteTemplate ??= createPGliteTemplate()
    await (await openStore({ dataDir, pgliteTemplate: await pgliteTemplate })).close()
    return {
      engine,
      env: { DATA_DIR: dataDir, DATABASE_URL: '' },
      sizeBytes: async () => folderBytes(dataDir),
      tableBytes: () => tableBytesOf({ dataDir }),
      dispose: async () => rmSync(folder, { recursive: true, force: true }),
    }
  }
  const name = `bench_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = new URL(POSTGRES_ADMIN_URL)
  url.pathname = `/${name}`
  const databaseUrl = url.toString()
  return {
    engine,
    env: { DATABASE_URL: databaseUrl },
    async sizeBytes() {
      const client = new pg.Client({ connectionString: databaseUrl })
      await client.connect()
      const result = await client.query<{ size: string }>(
        'select pg_database_size(current_database()) as size',
      )
      await client.end()
      return Number(result.rows[0]?.size ?? 0)
    },
    tableBytes: () => tableBytesOf({ databaseUrl }),
    async dispose() {
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL })
      await client.connect()
      await client.query(`drop database if exists ${name} with (force)`)
      await client.end()
    },
  }
}

/** Compiles src/ to dist/ unless dist/ is current (scripts/build-if-stale.sh), once per bench run. */
let built = false
function buildIfStale(): void {
  if (built) return
  execFileSync('sh', ['scripts/build-if-stale.sh'], { cwd: repoRoot, stdio: 'inherit' })
  built = true
}

export interface HubOptions {
  /** Extra settings (docs/configuration.md) over the bench's defaults. */
  readonly env?: Record<string, string>
  /** Folder to write a V8 CPU profile to (node --cpu-prof) when the hub stops gracefully. */
  readonly cpuProfileDir?: string
}

export class HubUnderTest {
  readonly url: string
  readonly versionsUrl: string
  readonly #port: number
  readonly #place: DataPlace
  readonly #options: HubOptions
  #child: ChildProcess | undefined
  #exited: Promise<void> = Promise.resolve()
  output = ''
  /** Milliseconds from the last spawn to the first GET /ready answered 200. */
  lastStartMs = 0

  private constructor(port: number, place: DataPlace, options: HubOptions) {
    this.#port = port
    this.#place = place
    this.#options = options
    this.url = `http://127.0.0.1:${port}`
    this.versionsUrl = `${this.url}/ocpi/versions`
  }

  static async start(place: DataPlace, options: HubOptions = {}): Promise<HubUnderTest> {
    const hub = new HubUnderTest(await freePort(), place, options)
    await hub.restart()
    return hub
  }

  get pid(): number {
    return this.#child?.pid ?? 0
  }

  /** Starts the process (again, on the same store and port) and waits until GET /ready answers 200. */
  async restart(timeoutMs = 120_000): Promise<void> {
    buildIfStale()
    const profile = this.#options.cpuProfileDir
      ? ['--cpu-prof', `--cpu-prof-dir=${this.#options.cpuProfileDir}`]
      : []
    const spawnedAt = performance.now()
    const child = spawn(process.execPath, [...profile, 'dist/main.js'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        PORT: String(this.#port),
        HOST: '127.0.0.1',
        HUB_PUBLIC_URL: this.url,
        HUB_ADMIN_TOKEN: ADMIN_TOKEN,
        HUB_ALLOW_PRIVATE_PEERS: 'true',
        RATE_LIMIT_PER_MINUTE: '0',
        LOG_LEVEL: 'warn',
        ...this.#place.env,
        ...this.#options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.#child = child
    const collect = (chunk: Buffer) => (this.output = (this.output + chunk.toString('utf8')).slice(-20_000))
    child.stdout?.on('data', collect)
    child.stderr?.on('data', collect)
    let exited = false
    this.#exited = new Promise((resolve) =>
      child.once('exit', () => {
        exited = true
        resolve()
      }),
    )
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const ready = await fetch(`${this.url}/ready`).then(
        (response) => response.status === 200,
        () => false,
      )
      if (ready) {
        this.lastStartMs = performance.now() - spawnedAt
        return
      }
      if (exited || Date.now() > deadline) throw new Error(`hub did not start serving:\n${this.output}`)
      // Short: the start scenario measures spawn → ready with this resolution.
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  /** SIGKILL: no shutdown hook runs. */
  async kill(): Promise<void> {
    this.#child?.kill('SIGKILL')
    await this.#exited
  }

  /** SIGTERM: graceful shutdown (writes the CPU profile when one was asked for). */
  async stop(): Promise<void> {
    this.#child?.kill('SIGTERM')
    await this.#exited
  }

  /** Calls the admin API (docs/admin-api.md). */
  async admin<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    if (!response.ok)
      throw new Error(`admin ${method} ${path}: HTTP ${response.status} ${await response.text()}`)
    return (await response.json()) as T
  }
}
