import type { LoadResult, RequestTemplate } from '../load/load-contract.ts'
import { withCpu, type BenchContext } from '../lib/bench-context.ts'
import { likelyLimit, type CpuUse } from '../lib/machine.ts'
import { round } from '../lib/stats.ts'

/**
 * Finds the rate a path sustains: a closed-loop run gives its maximum, then open-loop steps at rising
 * fractions of that maximum; the sustained rate is the highest step answered in full (≥ 97% of the
 * offered rate, nothing failed or skipped) without queueing (p99 under 500 ms).
 */

export interface RateStep {
  readonly offered: number
  readonly result: Omit<LoadResult, 'accepts'>
  readonly cpu: CpuUse
  readonly sustained: boolean
}

export interface ThroughputMeasurement {
  readonly closedLoop: { readonly result: Omit<LoadResult, 'accepts'>; readonly cpu: CpuUse }
  readonly steps: readonly RateStep[]
  /** Messages per second of the highest sustained step (0 when none was). */
  readonly sustained: number
  readonly limit: string
}

const MAX_SUSTAINED_P99_MS = 500

function withoutAccepts({ accepts: _accepts, ...rest }: LoadResult): Omit<LoadResult, 'accepts'> {
  return rest
}

export async function measureThroughput(
  context: BenchContext,
  label: string,
  templates: readonly RequestTemplate[],
  pids: { hub: number | readonly [number, number]; forwarder?: boolean },
): Promise<ThroughputMeasurement> {
  const sizes = context.sizes.partyToParty
  const connections = sizes.concurrency
  // Warm-up: JIT, connection pools, the hub's caches.
  await context.load.call('run', {
    templates,
    connections,
    mode: { kind: 'closed', concurrency: sizes.concurrency, durationMs: Math.min(1_000, sizes.stepMs) },
  })
  const closed = await withCpu(
    context,
    pids.hub,
    () =>
      context.load.call('run', {
        templates,
        connections,
        mode: { kind: 'closed', concurrency: sizes.concurrency, durationMs: sizes.stepMs },
      }),
    pids.forwarder ? context.forwarder.pid : undefined,
  )
  context.log(`  ${label}: closed loop ${closed.result.okPerSecond}/s (cpu ${JSON.stringify(closed.cpu)})`)
  const steps: RateStep[] = []
  for (const fraction of sizes.stepFractions) {
    const offered = Math.max(1, Math.round(closed.result.okPerSecond * fraction))
    const { result, cpu } = await withCpu(
      context,
      pids.hub,
      () =>
        context.load.call('run', {
          templates,
          connections,
          mode: { kind: 'open', rate: offered, durationMs: sizes.stepMs },
        }),
      pids.forwarder ? context.forwarder.pid : undefined,
    )
    const sustained =
      result.failed === 0 &&
      result.skipped === 0 &&
      result.okPerSecond >= offered * 0.97 &&
      result.latencyMs.p99 < MAX_SUSTAINED_P99_MS
    steps.push({ offered, result: withoutAccepts(result), cpu, sustained })
    context.log(
      `  ${label}: ${offered}/s offered → ${result.okPerSecond}/s, p99 ${result.latencyMs.p99} ms` +
        `${sustained ? '' : ' (not sustained)'}`,
    )
  }
  const best = steps.filter((s) => s.sustained).sort((a, b) => b.offered - a.offered)[0]
  return {
    closedLoop: { result: withoutAccepts(closed.result), cpu: closed.cpu },
    steps,
    sustained: best ? round(best.result.okPerSecond, 0) : 0,
    limit: likelyLimit(best?.cpu ?? closed.cpu),
  }
}
