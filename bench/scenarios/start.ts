import { dataPlace, HubUnderTest } from '../lib/hub-under-test.ts'
import type { Figure, Scenario } from '../lib/bench-context.ts'
import { percentile, round } from '../lib/stats.ts'

/**
 * Scenario 7: how soon the compiled hub (`node dist/main.js`, as `npm start` runs it) serves, on a store
 * that already exists: PostgreSQL with every migration applied, PGlite with its data folder. Measured from
 * the spawn to the first GET /ready answered 200 (the database answers and has every migration), several
 * starts on the same store, each stopped gracefully before the next.
 */

const TARGET_MS = { postgres: 2_000, pglite: 3_000 } as const

export const start: Scenario = {
  name: 'start',
  title: 'Start: process spawned to GET /ready 200',
  async run(context) {
    const place = await dataPlace(context.engine)
    try {
      // The first start applies the migrations (PostgreSQL) or opens the copied cluster: not measured.
      const hub = await HubUnderTest.start(place)
      await hub.stop()
      const startsMs: number[] = []
      for (let i = 0; i < context.sizes.start.starts; i++) {
        await hub.restart()
        startsMs.push(round(hub.lastStartMs, 0))
        await hub.stop()
      }
      context.log(`  spawn → ready: ${startsMs.join(', ')} ms`)
      const sorted = Float64Array.from(startsMs).sort()
      const median = percentile(sorted, 50)
      const target = TARGET_MS[context.engine]
      const figures: Figure[] = [
        {
          label: `Spawn → GET /ready 200, median of ${startsMs.length} starts`,
          value: median,
          unit: 'ms',
          target: `≤ ${target} ms`,
          met: median <= target,
        },
        { label: 'Slowest start', value: sorted[sorted.length - 1] ?? 0, unit: 'ms' },
      ]
      return { figures, details: { startsMs } }
    } finally {
      await place.dispose()
    }
  },
}
