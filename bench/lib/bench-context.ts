import type { StoreEngine } from '../../src/storage/database.ts'
import type { LoadGeneratorHandlers } from '../load/load-generator.ts'
import type { PartnerHandlers } from '../partners/partner-host.ts'
import type { FanOutHandlers } from '../passthrough/fan-out.ts'
import type { ForwarderHandlers } from '../passthrough/forwarder.ts'
import { dataPlace, HubUnderTest, type DataPlace } from './hub-under-test.ts'
import { loadAverage1m, measureCpu, peakRssMiB, type CpuUse } from './machine.ts'
import type { RpcChild } from './rpc.ts'
import type { Sizes } from './sizes.ts'

/** Everything a scenario runs with: the helper processes, the store engine and the sizes. */
export interface BenchContext {
  readonly engine: StoreEngine
  readonly sizes: Sizes
  readonly partners: RpcChild<PartnerHandlers>
  readonly load: RpcChild<LoadGeneratorHandlers>
  readonly forwarder: RpcChild<ForwarderHandlers>
  readonly fanOut: RpcChild<FanOutHandlers>
  /** When set, the hub runs with `node --cpu-prof` and writes its profile here on stop. */
  readonly cpuProfileDir: string | undefined
  readonly log: (line: string) => void
}

/** One reported number. `target` is what the issue asks for, reported, never asserted. */
export interface Figure {
  readonly label: string
  readonly value: number
  readonly unit: string
  readonly target?: string
  /** Whether the target was met; absent when the figure has no target. */
  readonly met?: boolean
  /** What limited this figure (from the CPU use measured while it was taken). */
  readonly limit?: string
  readonly cpu?: CpuUse
}

export interface ScenarioResult {
  readonly scenario: string
  readonly store: StoreEngine
  readonly date: string
  readonly loadAverage1m: { readonly before: number; readonly after: number }
  readonly figures: readonly Figure[]
  /** Raw measurements behind the figures (steps, latencies, page times …). */
  readonly details: Record<string, unknown>
}

export interface Scenario {
  readonly name: string
  readonly title: string
  run(context: BenchContext): Promise<{ figures: Figure[]; details: Record<string, unknown> }>
}

/** A hub on a fresh store for the length of `body`; afterwards everything it used is gone. */
export async function withHub<T>(
  context: BenchContext,
  env: Record<string, string>,
  body: (hub: HubUnderTest, place: DataPlace) => Promise<T>,
): Promise<T & { hubPeakRssMiB: number }> {
  const place = await dataPlace(context.engine)
  const hub = await HubUnderTest.start(place, { env, cpuProfileDir: context.cpuProfileDir })
  try {
    const result = await body(hub, place)
    return { ...result, hubPeakRssMiB: peakRssMiB(hub.pid) }
  } catch (error) {
    context.log(`hub output (tail):\n${hub.output.slice(-3000)}`)
    throw error
  } finally {
    await context.load.call('closePools', null)
    await hub.stop()
    await context.partners.call('closeAll', null)
    await place.dispose()
  }
}

/**
 * Measures the CPU of the hub (or of two hub processes) and the helpers while `body` runs; `yardstickPid`
 * is the bare forwarder's or fan-out's process when the figure is theirs.
 */
export async function withCpu<T>(
  context: BenchContext,
  hubPid: number | readonly [number, number],
  body: () => Promise<T>,
  yardstickPid?: number,
): Promise<{ result: T; cpu: CpuUse }> {
  const [hub, secondHub] = typeof hubPid === 'number' ? [hubPid, undefined] : hubPid
  const stop = measureCpu({
    hub,
    ...(secondHub ? { secondHub } : {}),
    loadGenerator: context.load.pid,
    partners: context.partners.pid,
    ...(yardstickPid ? { forwarder: yardstickPid } : {}),
  })
  const result = await body()
  return { result, cpu: stop() }
}

export { loadAverage1m }
