import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import pg from 'pg'
import { inject } from 'vitest'
import { openStore, type Store, type StoreEngine } from '../../src/storage/database.ts'

/**
 * The stores every store and protocol test runs against: embedded PGlite always, and the real
 * PostgreSQL when TEST_DATABASE_URL is set (as .ci/run does).
 */
export const STORE_VARIANTS: readonly StoreEngine[] = process.env['TEST_DATABASE_URL']
  ? ['pglite', 'postgres']
  : ['pglite']

let template: Blob | undefined

function pgliteTemplate(): Blob {
  template ??= new Blob([readFileSync(inject('pgliteTemplatePath'))])
  return template
}

export interface TestStore {
  readonly store: Store
  /** PostgreSQL URL of this test's own database; undefined on PGlite. */
  readonly databaseUrl: string | undefined
  dispose(): Promise<void>
}

/** A fresh, migrated, empty store: an in-memory PGlite, or a new PostgreSQL database dropped afterwards. */
export async function createTestStore(engine: StoreEngine): Promise<TestStore> {
  if (engine === 'pglite') {
    const store = await openStore({ dataDir: 'memory', pgliteTemplate: pgliteTemplate() })
    return { store, databaseUrl: undefined, dispose: () => store.close() }
  }
  const database = await createTestDatabase()
  const store = await openStore({ databaseUrl: database.url, poolSize: 5 })
  return {
    store,
    databaseUrl: database.url,
    async dispose() {
      await store.close()
      await database.drop()
    },
  }
}

/** A new, empty PostgreSQL database on TEST_DATABASE_URL's server (another application's store, too). */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = process.env['TEST_DATABASE_URL']
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set')
  const name = `hub_test_${randomBytes(6).toString('hex')}`
  await adminQuery(adminUrl, `create database ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: () => adminQuery(adminUrl, `drop database if exists ${name} with (force)`),
  }
}

async function adminQuery(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}
