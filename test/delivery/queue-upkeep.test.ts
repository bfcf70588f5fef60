import { sql } from 'kysely'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { QueueUpkeep } from '../../src/delivery/queue-upkeep.ts'
import type { Db } from '../../src/storage/database.ts'
import { createTestStore, STORE_VARIANTS, type TestStore } from '../support/test-store.ts'

/**
 * The hub vacuums and analyses its queue itself (src/delivery/queue-upkeep.ts): PGlite has no autovacuum
 * and PostgreSQL's comes too late, so the planner kept the statistics of an empty queue and a backlog
 * drained slowly. Vacuum's analyze
 * sets the table's row estimate (pg_class.reltuples, -1 for a table never vacuumed nor analyzed): that
 * shows here whether and when it ran.
 */

async function queueRows(db: Db, count: number): Promise<void> {
  await db
    .insertInto('platforms')
    .values({
      id: 'receiver',
      name: 'receiver',
      status: 'CONNECTED',
      initiated_by: 'partner',
      endpoints: '[]',
    })
    .execute()
  await sql`
    insert into deliveries (receiver_platform_id, to_country_code, to_party_id, from_country_code,
      from_party_id, module, method, path, body, correlation_id, ordering_key, target_path, lane)
    select 'receiver', 'DE', 'EMP', 'NL', 'CPO', 'locations', 'PUT', '/NL/CPO/L' || n, '{}', 'c',
      'receiver|locations|NL/CPO/L' || n, 'L' || n, 'NL/CPO'
    from generate_series(1, ${count}) n`.execute(db)
}

async function estimatedRows(db: Db): Promise<number> {
  const { rows } = await sql<{ reltuples: number }>`
    select reltuples from pg_class where relname = 'deliveries'`.execute(db)
  return Number(rows[0]!.reltuples)
}

for (const engine of STORE_VARIANTS)
  describe(`${engine}: the delivery queue is vacuumed by the hub`, () => {
    let test: TestStore | undefined
    afterEach(async () => {
      await test?.dispose()
      test = undefined
    })

    it('vacuums once the rows claimed reach the threshold, not before', async () => {
      test = await createTestStore(engine)
      const { db } = test.store
      await queueRows(db, 40)
      const upkeep = new QueueUpkeep(db, pino({ level: 'silent' }), { rows: 100, ms: 60_000 })

      upkeep.claimed(60)
      await upkeep.settled()
      expect(await estimatedRows(db)).toBe(-1)

      upkeep.claimed(40)
      await upkeep.settled()
      expect(await estimatedRows(db)).toBe(40)
    })

    it('vacuums when the interval passed and anything was claimed since', async () => {
      test = await createTestStore(engine)
      const { db } = test.store
      await queueRows(db, 30)
      const upkeep = new QueueUpkeep(db, pino({ level: 'silent' }), { rows: 1_000_000, ms: 50 })
      await new Promise((resolve) => setTimeout(resolve, 80))
      upkeep.claimed(0)
      await upkeep.settled()
      expect(await estimatedRows(db)).toBe(-1)

      upkeep.claimed(1)
      await upkeep.settled()
      expect(await estimatedRows(db)).toBe(30)
    })
  })
