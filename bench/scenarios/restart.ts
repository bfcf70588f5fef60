import { performance } from 'node:perf_hooks'
import type { RequestTemplate } from '../load/load-contract.ts'
import { withHub, type Figure, type Scenario } from '../lib/bench-context.ts'
import { connectParties, partyIds, tokenHeader } from '../lib/network.ts'
import { round } from '../lib/stats.ts'
import { benchLocation, evseUids, statusPatch, waitForArrivals, waitForCoverage } from './locations.ts'

/**
 * Scenario 6: a CPO broadcasts EVSE status changes faster than the hub delivers them, so messages wait in
 * the outbox; the hub is killed with SIGKILL in the middle of the load and started again on the same
 * store. Measured: from the SIGKILL, and from the new process serving, until every push the hub had
 * accepted reached every eMSP.
 */

const now = () => performance.timeOrigin + performance.now()

export const restart: Scenario = {
  name: 'restart',
  title: 'Restart under load: SIGKILL to all pending deliveries drained',
  async run(context) {
    const sizes = context.sizes.restart
    const outcome = await withHub(context, {}, async (hub) => {
      const [cpo] = await connectParties(context, hub, 'CPO', 'NL', ['C01'], [])
      const emsps = await connectParties(context, hub, 'EMSP', 'DE', partyIds('E', sizes.emsps), [
        { identifier: 'locations', role: 'RECEIVER' },
      ])
      const owner = cpo!.party
      await context.partners.call('reset', { dedupe: false })
      const puts: RequestTemplate[] = Array.from({ length: sizes.locations }, (_, i) => ({
        origin: hub.url,
        method: 'PUT',
        path: `/ocpi/2.3.0/receiver/locations/NL/${owner.party_id}/L${i + 1}`,
        headers: tokenHeader(cpo!.tokenToHub),
        body: benchLocation(owner, `L${i + 1}`, 4),
      }))
      await context.load.call('run', {
        templates: puts,
        connections: 8,
        mode: { kind: 'closed', concurrency: 8, durationMs: 600_000, count: puts.length },
      })
      await waitForArrivals(context, puts.length * emsps.length)

      await context.partners.call('reset', { dedupe: true })
      const patches: RequestTemplate[] = Array.from({ length: sizes.locations }, (_, i) =>
        evseUids(4).map((evse) => {
          const path = `/NL/${owner.party_id}/L${i + 1}/${evse}`
          return {
            origin: hub.url,
            method: 'PATCH' as const,
            path: `/ocpi/2.3.0/receiver/locations${path}`,
            headers: tokenHeader(cpo!.tokenToHub),
            body: statusPatch('CHARGING'),
            key: `${path}|{ts}`,
          }
        }),
      ).flat()
      const loadDone = context.load.call('run', {
        templates: patches,
        connections: 16,
        mode: { kind: 'open', rate: sizes.rate, durationMs: sizes.beforeKillMs + 1_000 },
      })
      await new Promise((resolve) => setTimeout(resolve, sizes.beforeKillMs))
      const killedAt = now()
      await hub.kill()
      const atKill = await context.partners.call('counts', null)
      await hub.restart()
      const servingAt = now()
      const pushed = await loadDone
      const acceptedBeforeKill = pushed.accepts.filter(([, at]) => at < killedAt).length
      // Drained: every accepted push at every eMSP (redeliveries counted once).
      // (A push counts as delivered where a newer status of its EVSE arrived instead: latest state coalesces.)
      const { coverage, complete } = await waitForCoverage(
        context,
        pushed.accepts.map(([key]) => key),
        emsps.length,
      )
      if (!complete) throw new Error('the deliveries did not drain after the restart')
      const drainedAt = coverage.reached.reduce((latest, [, at]) => Math.max(latest, at), 0)
      const final = await context.partners.call('counts', null)
      return {
        accepted: pushed.ok,
        acceptedBeforeKill,
        failedDuringRestart: pushed.failed,
        pendingAtKill: acceptedBeforeKill * emsps.length - atKill.unique,
        restartMs: round(servingAt - killedAt, 0),
        drainMs: round(drainedAt - killedAt, 0),
        redelivered: final.total - final.unique,
        receivers: emsps.length,
      }
    })
    const figures: Figure[] = [
      {
        label: `Deliveries pending at the SIGKILL (${outcome.receivers} eMSPs)`,
        value: outcome.pendingAtKill,
        unit: 'messages',
      },
      { label: 'SIGKILL → hub serving again', value: outcome.restartMs, unit: 'ms' },
      { label: 'SIGKILL → every accepted push delivered everywhere', value: outcome.drainMs, unit: 'ms' },
      {
        label: 'New process serving → every accepted push delivered everywhere',
        value: outcome.drainMs - outcome.restartMs,
        unit: 'ms',
        target: '≤ 5000 ms',
        met: outcome.drainMs - outcome.restartMs <= 5000,
      },
      { label: 'Delivered twice (at-least-once)', value: outcome.redelivered, unit: 'messages' },
    ]
    return { figures, details: { ...outcome } }
  },
}
