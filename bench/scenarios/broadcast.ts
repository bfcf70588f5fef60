import type { LoadResult, RequestTemplate } from '../load/load-contract.ts'
import { withCpu, withHub, type Figure, type Scenario } from '../lib/bench-context.ts'
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

/** Joins what the load generator saw accepted with what the partners received. */
function acceptToLastDelivery(accepts: LoadResult['accepts'], arrivals: Arrivals, receivers: number) {
  const byKey = new Map(arrivals.keys.map(([key, count, last]) => [key, { count, last }]))
  const delays: number[] = []
  let incomplete = 0
  let firstAccept = Infinity
  let lastArrival = 0
  for (const [key, acceptedAt] of accepts) {
    const arrival = byKey.get(key)
    firstAccept = Math.min(firstAccept, acceptedAt)
    if (!arrival || arrival.count < receivers) {
      incomplete++
      continue
    }
    lastArrival = Math.max(lastArrival, arrival.last)
    delays.push(Math.max(0, arrival.last - acceptedAt))
  }
  const spanMs = lastArrival - firstAccept
  return { delays: summarise(delays), incomplete, spanMs: round(spanMs) }
}

export const broadcast: Scenario = {
  name: 'broadcast',
  title: 'Broadcast of EVSE status changes to many eMSPs',
  async run(context) {
    const sizes = context.sizes.broadcast
    const outcome = await withHub(context, {}, async (hub) => {
      const cpos = await connectParties(context, hub, 'CPO', 'NL', partyIds('C', sizes.cpos), [])
      const emsps = await connectParties(context, hub, 'EMSP', 'DE', partyIds('E', sizes.emsps), [
        { identifier: 'locations', role: 'RECEIVER' },
      ])
      // The Locations first (each broadcast too), then wait until every eMSP has them.
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
      /** Offers `rate` status changes per second and waits until every accepted one reached every eMSP. */
      const runAt = async (rate: number) => {
        await context.partners.call('reset', { dedupe: false })
        return withCpu(context, hub.pid, async () => {
          const pushed = await context.load.call('run', {
            templates: patches,
            connections: 32,
            mode: { kind: 'open', rate, durationMs: sizes.durationMs },
          })
          const drainMs = await waitForArrivals(context, pushed.ok * emsps.length)
          const arrivals = await context.partners.call('arrivals', null)
          const timing = acceptToLastDelivery(pushed.accepts, arrivals, emsps.length)
          const deliveries = pushed.ok * emsps.length
          return {
            rate,
            pushed: { ...pushed, accepts: undefined },
            drainAfterLoadMs: drainMs,
            deliveries,
            deliveriesPerSecond: round((deliveries / Math.max(timing.spanMs, 1)) * 1000, 0),
            ...timing,
          }
        })
      }
      const atTarget = await runAt(sizes.rate)
      context.log(
        `  at ${sizes.rate}/s: ${atTarget.result.deliveriesPerSecond} deliveries/s, accept→last p50 ${atTarget.result.delays.p50} p99 ${atTarget.result.delays.p99} ms`,
      )
      // Then at half the rate the hub delivered: the latency when it keeps up.
      const sustainable = Math.max(1, Math.round(atTarget.result.deliveriesPerSecond / emsps.length / 2))
      const atHalf = await runAt(sustainable)
      context.log(
        `  at ${sustainable}/s: ${atHalf.result.deliveriesPerSecond} deliveries/s, accept→last p50 ${atHalf.result.delays.p50} p99 ${atHalf.result.delays.p99} ms`,
      )
      return { atTarget, atHalf, receivers: emsps.length }
    })
    const { atTarget, atHalf, receivers } = outcome
    const limit = likelyLimit(atTarget.cpu)
    const figures: Figure[] = [
      {
        label: `Deliveries per second (${atTarget.result.rate} status changes/s offered to ${receivers} eMSPs)`,
        value: atTarget.result.deliveriesPerSecond,
        unit: 'deliveries/s',
        limit,
        cpu: atTarget.cpu,
      },
      {
        label: `Status changes accepted per second (offered ${atTarget.result.rate}/s)`,
        value: atTarget.result.pushed.okPerSecond,
        unit: 'msg/s',
      },
      {
        label: `Accept → last eMSP, p50 at ${atTarget.result.rate}/s`,
        value: atTarget.result.delays.p50,
        unit: 'ms',
        limit,
      },
      {
        label: `Accept → last eMSP, p99 at ${atTarget.result.rate}/s`,
        value: atTarget.result.delays.p99,
        unit: 'ms',
        target: '< 1000 ms',
        met: atTarget.result.delays.p99 < 1000,
        limit,
      },
      {
        label: `Accept → last eMSP, p50 at ${atHalf.result.rate}/s`,
        value: atHalf.result.delays.p50,
        unit: 'ms',
      },
      {
        label: `Accept → last eMSP, p99 at ${atHalf.result.rate}/s`,
        value: atHalf.result.delays.p99,
        unit: 'ms',
        limit: likelyLimit(atHalf.cpu),
        cpu: atHalf.cpu,
      },
    ]
    return { figures, details: { ...outcome } }
  },
}
