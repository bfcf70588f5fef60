import { performance } from 'node:perf_hooks'
import type { LoadResult, RequestTemplate } from '../load/load-contract.ts'
import { withCpu, withHub, type BenchContext, type Figure, type Scenario } from '../lib/bench-context.ts'
import type { HubUnderTest } from '../lib/hub-under-test.ts'
import { likelyLimit, type CpuUse } from '../lib/machine.ts'
import { connectParties, partyIds, tokenHeader } from '../lib/network.ts'
import { round, summarise } from '../lib/stats.ts'
import type { Coverage } from '../partners/partner-contract.ts'
import { benchLocation, evseUids, statusPatch, waitForArrivals, waitForCoverage } from './locations.ts'

/**
 * Scenario 3: CPOs send EVSE status PATCHes (open routing: broadcast to every eMSP) in open-loop steps of
 * rising rate, through the hub and through the bare fan-out yardstick (bench/passthrough/fan-out.ts). The
 * sustained rate of each is the highest step whose changes were all accepted and all reached every eMSP,
 * with accept → last eMSP p99 under 1 s; the hub's is reported as a ratio of the yardstick's.
 */

const STATUSES = ['CHARGING', 'AVAILABLE', 'BLOCKED', 'RESERVED'] as const
/** The bound on accept → last eMSP at the sustained rate. */
const MAX_SUSTAINED_P99_MS = 1_000
const WARM_UP_CHANGES = 4

/**
 * Joins what the load generator saw accepted with how far each push got (it or a newer status of its EVSE,
 * which the hub may send instead). A push that had not reached every eMSP when the wait ended counts with
 * the time waited so far (a lower bound).
 */
function acceptToLastDelivery(
  accepts: LoadResult['accepts'],
  coverage: Coverage,
  receivers: number,
  endedAt: number,
) {
  const delays: number[] = []
  let incomplete = 0
  accepts.forEach(([, acceptedAt], i) => {
    const [reached, last] = coverage.reached[i]!
    const complete = reached >= receivers
    if (!complete) incomplete++
    delays.push(Math.max(0, (complete ? last : endedAt) - acceptedAt))
  })
  return { delays: summarise(delays), incomplete }
}

const keysOf = (accepts: LoadResult['accepts']) => accepts.map(([key]) => key)

/** A hub (or several on one database) with CPOs whose Locations every eMSP already has. */
export interface BroadcastNetwork {
  readonly receivers: readonly string[]
  /** The status PATCHes of every EVSE, sent to `origins` in turn (round robin over the templates). */
  patches(origins: readonly string[]): RequestTemplate[]
}

/**
 * Connects the parties through `hub`, PUTs the Locations and waits until every eMSP has them: after this,
 * only status changes flow.
 */
export async function broadcastNetwork(context: BenchContext, hub: HubUnderTest): Promise<BroadcastNetwork> {
  const sizes = context.sizes.broadcast
  const cpos = await connectParties(context, hub, 'CPO', 'NL', partyIds('C', sizes.cpos), [])
  const emsps = await connectParties(context, hub, 'EMSP', 'DE', partyIds('E', sizes.emsps), [
    { identifier: 'locations', role: 'RECEIVER' },
  ])
  await context.partners.call('reset', { dedupe: false })
  const locations = cpos.flatMap((cpo) =>
    Array.from({ length: sizes.locationsPerCpo }, (_, i) => ({ cpo, id: `L${i + 1}` })),
  )
  const puts: RequestTemplate[] = locations.map(({ cpo, id }) => ({
    origin: hub.url,
    method: 'PUT',
    path: `/ocpi/2.3.0/receiver/locations/NL/${cpo.party.party_id}/${id}`,
    headers: tokenHeader(cpo.tokenToHub),
    body: benchLocation(cpo.party, id, 4),
  }))
  const loaded = await context.load.call('run', {
    templates: puts,
    connections: 16,
    mode: { kind: 'closed', concurrency: 16, durationMs: 600_000, count: puts.length },
  })
  if (loaded.ok !== puts.length)
    throw new Error(`Locations not accepted: ${loaded.failureSamples.join('; ')}`)
  await waitForArrivals(context, puts.length * emsps.length)
  return {
    receivers: emsps.map((e) => e.url),
    patches: (origins) =>
      origins.flatMap((origin) =>
        locations.flatMap(({ cpo, id }, i) =>
          evseUids(4).map((evse, k) => {
            const path = `/NL/${cpo.party.party_id}/${id}/${evse}`
            return {
              origin,
              method: 'PATCH' as const,
              path: `/ocpi/2.3.0/receiver/locations${path}`,
              headers: tokenHeader(cpo.tokenToHub),
              body: statusPatch(STATUSES[(i + k) % STATUSES.length]!),
              key: `${path}|{ts}`,
            }
          }),
        ),
      ),
  }
}

