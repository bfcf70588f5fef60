import { withHub, type Figure, type Scenario } from '../lib/bench-context.ts'
import { HubUnderTest } from '../lib/hub-under-test.ts'
import { connectParties, partyIds } from '../lib/network.ts'
import { round } from '../lib/stats.ts'
import { broadcastNetwork, findSustainedBroadcast } from './broadcast.ts'
import { sessionPatches } from './party-to-party.ts'
import { measureThroughput } from './throughput.ts'

/**
 * Scenario 9: two hub processes on one PostgreSQL database (the second started with the same
 * DATABASE_URL once the first has migrated it), the load split evenly across both, as behind a load
 * balancer: party-to-party Session PATCHes and broadcast status changes, each measured through one process
 * and then through both in the same run. On a 2-core machine the combined figure cannot double; what it
 * shows is whether the design serialises on a lock.
 *
 * PGlite keeps its data in a folder one process opens at a time: the scenario does not apply there.
 */

export const twoProcesses: Scenario = {
  name: 'two-processes',
  title: 'Two hub processes on one PostgreSQL database',
  async run(context) {
    if (context.engine === 'pglite') {
      context.log('  does not apply: a PGlite data folder is opened by one process at a time')
      return { figures: [], details: { notApplicable: 'one process per PGlite data folder' } }
    }
    const outcome = await withHub(context, {}, async (hubA, place) => {
      const hubB = await HubUnderTest.start(place, { cpuProfileDir: context.cpuProfileDir })
      try {
        const both = [hubA.pid, hubB.pid] as const
        const p2p = context.sizes.partyToParty
        const cpos = await connectParties(context, hubA, 'CPO', 'NL', partyIds('S', p2p.cpos), [])
        const emsps = await connectParties(context, hubB, 'EMSP', 'DE', partyIds('R', p2p.emsps), [
          { identifier: 'sessions', role: 'RECEIVER' },
        ])
        const withTokens = cpos.map((c) => ({ ...c, token: c.tokenToHub }))
        const sessionsVia = (hub: HubUnderTest) =>
          sessionPatches(withTokens, emsps, () => ({ origin: hub.url, prefix: '/ocpi/2.3.0/receiver' }))
        const sessionsOne = await measureThroughput(context, 'one process', sessionsVia(hubA), {
          hub: hubA.pid,
        })
        const sessionsTwo = await measureThroughput(
          context,
          'two processes',
          [...sessionsVia(hubA), ...sessionsVia(hubB)],
          { hub: both },
        )

        const network = await broadcastNetwork(context, hubA)
        const receivers = network.receivers.length
        const broadcastOne = await findSustainedBroadcast(
          context,
          'one process',
          network.patches([hubA.url]),
          receivers,
          { hub: hubA.pid },
        )
        const broadcastTwo = await findSustainedBroadcast(
          context,
          'two processes',
          network.patches([hubA.url, hubB.url]),
          receivers,
          { hub: both },
        )
        return { sessionsOne, sessionsTwo, broadcastOne, broadcastTwo, receivers }
      } finally {
        await hubB.stop()
      }
    })
    const { sessionsOne, sessionsTwo, broadcastOne, broadcastTwo, receivers } = outcome
    const ratio = (two: number, one: number) => round(two / Math.max(one, 1))
    const changesOne = broadcastOne.best?.offered ?? 0
    const changesTwo = broadcastTwo.best?.offered ?? 0
    const figures: Figure[] = [
      {
        label: 'Party-to-party: sustained Session PATCHes, one process',
        value: sessionsOne.sustained,
        unit: 'msg/s',
        limit: sessionsOne.limit,
      },
      {
        label: 'Party-to-party: sustained Session PATCHes, two processes combined',
        value: sessionsTwo.sustained,
        unit: 'msg/s',
        limit: sessionsTwo.limit,
        cpu: sessionsTwo.steps.filter((s) => s.sustained).at(-1)?.cpu ?? sessionsTwo.closedLoop.cpu,
      },
      {
        label: 'Party-to-party: two processes / one',
        value: ratio(sessionsTwo.sustained, sessionsOne.sustained),
        unit: '×',
      },
      {
        label: `Broadcast: sustained status changes/s to ${receivers} eMSPs, one process`,
        value: changesOne,
        unit: 'msg/s',
        limit: broadcastOne.limit,
      },
      {
        label: `Broadcast: sustained status changes/s to ${receivers} eMSPs, two processes combined`,
        value: changesTwo,
        unit: 'msg/s',
        limit: broadcastTwo.limit,
        ...(broadcastTwo.best ? { cpu: broadcastTwo.best.cpu } : {}),
      },
      {
        label: 'Broadcast: accept → last eMSP p99 at the two-process rate',
        value: broadcastTwo.best?.delays.p99 ?? 0,
        unit: 'ms',
      },
      { label: 'Broadcast: two processes / one', value: ratio(changesTwo, changesOne), unit: '×' },
    ]
    return { figures, details: { ...outcome } }
  },
}
