import { sql, type KyselyPlugin } from 'kysely'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { WorkerRegistry, type WorkerRegistryOptions } from '../../src/delivery/worker-registry.ts'
import type { Db } from '../../src/storage/database.ts'
import { eventually } from '../support/roaming-network.ts'
import { createTestStore, STORE_VARIANTS, type TestStore } from '../support/test-store.ts'

/**
 * The registry of live delivery workers (src/delivery/worker-registry.ts) on its own: which leases it
 * releases, when, and how it lives through a database that fails. The whole story with real processes
 * killed by SIGKILL is test/resilience/restart-leases.test.ts.
 */

const RECEIVER = 'receiver-platform'

interface LogLine {
  readonly level: number
  readonly msg: string
  readonly deadWorkers?: string[]
  readonly releasedMessages?: number
}

/** A delivery of `RECEIVER` leased by `worker` for a minute, on its `attempts`th try; returns its id. */
async function leasedDelivery(db: Db, worker: string | null, attempts: number): Promise<number> {
  const { rows } = await sql<{ id: number }>`
    insert into deliveries (receiver_platform_id, to_country_code, to_party_id, from_country_code,
      from_party_id, module, method, path, body, correlation_id, ordering_key, target_path, attempts,
      locked_until, locked_by)
    values (${RECEIVER}, 'DE', 'EMP', 'NL', 'CPO', 'locations', 'PUT', '/NL/CPO/L1', '{}', 'c',
      ${`${RECEIVER}|locations|NL/CPO/L${Math.random()}`}, 'L1', ${attempts},
      ${worker === null ? null : sql`now() + interval '1 minute'`}, ${worker})
    returning id`.execute(db)
  return Number(rows[0]!.id)
}

