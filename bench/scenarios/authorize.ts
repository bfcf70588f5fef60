import type { RequestTemplate } from '../load/load-contract.ts'
import { withCpu, withHub, type Figure, type Scenario } from '../lib/bench-context.ts'
import { likelyLimit } from '../lib/machine.ts'
import { connectParties, partyIds, routeHeaders, tokenHeader } from '../lib/network.ts'
import { round } from '../lib/stats.ts'
import { DIRECT_TOKEN } from '../partners/partner-contract.ts'

/**
 * Scenario 4: real-time authorization (POST tokens/{uid}/authorize) from a CPO to the token's eMSP, named
 * in OCPI-to-*, through the hub and straight to the eMSP, at the same open-loop rate. A driver waits for
 * this answer, so the figure is the latency the hub adds.
 */

const LOCATION_REFERENCES = JSON.stringify({ location_id: 'L1', evse_uids: ['E1'] })

export const authorize: Scenario = {
  name: 'authorize',
  title: 'Real-time authorization round trip, hub vs direct',
  async run(context) {
    const sizes = context.sizes.authorize
    const outcome = await withHub(context, {}, async (hub) => {
      const [cpo] = await connectParties(context, hub, 'CPO', 'NL', ['C01'], [])
      const emsps = await connectParties(context, hub, 'EMSP', 'DE', partyIds('E', sizes.emsps), [
        { identifier: 'tokens', role: 'SENDER' },
      ])
      const templates = (direct: boolean): RequestTemplate[] =>
        emsps.map((emsp) => ({
          origin: direct ? emsp.url : hub.url,
          method: 'POST',
          path: `${direct ? '' : '/ocpi'}/2.3.0/sender/tokens/RFID{seq}/authorize?type=RFID`,
          headers: {
            ...tokenHeader(direct ? DIRECT_TOKEN : cpo!.tokenToHub),
            ...routeHeaders(cpo!.party, emsp.party),
          },
          body: LOCATION_REFERENCES,
        }))
      const run = (direct: boolean) =>
        withCpu(context, hub.pid, () =>
          context.load.call('run', {
            templates: templates(direct),
            connections: 32,
            mode: { kind: 'open', rate: sizes.rate, durationMs: sizes.durationMs },
          }),
        )
      await context.load.call('run', {
        templates: templates(false),
        connections: 32,
        mode: { kind: 'closed', concurrency: 8, durationMs: Math.min(1_000, sizes.durationMs) },
      })
      const viaHub = await run(false)
      const direct = await run(true)
      for (const [label, r] of [
        ['hub', viaHub],
        ['direct', direct],
      ] as const)
        if (r.result.ok === 0)
          throw new Error(`${label}: no authorization succeeded: ${r.result.failureSamples.join('; ')}`)
      return { viaHub, direct }
    })
    const { viaHub, direct } = outcome
    const added = (p: 'p50' | 'p99') => round(viaHub.result.latencyMs[p] - direct.result.latencyMs[p])
    const limit = likelyLimit(viaHub.cpu)
    const figures: Figure[] = [
      { label: `Through the hub, p50 at ${sizes.rate}/s`, value: viaHub.result.latencyMs.p50, unit: 'ms' },
      { label: `Through the hub, p99 at ${sizes.rate}/s`, value: viaHub.result.latencyMs.p99, unit: 'ms' },
      { label: `Direct, p50 at ${sizes.rate}/s`, value: direct.result.latencyMs.p50, unit: 'ms' },
      { label: `Direct, p99 at ${sizes.rate}/s`, value: direct.result.latencyMs.p99, unit: 'ms' },
      { label: 'Latency the hub adds, p50', value: added('p50'), unit: 'ms', limit },
      { label: 'Latency the hub adds, p99', value: added('p99'), unit: 'ms', limit, cpu: viaHub.cpu },
    ]
    const strip = (r: typeof viaHub) => ({ cpu: r.cpu, result: { ...r.result, accepts: undefined } })
    return {
      figures,
      details: { viaHub: strip(viaHub), direct: strip(direct), hubPeakRssMiB: outcome.hubPeakRssMiB },
    }
  },
}
