import { performance } from 'node:perf_hooks'
import type { RequestTemplate } from '../load/load-contract.ts'
import { withCpu, withHub, type BenchContext, type Figure, type Scenario } from '../lib/bench-context.ts'
import type { HubUnderTest } from '../lib/hub-under-test.ts'
import { likelyLimit } from '../lib/machine.ts'
import { connectParties, partyIds, tokenHeader, type BenchParty } from '../lib/network.ts'
import { round } from '../lib/stats.ts'
import { benchLocation } from './locations.ts'

/**
 * Scenario 8: the eMSPs' Locations receivers are held down (503 with Retry-After: 1) while a CPO PUTs new
 * Locations, each queued for every eMSP; then they are released and the drain is timed. Once with an almost
 * empty queue (the reference), then with the full backlog, on the same hub: the ratio of the two drain
 * rates shows whether the cost of a claim grows with the queue.
 *
 * The hub runs with settings that keep the held receivers online and their retries short
 * (DELIVERY_OFFLINE_AFTER_FAILURES at its maximum, so no OFFLINE verdict and no wait for the still-alive
 * check; fast, capped retries): the drain then measures the queue, not the retry or still-alive timers.
 * Each Location is a new object, so nothing in the backlog may be coalesced.
 */

const HELD_RETRY_AFTER_SECONDS = 1
const HUB_ENV = {
  DELIVERY_OFFLINE_AFTER_FAILURES: '1000000',
  DELIVERY_MAX_ATTEMPTS: '1000',
  DELIVERY_RETRY_BASE_MS: '100',
  DELIVERY_RETRY_MAX_MS: '1000',
}
/** The drain rate is taken between these shares of the backlog: the start and the tail are ramps. */
const FROM_SHARE = 0.1
const TO_SHARE = 0.9
const POLL_MS = 50

const now = () => performance.timeOrigin + performance.now()

interface Drain {
  readonly backlog: number
  readonly buildSeconds: number
  readonly delivered: number
  readonly drainSeconds: number
  readonly deliveriesPerSecond: number
  readonly complete: boolean
}

/** Holds the receivers, queues `deliveries`, releases them and times the drain. */
async function drainOnce(
  context: BenchContext,
  hub: HubUnderTest,
  cpo: BenchParty,
  receivers: number,
  deliveries: number,
): Promise<Drain> {
  const sizes = context.sizes.backlog
  await context.partners.call('hold', { retryAfterSeconds: HELD_RETRY_AFTER_SECONDS })
  const put: RequestTemplate = {
    origin: hub.url,
    method: 'PUT',
    path: `/ocpi/2.3.0/receiver/locations/NL/${cpo.party.party_id}/B{seq}`,
    headers: tokenHeader(cpo.tokenToHub),
    body: benchLocation(cpo.party, 'B{seq}', 1),
  }
  const built = await context.load.call('run', {
    templates: [put],
    connections: 16,
    mode: {
      kind: 'closed',
      concurrency: 16,
      durationMs: sizes.buildBudgetMs,
      count: Math.ceil(deliveries / receivers),
    },
  })
  const backlog = built.ok * receivers
  await context.partners.call('reset', { dedupe: false })
  await context.partners.call('hold', null)
  const released = now()
  // [time, deliveries arrived] samples; the rate is read between FROM_SHARE and TO_SHARE of the backlog.
  const samples: [number, number][] = [[released, 0]]
  for (;;) {
    const { total } = await context.partners.call('counts', null)
    samples.push([now(), total])
    if (total >= backlog || now() - released > sizes.drainBudgetMs) break
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
  const [endAt, delivered] = samples.at(-1)!
  const first = (share: number) => samples.find(([, total]) => total >= backlog * share)
  const middle = [first(FROM_SHARE) ?? [released, 0], first(TO_SHARE) ?? [endAt, delivered]] as const
  // A drain over within a few polls has no middle to measure: it is taken from the first arrival on (the
  // receivers' Retry-After pause before it is not the queue's doing).
  const [[fromAt, fromCount], [toAt, toCount]] =
    middle[1][0] - middle[0][0] >= 4 * POLL_MS
      ? middle
      : ([samples.find(([, total]) => total > 0) ?? [released, 0], [endAt, delivered]] as const)
  return {
    backlog,
    buildSeconds: round(built.durationMs / 1000, 1),
    delivered,
    drainSeconds: round((endAt - released) / 1000, 1),
    deliveriesPerSecond: round(((toCount - fromCount) / Math.max(toAt - fromAt, 1)) * 1000, 0),
    complete: delivered >= backlog,
  }
}

export const backlog: Scenario = {
  name: 'backlog',
  title: 'Backlog: drain rate with a full queue vs an almost empty one',
  async run(context) {
    const sizes = context.sizes.backlog
    const outcome = await withHub(context, HUB_ENV, async (hub) => {
      const [cpo] = await connectParties(context, hub, 'CPO', 'NL', ['C01'], [])
      const emsps = await connectParties(context, hub, 'EMSP', 'DE', partyIds('E', sizes.emsps), [
        { identifier: 'locations', role: 'RECEIVER' },
      ])
      const reference = await drainOnce(context, hub, cpo!, emsps.length, sizes.referenceDeliveries)
      context.log(`  reference: ${JSON.stringify(reference)}`)
      const full = await withCpu(context, hub.pid, () =>
        drainOnce(context, hub, cpo!, emsps.length, sizes.deliveries),
      )
      context.log(`  backlog: ${JSON.stringify(full.result)}`)
      return { reference, full: full.result, cpu: full.cpu }
    })
    const { reference, full, cpu } = outcome
    const ratio = round(full.deliveriesPerSecond / Math.max(reference.deliveriesPerSecond, 1))
    const partial = (drain: Drain) => (drain.complete ? '' : ' (budget reached before the queue was empty)')
    const figures: Figure[] = [
      {
        label: `Backlog queued while the receivers were held (asked ${sizes.deliveries})`,
        value: full.backlog,
        unit: 'deliveries',
      },
      { label: 'Time to queue it', value: full.buildSeconds, unit: 's' },
      {
        label: `Drain rate with the backlog${partial(full)}`,
        value: full.deliveriesPerSecond,
        unit: 'deliveries/s',
        limit: likelyLimit(cpu),
        cpu,
      },
      { label: 'Delivered after the release', value: full.delivered, unit: `of ${full.backlog}` },
      {
        label: `Drain rate with an almost empty queue (${reference.backlog} deliveries)${partial(reference)}`,
        value: reference.deliveriesPerSecond,
        unit: 'deliveries/s',
      },
      {
        label: 'Backlog / almost empty (drain rate)',
        value: ratio,
        unit: '×',
        target: '≥ 0.8',
        met: ratio >= 0.8,
      },
    ]
    return { figures, details: { ...outcome } }
  },
}