export interface BroadcastStep {
  readonly offered: number
  readonly accepted: number
  readonly failed: number
  /** Intended send → answer to the CPO, p99 (ms): the fan-out answers after its last delivery. */
  readonly answerP99: number
  readonly deliveries: number
  readonly delivered: number
  /** Accept → arrival at the last eMSP, ms (≥ for changes not delivered everywhere within the wait). */
  readonly delays: ReturnType<typeof summarise>
  readonly incomplete: number
  readonly sustained: boolean
  readonly cpu: CpuUse
}

export interface SustainedBroadcast {
  readonly steps: readonly BroadcastStep[]
  /** Status changes per second of the highest sustained step; undefined when none was. */
  readonly best: BroadcastStep | undefined
  readonly limit: string
}

/**
 * Open-loop steps from the start rate, each `stepFactor` times the last, until one is not sustained (or the
 * ceiling): a step is sustained when ≥ 97% of the offered changes were accepted, none failed, every
 * accepted one reached every eMSP within the settle time after the step, and both the answer to the CPO
 * (from the intended send) and accept → last eMSP have p99 < 1 s.
 * A sustained step leaves the queue empty, so the next starts clean.
 */
export async function findSustainedBroadcast(
  context: BenchContext,
  label: string,
  templates: readonly RequestTemplate[],
  receivers: number,
  pids: { hub: number | readonly [number, number]; yardstick?: number },
): Promise<SustainedBroadcast> {
  const sizes = context.sizes.broadcast
  // Warm-up, not counted: connections to every eMSP, JIT.
  await context.partners.call('reset', { dedupe: false })
  const warmUp = await context.load.call('run', {
    templates,
    connections: 32,
    mode: { kind: 'closed', concurrency: 2, durationMs: 600_000, count: WARM_UP_CHANGES },
  })
  await waitForCoverage(context, keysOf(warmUp.accepts), receivers)
  const steps: BroadcastStep[] = []
  for (let rate = sizes.startRate; rate <= sizes.maxRate; rate = Math.ceil(rate * sizes.stepFactor)) {
    await context.partners.call('reset', { dedupe: false })
    const { result: outcome, cpu } = await withCpu(
      context,
      pids.hub,
      async () => {
        const pushed = await context.load.call('run', {
          templates,
          connections: 32,
          mode: { kind: 'open', rate, durationMs: sizes.stepMs },
        })
        const { coverage } = await waitForCoverage(context, keysOf(pushed.accepts), receivers, sizes.settleMs)
        return { pushed, coverage }
      },
      pids.yardstick,
    )
    const endedAt = performance.timeOrigin + performance.now()
    const { pushed: result, coverage } = outcome
    const { delays, incomplete } = acceptToLastDelivery(result.accepts, coverage, receivers, endedAt)
    const step: BroadcastStep = {
      offered: rate,
      accepted: round(result.okPerSecond, 1),
      failed: result.failed + result.skipped,
      answerP99: result.latencyMs.p99,
      deliveries: result.ok * receivers,
      delivered: coverage.reached.reduce((sum, [reached]) => sum + Math.min(reached, receivers), 0),
      delays,
      incomplete,
      sustained:
        result.failed === 0 &&
        result.skipped === 0 &&
        result.okPerSecond >= rate * 0.97 &&
        incomplete === 0 &&
        result.latencyMs.p99 < MAX_SUSTAINED_P99_MS &&
        delays.p99 < MAX_SUSTAINED_P99_MS,
      cpu,
    }
    steps.push(step)
    context.log(
      `  ${label}: ${rate}/s offered → ${step.accepted}/s accepted (answer p99 ${step.answerP99} ms), ${step.delivered} of ${step.deliveries} delivered, accept→last p50 ${delays.p50} p99 ${delays.p99} ms${step.sustained ? '' : ' (not sustained)'}`,
    )
    if (!step.sustained) {
      // Its late deliveries would land in what is measured next (the yardstick, another search).
      const { complete } = await waitForCoverage(context, keysOf(result.accepts), receivers)
      if (!complete) throw new Error(`the changes of the ${rate}/s step did not reach every eMSP`)
      break
    }
  }
  const best = steps.filter((s) => s.sustained).at(-1)
  return { steps, best, limit: likelyLimit((best ?? steps[0])!.cpu) }
}

