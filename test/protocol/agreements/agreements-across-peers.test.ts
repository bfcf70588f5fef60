import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aLocation } from '../../fixtures/locations.ts'
import { connectParty, eventually, QUIET_MS, type ConnectedParty } from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'
import { PEERING_HUB_ENV, peerHubs } from '../../peering/peer-hubs.ts'

interface AgreementView {
  id: string
  state: string
}

const quiet = () => new Promise((resolve) => setTimeout(resolve, QUIET_MS * 2))

function locationPuts(party: ConnectedParty, id: string) {
  return party.inbox('locations').filter((r) => r.method === 'PUT' && r.path.endsWith(`/${id}`))
}

/**
 * Hub A roams by agreements, its peer hub B is open (decision 0023): hub A decides what of its parties
 * reaches which of B's parties, and B, which passes on to all of its parties what it is sent as itself, is
 * sent a copy addressed to each party that roams when not all of them do (what happens to the copy it
 * stored when some stop: agreements-across-peers-withdrawal.test.ts).
 */
for (const engine of STORE_VARIANTS) {
  describe(`${engine}: agreements across a peer hub`, () => {
    let hubA: TestHub
    let hubB: TestHub
    let cpoA: ConnectedParty
    let strangerCpoA: ConnectedParty
    let emspA: ConnectedParty
    let cpoB: ConnectedParty
    let emsp1: ConnectedParty
    let emsp2: ConnectedParty
    let everyone: ConnectedParty[]

    const agree = async (emsp: ConnectedParty): Promise<string> => {
      const created = await hubA.admin<AgreementView>('POST', '/agreements', {
        cpo: cpoA.party,
        emsp: emsp.party,
      })
      expect(created.status).toBe(201)
      expect((await hubA.admin('POST', `/agreements/${created.body.id}/accept`)).status).toBe(200)
      return created.body.id
    }

    beforeAll(async () => {
      hubA = await startTestHub(engine, {
        ...PEERING_HUB_ENV,
        HUB_ROAMING_MODE: 'agreements',
        HUB_COUNTRY_CODE: 'NL',
        HUB_PARTY_ID: 'HBA',
      })
      hubB = await startTestHub(engine, { ...PEERING_HUB_ENV, HUB_COUNTRY_CODE: 'DE', HUB_PARTY_ID: 'HBB' })
      cpoA = await connectParty(hubA, 'CPO', 'NL', 'CPA')
      strangerCpoA = await connectParty(hubA, 'CPO', 'NL', 'CPX')
      emspA = await connectParty(hubA, 'EMSP', 'NL', 'EMA')
      cpoB = await connectParty(hubB, 'CPO', 'DE', 'CPB')
      emsp1 = await connectParty(hubB, 'EMSP', 'DE', 'EM1')
      emsp2 = await connectParty(hubB, 'EMSP', 'DE', 'EM2')
      everyone = [cpoA, strangerCpoA, emspA, cpoB, emsp1, emsp2]
      await peerHubs(hubA, hubB)
      await agree(emsp1)
    }, 90_000)
    afterAll(async () => {
      await hubA?.close()
      await hubB?.close()
      await Promise.all((everyone ?? []).map((p) => p.platform.close()))
    })

    it("a CPO's Location reaches only the peer's eMSP it has an agreement with, and a CPO without one reaches nobody there", async () => {
      for (const [cpo, id] of [
        [cpoA, 'LOC-AP-1'],
        [strangerCpoA, 'LOC-AP-X'],
      ] as const) {
        const pushed = await cpo.call(
          `/receiver/locations/${cpo.party.country_code}/${cpo.party.party_id}/${id}`,
          {
            method: 'PUT',
            body: aLocation({ id }, cpo.party),
          },
        )
        expect(pushed.body.status_code).toBe(1000)
      }

      await eventually(() => expect(locationPuts(emsp1, 'LOC-AP-1')).toHaveLength(1))
      const [received] = locationPuts(emsp1, 'LOC-AP-1')
      expect(received!.path).toBe('/2.3.0/receiver/locations/NL/CPA/LOC-AP-1')
      await quiet()
      expect(locationPuts(emsp2, 'LOC-AP-1')).toEqual([])
      for (const party of [emsp1, emsp2, emspA]) expect(locationPuts(party, 'LOC-AP-X')).toEqual([])
    })

    it("the peer's CPO reaches none of hub A's parties without an agreement", async () => {
      const pushed = await cpoB.call('/receiver/locations/DE/CPB/LOC-BP-1', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-BP-1' }, cpoB.party),
      })
      expect(pushed.body.status_code).toBe(1000)
      // Hub B is open: its own eMSPs get it; hub A's policy keeps it from hub A's eMSP.
      await eventually(() => expect(locationPuts(emsp2, 'LOC-BP-1')).toHaveLength(1))
      await quiet()
      expect(locationPuts(emspA, 'LOC-BP-1')).toEqual([])
      const read = await emspA.call<{ data: { id: string }[] }>('/sender/locations')
      expect(read.body.data.map((location) => location.id)).not.toContain('LOC-BP-1')
    })

    it("an agreement with the second eMSP catches it up; ending it withdraws the peer's copy and catches up the first, addressed to it", async () => {
      const second = await agree(emsp2)
      await eventually(() => expect(locationPuts(emsp2, 'LOC-AP-1')).toHaveLength(1))

      const beforeEnd = locationPuts(emsp1, 'LOC-AP-1').length
      expect((await hubA.admin('POST', `/agreements/${second}/end`)).status).toBe(200)
      await eventually(() => expect(locationPuts(emsp2, 'LOC-AP-1')).toHaveLength(2))
      expect(locationPuts(emsp2, 'LOC-AP-1')[1]!.body).toMatchObject({ id: 'LOC-AP-1', publish: false })
      // What reaches the first eMSP after the end (the peer's withdrawal, unless its own catch-up replaced
      // it in the peer's queue) ends with that catch-up: published.
      await eventually(() =>
        expect(locationPuts(emsp1, 'LOC-AP-1').slice(beforeEnd).at(-1)?.body).toMatchObject({
          publish: true,
        }),
      )
      await quiet()
      expect(locationPuts(emsp2, 'LOC-AP-1')).toHaveLength(2)
    })
  })
}
