import type { LoadResult, RequestTemplate } from '../load/load-contract.ts'
import { performance } from 'node:perf_hooks'
import { withCpu, withHub, type BenchContext, type Figure, type Scenario } from '../lib/bench-context.ts'
import { likelyLimit } from '../lib/machine.ts'
import { connectParties, partyIds, tokenHeader } from '../lib/network.ts'
import { round, summarise } from '../lib/stats.ts'
import type { Arrivals } from '../partners/partner-contract.ts'
import { benchLocation, evseUids, statusPatch, waitForArrivals } from './locations.ts'

/**
 * Scenario 3: CPOs send EVSE status PATCHes (open routing: broadcast) at a fixed rate; the hub stores
 * each, answers, and queues it for every eMSP. Measured: deliveries per second, and per push the time
 * from the hub's answer (accepted) to its arrival at the last of the eMSPs.
 */

const STATUSES = ['CHARGING', 'AVAILABLE', 'BLOCKED', 'RESERVED'] as const

/**
 * Joins what the load generator saw accepted with what the partners received. A push that had not reached
 * every eMSP when the wait ended counts with the time waited so far (a lower bound).
 */
function acceptToLastDelivery(
  accepts: LoadResult['accepts'],
  arrivals: Arrivals,
  receivers: number,
  endedAt: number,
) {
  const byKey = new Map(arrivals.keys.map(([key, count, last]) => [key, { count, last }]))
  const delays: number[] = []
  let incomplete = 0
  let firstAccept = Infinity
  for (const [key, acceptedAt] of accepts) {
    const arrival = byKey.get(key)
    firstAccept = Math.min(firstAccept, acceptedAt)
    const complete = arrival !== undefined && arrival.count >= receivers
    if (!complete) incomplete++
    delays.push(Math.max(0, (complete ? arrival.last : endedAt) - acceptedAt))
  }
  const lastArrival = Math.max(0, ...arrivals.keys.map(([, , last]) => last))
  return { delays: summarise(delays), incomplete, spanMs: round(lastArrival - firstAccept) }
}

/**
 * One measurement on a hub of its own: connect the parties, broadcast the Locations (and wait until every
 * eMSP has them), then offer `rate` status changes per second for the configured time and wait (at most
 * the drain budget) until every accepted one has reached every eMSP.
 */
async function broadcastAt(context: BenchContext, rate: number) {
  const sizes = context.sizes.broadcast
  return withHub(context, {}, async (hub) => {
    const cpos = await connectParties(context, hub, 'CPO', 'NL', partyIds('C', sizes.cpos), [])
    const emsps = await connectParties(context, hub, 'EMSP', 'DE', partyIds('E', sizes.emsps), [
      { identifier: 'locations', role: 'RECEIVER' },
    ])
    await context.partners.call('reset', { dedupe: false })
    const puts: RequestTemplate[] = cpos.flatMap((cpo) =>
      Array.from({ length: sizes.locationsPerCpo }, (_, i) => ({
        origin: hub.url,
        method: 'PUT' as const,
        path: `/ocpi/2.3.0/receiver/locations/NL/${cpo.party.party_id}/L${i + 1}`,
        headers: tokenHeader(cpo.tokenToHub),
        body: benchLocation(cpo.party, `L${i + 1}`, 4),
      })),
    )
    const loaded = await context.load.call('run', {
      templates: puts,
      connections: 16,
      mode: { kind: 'closed', concurrency: 16, durationMs: 600_000, count: puts.length },
    })
    if (loaded.ok !== puts.length)
      throw new Error(`Locations not accepted: ${loaded.failureSamples.join('; ')}`)
    await waitForArrivals(context, puts.length * emsps.length)

    const patches: RequestTemplate[] = cpos.flatMap((cpo) =>
      Array.from({ length: sizes.locationsPerCpo }, (_, i) =>
        evseUids(4).map((evse, k) => {
          const path = `/NL/${cpo.party.party_id}/L${i + 1}/${evse}`
          return {
            origin: hub.url,
            method: 'PATCH' as const,
            path: `/ocpi/2.3.0/receiver/locations${path}`,
            headers: tokenHeader(cpo.tokenToHub),
            body: statusPatch(STATUSES[(i + k) % STATUSES.length]!),
            key: `${path}|{ts}`,
          }
        }),
      ).flat(),
    )
    await context.partners.call('reset', { dedupe: false })
    const { result, cpu } = await withCpu(context, hub.pid, async () => {
      const pushed = await context.load.call('run', {
        templates: patches,
        connections: 32,
        mode: { kind: 'open', rate, durationMs: sizes.durationMs },
      })
      const deliveries = pushed.ok * emsps.length
      const drained = await waitForArrivals(context, deliveries, 'total', sizes.drainBudgetMs)
      return { pushed, deliveries, drained }
    })
    const endedAt = performance.timeOrigin + performance.now()
    const arrivals = await context.partners.call('arrivals', null)
    const timing = acceptToLastDelivery(result.pushed.accepts, arrivals, emsps.length, endedAt)
    const delivered = Math.min(arrivals.total, result.deliveries)
    return {
      rate,
      receivers: emsps.length,
      pushed: { ...result.pushed, accepts: undefined },
      deliveries: result.deliveries,
      delivered,
      drainedInBudget: result.drained,
      deliveriesPerSecond: round((delivered / Math.max(timing.spanMs, 1)) * 1000, 0),
      ...timing,
      cpu,
    }
  })
}