/** The figures of one sustained-rate search: the rate and the latency at it. */
export function sustainedFigures(who: string, run: SustainedBroadcast, receivers: number): Figure[] {
  const best = run.best
  const lastStep = run.steps.at(-1)
  return [
    {
      label: `${who}: sustained status changes/s to ${receivers} eMSPs`,
      value: best?.offered ?? 0,
      unit: 'msg/s',
      limit: run.limit,
      ...(best ? { cpu: best.cpu } : {}),
    },
    {
      label: `${who}: deliveries/s at that rate`,
      value: (best?.offered ?? 0) * receivers,
      unit: 'deliveries/s',
    },
    { label: `${who}: accept → last eMSP p50 at that rate`, value: best?.delays.p50 ?? 0, unit: 'ms' },
    {
      label: `${who}: accept → last eMSP p99 at that rate`,
      value: best?.delays.p99 ?? 0,
      unit: 'ms',
      target: `< ${MAX_SUSTAINED_P99_MS} ms`,
      met: best !== undefined,
    },
    ...(lastStep && !lastStep.sustained
      ? [
          {
            label: `${who}: first step not sustained, ${lastStep.offered}/s offered: accepted`,
            value: lastStep.accepted,
            unit: 'msg/s',
            limit: likelyLimit(lastStep.cpu),
            cpu: lastStep.cpu,
          },
          {
            label: `${who}: at ${lastStep.offered}/s: answer to the CPO p99`,
            value: lastStep.answerP99,
            unit: 'ms',
          },
          {
            label: `${who}: at ${lastStep.offered}/s: accept → last eMSP p99${lastStep.incomplete > 0 ? ' (≥: not all delivered)' : ''}`,
            value: lastStep.delays.p99,
            unit: 'ms',
          },
        ]
      : []),
  ]
}

const RATIO_TARGET = { postgres: 0.5, pglite: 0.3 } as const

export const broadcast: Scenario = {
  name: 'broadcast',
  title: 'Broadcast of EVSE status changes to many eMSPs, hub vs bare fan-out',
  async run(context) {
    const outcome = await withHub(context, {}, async (hub) => {
      const network = await broadcastNetwork(context, hub)
      const receivers = network.receivers.length
      const viaHub = await findSustainedBroadcast(context, 'hub', network.patches([hub.url]), receivers, {
        hub: hub.pid,
      })
      const { url: fanOutUrl } = await context.fanOut.call('start', { receivers: network.receivers })
      const viaYardstick = await findSustainedBroadcast(
        context,
        'fan-out',
        network.patches([fanOutUrl]),
        receivers,
        { hub: hub.pid, yardstick: context.fanOut.pid },
      )
      return { viaHub, viaYardstick, receivers }
    })
    const { viaHub, viaYardstick, receivers } = outcome
    const ratio = round((viaHub.best?.offered ?? 0) / Math.max(viaYardstick.best?.offered ?? 0, 1))
    const target = RATIO_TARGET[context.engine]
    const figures: Figure[] = [
      ...sustainedFigures('Hub', viaHub, receivers),
      ...sustainedFigures('Bare fan-out', viaYardstick, receivers),
      {
        label: 'Hub / bare fan-out (sustained)',
        value: ratio,
        unit: '×',
        target: `≥ ${target}`,
        met: ratio >= target,
      },
    ]
    return { figures, details: { hub: viaHub, fanOut: viaYardstick, hubPeakRssMiB: outcome.hubPeakRssMiB } }
  },
}
