/** The store a probe measures: an in-memory PGlite, or a PostgreSQL database of its own, dropped afterwards. */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { openStore, type Store } from '../../src/storage/database.ts'

export type ProbeEngine = 'pglite' | 'postgres'

const adminUrl = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'

/** postgres uses TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); KEEP=1 keeps its database. */
export async function withProbeStore(
  engine: ProbeEngine,
  options: { readonly poolSize: number },
  run: (store: Store) => Promise<void>,
): Promise<void> {
  if (engine === 'pglite') {
    const store = await openStore({ dataDir: 'memory' })
    try {
      await run(store)
    } finally {
      await store.close()
    }
    return
  }
  const name = `hub_measure_${randomBytes(4).toString('hex')}`
  await adminQuery(`create database ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  const store = await openStore({ databaseUrl: url.toString(), poolSize: options.poolSize })
  try {
    await run(store)
  } finally {
    await store.close()
    // KEEP=1 leaves the database for EXPLAIN ANALYZE by hand.
    if (process.env['KEEP']) console.log(`kept database ${name}`)
    else await adminQuery(`drop database if exists ${name} with (force)`)
  }
}

async function adminQuery(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

/** `count` receiver platforms `em0`, `em1`, …, connected. */
export async function addReceivers(store: Store, count: number): Promise<void> {
  await store.db
    .insertInto('platforms')
    .values(
      Array.from({ length: count }, (_, receiver) => ({
        id: `em${receiver}`,
        name: `eMSP ${receiver}`,
        status: 'CONNECTED',
        initiated_by: 'partner',
        endpoints: '[]',
      })),
    )
    .execute()
}