export const broadcast: Scenario = {
  name: 'broadcast',
  title: 'Broadcast of EVSE status changes to many eMSPs',
  async run(context) {
    const sizes = context.sizes.broadcast
    const atTarget = await broadcastAt(context, sizes.rate)
    context.log(
      `  at ${sizes.rate}/s: ${atTarget.delivered} of ${atTarget.deliveries} delivered, ${atTarget.deliveriesPerSecond} deliveries/s, accept→last p50 ${atTarget.delays.p50} p99 ${atTarget.delays.p99} ms`,
    )
    // Then, on a fresh hub, at half the rate it delivered: the latency when the hub keeps up.
    const halfRate = Math.max(1, Math.round(atTarget.deliveriesPerSecond / atTarget.receivers / 2))
    const atHalf = await broadcastAt(context, halfRate)
    context.log(
      `  at ${halfRate}/s: ${atHalf.delivered} of ${atHalf.deliveries} delivered, ${atHalf.deliveriesPerSecond} deliveries/s, accept→last p50 ${atHalf.delays.p50} p99 ${atHalf.delays.p99} ms`,
    )
    const limit = likelyLimit(atTarget.cpu)
    const lowerBound = (run: typeof atTarget) =>
      run.incomplete > 0 ? ' (≥: not all delivered within the wait)' : ''
    const figures: Figure[] = [
      {
        label: `Deliveries per second (${atTarget.rate} status changes/s offered for ${sizes.durationMs} ms to ${atTarget.receivers} eMSPs)`,
        value: atTarget.deliveriesPerSecond,
        unit: 'deliveries/s',
        limit,
        cpu: atTarget.cpu,
      },
      {
        label: `Status changes accepted per second (offered ${atTarget.rate}/s)`,
        value: atTarget.pushed.okPerSecond,
        unit: 'msg/s',
      },
      {
        label: `Deliveries made within the ${sizes.drainBudgetMs / 1000} s wait`,
        value: atTarget.delivered,
        unit: `of ${atTarget.deliveries}`,
      },
      {
        label: `Accept → last eMSP, p50 at ${atTarget.rate}/s${lowerBound(atTarget)}`,
        value: atTarget.delays.p50,
        unit: 'ms',
        limit,
      },
      {
        label: `Accept → last eMSP, p99 at ${atTarget.rate}/s${lowerBound(atTarget)}`,
        value: atTarget.delays.p99,
        unit: 'ms',
        target: '< 1000 ms',
        met: atTarget.incomplete === 0 && atTarget.delays.p99 < 1000,
        limit,
      },
      {
        label: `Deliveries per second at ${atHalf.rate} status changes/s`,
        value: atHalf.deliveriesPerSecond,
        unit: 'deliveries/s',
      },
      {
        label: `Accept → last eMSP, p50 at ${atHalf.rate}/s${lowerBound(atHalf)}`,
        value: atHalf.delays.p50,
        unit: 'ms',
      },
      {
        label: `Accept → last eMSP, p99 at ${atHalf.rate}/s${lowerBound(atHalf)}`,
        value: atHalf.delays.p99,
        unit: 'ms',
        limit: likelyLimit(atHalf.cpu),
        cpu: atHalf.cpu,
      },
    ]
    return { figures, details: { atTarget, atHalf } }
  },
}
