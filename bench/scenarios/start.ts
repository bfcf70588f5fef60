import { setTimeout } from 'node:timers/promises'
import { ADMIN_TOKEN, dataPlace, HubUnderTest } from '../lib/hub-under-test.ts'
import type { Figure, Scenario } from '../lib/bench-context.ts'
import { peakRssMiB, rssMiB } from '../lib/machine.ts'
import { percentile, round } from '../lib/stats.ts'

/**
 * Scenario 7: how soon the compiled hub (`node dist/main.js`, as `npm start` runs it) serves, on a store
 * that already exists: PostgreSQL with every migration applied, PGlite with its data folder. Measured from
 * the spawn to the first GET /ready answered 200 (the database answers and has every migration), several
 * starts on the same store, each stopped gracefully before the next. Then once more, how much memory the
 * hub holds when idle: it serves a few requests, idles, and its resident memory (VmRSS) is read.
 */

const TARGET_MS = { postgres: 2_000, pglite: 3_000 } as const

/** Idle memory bounds (issue 14): about twice what a hub of this commit holds, to catch a regression. */
const IDLE_RSS_BOUND_MIB = { postgres: 400, pglite: 500 } as const

export const start: Scenario = {
  name: 'start',
  title: 'Start: process spawned to GET /ready 200, then idle memory',
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
      const memory = await idleMemory(hub, context.sizes.start.idleMs)
      await hub.stop()
      context.log(`  idle RSS ${memory.idleRssMiB} MiB (peak ${memory.peakRssMiB} MiB)`)
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
        {
          label: `Idle memory (RSS), ${round(context.sizes.start.idleMs / 1000, 0)} s after serving`,
          value: memory.idleRssMiB,
          unit: 'MiB',
          target: `< ${IDLE_RSS_BOUND_MIB[context.engine]} MiB`,
          met: memory.idleRssMiB > 0 && memory.idleRssMiB < IDLE_RSS_BOUND_MIB[context.engine],
        },
        { label: 'Peak memory (RSS) of that process', value: memory.peakRssMiB, unit: 'MiB' },
      ]
      return { figures, details: { startsMs, ...memory } }
    } finally {
      await place.dispose()
    }
  },
}

/** Starts the hub again, lets it serve a few requests of each kind an idle hub sees, then idle. */
async function idleMemory(hub: HubUnderTest, idleMs: number) {
  await hub.restart()
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }
  for (const [path, headers] of [
    ['/ocpi/versions', {}],
    ['/ready', {}],
    ['/metrics', {}],
    ['/admin/platforms', admin],
  ] as const) {
    const response = await fetch(`${hub.url}${path}`, { headers })
    await response.arrayBuffer()
  }
  await setTimeout(idleMs)
  return { idleRssMiB: rssMiB(hub.pid), peakRssMiB: peakRssMiB(hub.pid) }
}
