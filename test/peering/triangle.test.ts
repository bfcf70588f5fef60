import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aLocation } from '../fixtures/locations.ts'
import { connectParty, eventually, QUIET_MS, type ConnectedParty } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'
import { PEERING_HUB_ENV, peerHubs } from './peer-hubs.ts'

interface LoggedMessage {
  direction: 'in' | 'out'
  method: string
  path: string
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: three hubs peering in a triangle`, () => {
    const hubs: TestHub[] = []
    let cpoA: ConnectedParty
    let emsps: ConnectedParty[] = []
    /** Hub B's platform id of hub C, and hub C's of hub B. */
    let bc: { atConnecting: string; atInvited: string }

    // Three hubs on PGlite, their partners and the handshakes: slow on a busy machine.
    beforeAll(async () => {
      // One after the other: three hubs starting at once on a loaded machine outrun Fastify's plugin timeout.
      for (const party_id of ['HBA', 'HBB', 'HBC'])
        hubs.push(
          await startTestHub(engine, { ...PEERING_HUB_ENV, HUB_COUNTRY_CODE: 'NL', HUB_PARTY_ID: party_id }),
        )
      const [hubA, hubB, hubC] = hubs as [TestHub, TestHub, TestHub]
      cpoA = await connectParty(hubA, 'CPO', 'NL', 'CPA')
      emsps = [
        await connectParty(hubA, 'EMSP', 'NL', 'EMA'),
        await connectParty(hubB, 'EMSP', 'NL', 'EMB'),
        await connectParty(hubC, 'EMSP', 'NL', 'EMC'),
      ]
      await peerHubs(hubA, hubB)
      bc = await peerHubs(hubB, hubC)
      await peerHubs(hubC, hubA)
    }, 120_000)
    afterAll(async () => {
      await Promise.all(hubs.map((hub) => hub.close()))
      await Promise.all([cpoA, ...emsps].filter(Boolean).map((p) => p.platform.close()))
    })

    const locationPuts = (party: ConnectedParty, id: string) =>
      party.inbox('locations').filter((r) => r.method === 'PUT' && r.path.endsWith(`/${id}`))
    const locationTraffic = async (hub: TestHub, platformId: string) =>
      (
        await hub.admin<{ messages: LoggedMessage[] }>(
          'GET',
          `/messages?party=${platformId}&module=locations`,
        )
      ).body.messages

    it("[handshake] each hub learns each peer's own parties only: hub C hears of hub A's parties from hub A, not from hub B", async () => {
      const [, hubB, hubC] = hubs as [TestHub, TestHub, TestHub]
      const peersAtC = (
        await hubC.admin<{ peers: { id: string; roles: { party_id: string }[] }[] }>('GET', '/peers')
      ).body.peers
      const fromB = peersAtC.find((peer) => peer.id === bc.atInvited)!
      expect(fromB.roles.map((r) => r.party_id).sort()).toEqual(['EMB', 'HBB'])
      expect(peersAtC).toHaveLength(2)
      expect((await hubB.admin<{ peers: unknown[] }>('GET', '/peers')).body.peers).toHaveLength(2)
    })

    it('[broadcast] a Location of hub A reaches every eMSP of the triangle once, and no hub passes it on to another peer', async () => {
      const [, hubB, hubC] = hubs as [TestHub, TestHub, TestHub]
      const pushed = await cpoA.call('/receiver/locations/NL/CPA/LOC-TRI-1', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-TRI-1' }, cpoA.party),
      })
      expect(pushed.body.status_code).toBe(1000)
      for (const emsp of emsps)
        await eventually(() => expect(locationPuts(emsp, 'LOC-TRI-1')).toHaveLength(1))
      await pause(QUIET_MS * 2)
      for (const emsp of emsps) expect(locationPuts(emsp, 'LOC-TRI-1')).toHaveLength(1)
      // Hub B's delivery to its own eMSP is logged (written in batches): one to hub C, queued in the same
      // transaction, would be logged by now too. Between hubs B and C, whichever end logs it, there is none.
      await eventually(async () =>
        expect(await locationTraffic(hubB, emsps[1]!.platformId)).toEqual([
          expect.objectContaining({ direction: 'out', method: 'PUT' }),
        ]),
      )
      expect(await locationTraffic(hubB, bc.atConnecting)).toEqual([])
      expect(await locationTraffic(hubC, bc.atInvited)).toEqual([])
    })
  })
}
