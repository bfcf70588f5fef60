/**
 * How big each scenario is. `full` is what `npm run bench` runs (a few minutes per store on a quiet
 * 2-core machine); `smoke` is what CI runs (seconds, only to show the bench still works). Every number can
 * be overridden on the command line: `--set scale.evses=200000`.
 */
export interface Sizes {
  readonly partyToParty: {
    readonly cpos: number
    readonly emsps: number
    readonly concurrency: number
    /** Length of the closed-loop run and of each open-loop rate step. */
    readonly stepMs: number
    /** Open-loop steps, as fractions of the closed-loop maximum. */
    readonly stepFractions: readonly number[]
    /** Length of the latency runs at half the sustained rate. */
    readonly latencyMs: number
  }
  readonly broadcast: {
    readonly cpos: number
    readonly emsps: number
    readonly locationsPerCpo: number
    /** First open-loop step (status changes per second); each next step is `stepFactor` times the last. */
    readonly startRate: number
    readonly stepFactor: number
    /** No step above this rate. */
    readonly maxRate: number
    readonly stepMs: number
    /** Wait after a step for its deliveries; a change not everywhere by then makes the step unsustained. */
    readonly settleMs: number
  }
  readonly authorize: {
    readonly emsps: number
    readonly rate: number
    readonly durationMs: number
  }
  readonly scale: {
    readonly evses: number
    readonly evsesPerLocation: number
    readonly cpos: number
    readonly concurrency: number
    /** Loading stops after this long; the figures then say how far it got and extrapolate. */
    readonly loadBudgetMs: number
  }
  readonly restart: {
    readonly emsps: number
    readonly locations: number
    readonly rate: number
    /** Load before the SIGKILL. */
    readonly beforeKillMs: number
  }
  readonly backlog: {
    readonly emsps: number
    /** Deliveries queued while the receivers are held down (Locations PUT × eMSPs). */
    readonly deliveries: number
    /** The same run with an almost empty queue: the reference rate. */
    readonly referenceDeliveries: number
    /** Queuing stops after this long; the figures then give the backlog reached. */
    readonly buildBudgetMs: number
    /** The drain is measured for at most this long after the release. */
    readonly drainBudgetMs: number
  }
  readonly start: {
    /** Starts measured (after one unmeasured start that prepares the store); the median is reported. */
    readonly starts: number
    /** How long the hub idles after serving a few requests before its resident memory is read. */
    readonly idleMs: number
  }
  /** Longest wait for queued deliveries to arrive before a scenario gives up. */
  readonly drainTimeoutMs: number
}

export const FULL: Sizes = {
  partyToParty: {
    cpos: 4,
    emsps: 4,
    concurrency: 64,
    stepMs: 4_000,
    stepFractions: [0.5, 0.75, 0.9, 1, 1.15],
    latencyMs: 8_000,
  },
  broadcast: {
    cpos: 2,
    emsps: 50,
    locationsPerCpo: 5,
    startRate: 1,
    stepFactor: 1.5,
    maxRate: 5_000,
    stepMs: 3_000,
    settleMs: 3_000,
  },
  authorize: { emsps: 4, rate: 25, durationMs: 8_000 },
  scale: { evses: 1_000_000, evsesPerLocation: 4, cpos: 4, concurrency: 32, loadBudgetMs: 150_000 },
  restart: { emsps: 10, locations: 20, rate: 300, beforeKillMs: 3_000 },
  backlog: {
    emsps: 10,
    deliveries: 100_000,
    referenceDeliveries: 2_000,
    buildBudgetMs: 120_000,
    drainBudgetMs: 120_000,
  },
  start: { starts: 5, idleMs: 10_000 },
  drainTimeoutMs: 300_000,
}

export const SMOKE: Sizes = {
  partyToParty: { cpos: 2, emsps: 2, concurrency: 4, stepMs: 300, stepFractions: [0.5, 1], latencyMs: 300 },
  broadcast: {
    cpos: 1,
    emsps: 3,
    locationsPerCpo: 2,
    startRate: 5,
    stepFactor: 2,
    maxRate: 20,
    stepMs: 300,
    settleMs: 2_000,
  },
  authorize: { emsps: 2, rate: 20, durationMs: 300 },
  scale: { evses: 400, evsesPerLocation: 4, cpos: 2, concurrency: 8, loadBudgetMs: 30_000 },
  restart: { emsps: 2, locations: 2, rate: 20, beforeKillMs: 300 },
  backlog: {
    emsps: 2,
    deliveries: 200,
    referenceDeliveries: 20,
    buildBudgetMs: 30_000,
    drainBudgetMs: 30_000,
  },
  start: { starts: 2, idleMs: 1_000 },
  drainTimeoutMs: 60_000,
}

/** `sizes` with `path=value` overrides applied (`scale.evses=200000`). */
export function withOverrides(sizes: Sizes, overrides: readonly string[]): Sizes {
  const copy = structuredClone(sizes) as unknown as Record<string, Record<string, unknown>>
  for (const override of overrides) {
    const [path, value] = override.split('=')
    const [group, key] = (path ?? '').split('.')
    const target = group ? copy[group] : undefined
    if (!target || !key || !(key in target) || value === undefined)
      throw new Error(`unknown size ${override} (e.g. scale.evses=200000)`)
    target[key] = Array.isArray(target[key]) ? value.split(',').map(Number) : Number(value)
  }
  return copy as unknown as Sizes
}
