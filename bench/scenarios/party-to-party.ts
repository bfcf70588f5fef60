import type { RequestTemplate } from '../load/load-contract.ts'
import { withCpu, withHub, type Figure, type Scenario } from '../lib/bench-context.ts'
import { likelyLimit } from '../lib/machine.ts'
import { connectParties, partyIds, routeHeaders, tokenHeader, type BenchParty } from '../lib/network.ts'
import { round } from '../lib/stats.ts'
import { DIRECT_TOKEN } from '../partners/partner-contract.ts'
import { measureThroughput } from './throughput.ts'

/**
 * Scenarios 1 and 2: CPOs send Session PATCHes to eMSPs party-to-party (OCPI-to-* set), through the hub
 * and, in the same run, through the bare forwarder (the yardstick). Then the latency at half the hub's
 * sustained rate, through the hub and straight to the eMSPs: the difference is what the hub adds.
 */

/** A Session PATCH as a CPO sends it while charging: energy so far, the period just closed. */
const SESSION_PATCH = JSON.stringify({
  kwh: 12.5,
  charging_periods: [
    { start_date_time: '2026-01-01T00:00:00Z', dimensions: [{ type: 'ENERGY', volume: 12.5 }] },
  ],
  last_updated: '{ts}',
})

export function sessionPatches(
  cpos: readonly (BenchParty & { token: string })[],
  emsps: readonly BenchParty[],
  target: (emsp: BenchParty) => { origin: string; prefix: string },
): RequestTemplate[] {
  return cpos.flatMap((cpo) =>
    emsps.map((emsp) => {
      const { origin, prefix } = target(emsp)
      return {
        origin,
        method: 'PATCH' as const,
        path: `${prefix}/sessions/${cpo.party.country_code}/${cpo.party.party_id}/S{seq}`,
        headers: { ...tokenHeader(cpo.token), ...routeHeaders(cpo.party, emsp.party) },
        body: SESSION_PATCH,
      }
    }),
  )
}

export const partyToParty: Scenario = {
  name: 'party-to-party',
  title: 'Party-to-party Session PATCHes, hub vs bare pass-through',
  async run(context) {
    const sizes = context.sizes.partyToParty
    const outcome = await withHub(context, {}, async (hub) => {
      const cpos = await connectParties(context, hub, 'CPO', 'NL', partyIds('C', sizes.cpos), [])
      const emsps = await connectParties(context, hub, 'EMSP', 'DE', partyIds('E', sizes.emsps), [
        { identifier: 'sessions', role: 'RECEIVER' },
      ])
      const { url: forwarderUrl } = await context.forwarder.call('start', {
        routes: Object.fromEntries(emsps.map((e) => [`${e.party.country_code}-${e.party.party_id}`, e.url])),
      })
      const viaHub = sessionPatches(
        cpos.map((c) => ({ ...c, token: c.tokenToHub })),
        emsps,
        () => ({ origin: hub.url, prefix: '/ocpi/2.3.0/receiver' }),
      )
      const viaForwarder = viaHub.map((t) => ({ ...t, origin: forwarderUrl }))
      const direct = sessionPatches(
        cpos.map((c) => ({ ...c, token: DIRECT_TOKEN })),
        emsps,
        (emsp) => ({ origin: emsp.url, prefix: '/2.3.0/receiver' }),
      )

      const hubThroughput = await measureThroughput(context, 'hub', viaHub, { hub: hub.pid })
      const forwarderThroughput = await measureThroughput(context, 'pass-through', viaForwarder, {
        hub: hub.pid,
        forwarder: true,
      })

      const halfRate = Math.max(
        1,
        Math.round((hubThroughput.sustained || hubThroughput.closedLoop.result.okPerSecond) / 2),
      )
      const latencyRun = (templates: RequestTemplate[]) =>
        withCpu(context, hub.pid, () =>
          context.load.call('run', {
            templates,
            connections: sizes.concurrency,
            mode: { kind: 'open', rate: halfRate, durationMs: sizes.latencyMs },
          }),
        )
      const hubLatency = await latencyRun(viaHub)
      const directLatency = await latencyRun(direct)
      context.log(
        `  at ${halfRate}/s: hub p50 ${hubLatency.result.latencyMs.p50} p99 ${hubLatency.result.latencyMs.p99} ms;` +
          ` direct p50 ${directLatency.result.latencyMs.p50} p99 ${directLatency.result.latencyMs.p99} ms`,
      )
      return { hubThroughput, forwarderThroughput, halfRate, hubLatency, directLatency }
    })

    const { hubThroughput, forwarderThroughput, halfRate, hubLatency, directLatency } = outcome
    const ratio =
      forwarderThroughput.sustained > 0 ? round(hubThroughput.sustained / forwarderThroughput.sustained) : 0
    const closedRatio = round(
      hubThroughput.closedLoop.result.okPerSecond /
        Math.max(1, forwarderThroughput.closedLoop.result.okPerSecond),
    )
    const added = (p: 'p50' | 'p99') =>
      round(hubLatency.result.latencyMs[p] - directLatency.result.latencyMs[p])
    const hubLimit = likelyLimit(hubLatency.cpu)
    const figures: Figure[] = [
      {
        label: 'Hub: sustained Session PATCHes',
        value: hubThroughput.sustained,
        unit: 'msg/s',
        limit: hubThroughput.limit,
      },
      {
        label: 'Bare pass-through: sustained Session PATCHes',
        value: forwarderThroughput.sustained,
        unit: 'msg/s',
        limit: forwarderThroughput.limit,
      },
      {
        label: 'Hub / pass-through (sustained)',
        value: ratio,
        unit: '×',
        target: '≥ 0.5',
        met: ratio >= 0.5,
      },
      { label: 'Hub / pass-through (closed loop, max)', value: closedRatio, unit: '×' },
      { label: `Hub latency p50 at ${halfRate} msg/s`, value: hubLatency.result.latencyMs.p50, unit: 'ms' },
      { label: `Hub latency p99 at ${halfRate} msg/s`, value: hubLatency.result.latencyMs.p99, unit: 'ms' },
      {
        label: `Direct latency p50 at ${halfRate} msg/s`,
        value: directLatency.result.latencyMs.p50,
        unit: 'ms',
      },
      {
        label: `Direct latency p99 at ${halfRate} msg/s`,
        value: directLatency.result.latencyMs.p99,
        unit: 'ms',
      },
      { label: 'Latency the hub adds, p50', value: added('p50'), unit: 'ms', limit: hubLimit },
      {
        label: 'Latency the hub adds, p99',
        value: added('p99'),
        unit: 'ms',
        target: '< 10 ms',
        met: added('p99') < 10,
        limit: hubLimit,
        cpu: hubLatency.cpu,
      },
    ]
    const strip = <T extends { result: { accepts?: unknown } }>(run: T) => ({
      ...run,
      result: { ...run.result, accepts: undefined },
    })
    return {
      figures,
      details: {
        hub: hubThroughput,
        passThrough: forwarderThroughput,
        halfRate,
        hubLatency: strip(hubLatency),
        directLatency: strip(directLatency),
        hubPeakRssMiB: outcome.hubPeakRssMiB,
      },
    }
  },
}