async function lease(db: Db, id: number) {
  return db
    .selectFrom('deliveries')
    .select(['locked_by', 'locked_until', 'attempts'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
}

async function workerIds(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('delivery_workers').select('id').orderBy('id').execute()
  return rows.map((row) => row.id)
}

/** A worker's row, its last beat `secondsAgo` seconds ago. */
async function registeredWorker(db: Db, id: string, secondsAgo: number): Promise<void> {
  await sql`insert into delivery_workers (id, heartbeat_at)
            values (${id}, now() - make_interval(secs => ${secondsAgo}))`.execute(db)
}

/** A plugin failing every query while `failing` is true, as a database that cannot be reached. */
function databaseAway(): { failing: boolean; readonly plugin: KyselyPlugin } {
  const away = {
    failing: true,
    plugin: {
      transformQuery(args) {
        if (away.failing) throw new Error('the database is away')
        return args.node
      },
      transformResult: async (args) => args.result,
    } satisfies KyselyPlugin,
  }
  return away
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: the delivery worker registry`, () => {
    let testStore: TestStore | undefined
    const registries: WorkerRegistry[] = []
    afterEach(async () => {
      for (const registry of registries.splice(0)) await registry.stop()
      await testStore?.dispose()
      testStore = undefined
    })

    async function setUp(options: Partial<WorkerRegistryOptions> = {}, plugin?: KyselyPlugin) {
      testStore = await createTestStore(engine)
      const db = testStore.store.db
      await db
        .insertInto('platforms')
        .values({
          id: RECEIVER,
          name: 'receiver',
          status: 'CONNECTED',
          initiated_by: 'partner',
          endpoints: '[]',
        })
        .execute()
      const logs: LogLine[] = []
      const log = pino(
        { level: 'info' },
        { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) },
      )
      let released = 0
      const registry = new WorkerRegistry(plugin ? db.withPlugin(plugin) : db, 'me', log, {
        heartbeatIntervalMs: 50,
        staleAfterMs: 1_000,
        soleProcess: false,
        onLeasesReleased: () => (released += 1),
        ...options,
      })
      registries.push(registry)
      return { db, registry, logs, releases: () => released }
    }

    it('releases at once the leases of a worker silent longer than the bound, its attempt handed back; a live worker keeps its own', async () => {
      const { db, registry, logs, releases } = await setUp()
      await registeredWorker(db, 'dead', 10)
      await registeredWorker(db, 'alive', 0)
      const ofDead = await leasedDelivery(db, 'dead', 3)
      const ofAlive = await leasedDelivery(db, 'alive', 2)

      await registry.start()

      expect(await lease(db, ofDead)).toEqual({ locked_by: null, locked_until: null, attempts: 2 })
      expect(await lease(db, ofAlive)).toMatchObject({ locked_by: 'alive', attempts: 2 })
      expect(await workerIds(db)).toEqual(['alive', 'me'])
      expect(releases()).toBe(1)
      expect(logs).toContainEqual(
        expect.objectContaining({ level: 40, deadWorkers: ['dead'], releasedMessages: 1 }),
      )

      // The live one stops beating: after the bound it is swept too, by this worker's beat.
      await eventually(async () => expect(await lease(db, ofAlive)).toMatchObject({ locked_by: null }))
      expect(await workerIds(db)).toEqual(['me'])

      await registry.stop()
      expect(await workerIds(db)).toEqual([])
    })

    it('beats: a worker that keeps its beat is never taken for dead by another', async () => {
      const { db, registry } = await setUp()
      const other = new WorkerRegistry(db, 'other', pino({ level: 'silent' }), {
        heartbeatIntervalMs: 50,
        staleAfterMs: 1_000,
        soleProcess: false,
        onLeasesReleased: () => {},
      })
      registries.push(other)
      await registry.start()
      await other.start()
      const ofMe = await leasedDelivery(db, 'me', 1)
      await new Promise((resolve) => setTimeout(resolve, 1_500))
      expect(await lease(db, ofMe)).toMatchObject({ locked_by: 'me', attempts: 1 })
      expect(await workerIds(db)).toEqual(['me', 'other'])
    })

    it('as the sole process (PGlite): at start every other lease is released, registered worker or not, fresh beat or not', async () => {
      const { db, registry, releases } = await setUp({ soleProcess: true })
      await registeredWorker(db, 'killed', 0)
      const ofKilled = await leasedDelivery(db, 'killed', 1)
      // A process of a release before the registry never registered.
      const ofOlderRelease = await leasedDelivery(db, 'older-release', 4)
      const unleased = await leasedDelivery(db, null, 5)

      await registry.start()

      expect(await lease(db, ofKilled)).toEqual({ locked_by: null, locked_until: null, attempts: 0 })
      expect(await lease(db, ofOlderRelease)).toEqual({ locked_by: null, locked_until: null, attempts: 3 })
      expect(await lease(db, unleased)).toMatchObject({ attempts: 5 })
      expect(await workerIds(db)).toEqual(['me'])
      expect(releases()).toBe(1)
    })

    it('as the sole process, a start that met a failing database releases the leases once it answers', async () => {
      const away = databaseAway()
      const { db, registry, releases } = await setUp({ soleProcess: true }, away.plugin)
      const ofKilled = await leasedDelivery(db, 'killed', 1)

      await registry.start()
      expect(await lease(db, ofKilled)).toMatchObject({ locked_by: 'killed' })

      away.failing = false
      await eventually(async () => expect(await lease(db, ofKilled)).toMatchObject({ locked_by: null }))
      expect(releases()).toBe(1)
      expect(await workerIds(db)).toEqual(['me'])
    })

    it('a worker swept while it was paused notices at its next beat, warns and registers again', async () => {
      const { db, registry, logs } = await setUp()
      await registry.start()
      await db.deleteFrom('delivery_workers').where('id', '=', 'me').execute()

      await eventually(async () => expect(await workerIds(db)).toEqual(['me']))
      expect(logs.map((line) => line.msg)).toContainEqual(expect.stringMatching(/taken for dead.*twice/))
    })

    it('lives through a failing database: logged once, tried again each beat, and back when it answers', async () => {
      const away = databaseAway()
      const { db, registry, logs } = await setUp({}, away.plugin)

      await registry.start()
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(logs.filter((line) => line.msg.includes('heartbeat failed'))).toHaveLength(1)
      expect(await workerIds(db)).toEqual([])

      away.failing = false
      await eventually(async () => expect(await workerIds(db)).toEqual(['me']))
      await eventually(() =>
        expect(logs.map((line) => line.msg)).toContain('the delivery worker registry can be written again'),
      )

      // Stopping while the database is away only warns: the others sweep the row later.
      away.failing = true
      await registry.stop()
      expect(logs.map((line) => line.msg)).toContain(
        'could not remove this delivery worker from the registry',
      )
    })
  })
}
