import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aLocation } from '../../fixtures/locations.ts'
import { aTariff } from '../../fixtures/tariffs.ts'
import { connectParty, eventually, QUIET_MS, type ConnectedParty } from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'
import { PEERING_HUB_ENV, peerHubs } from '../../peering/peer-hubs.ts'

const LOCATION = 'LOC-PW-1'
const TARIFF = 'TAR-PW-1'

const quiet = () => new Promise((resolve) => setTimeout(resolve, QUIET_MS * 2))

interface LocationView {
  id: string
  name?: string
  publish: boolean
}

/** The writes of `module` about `id` the party's platform received, in the order they came. */
function writesOf(party: ConnectedParty, module: 'locations' | 'tariffs', id: string) {
  return party.inbox(module).filter((r) => r.path.endsWith(`/${id}`))
}

function lastLocation(party: ConnectedParty): LocationView | undefined {
  return writesOf(party, 'locations', LOCATION).at(-1)?.body as LocationView | undefined
}

function lastTariffMethod(party: ConnectedParty): string | undefined {
  return writesOf(party, 'tariffs', TARIFF).at(-1)?.method
}

/**
 * Hub A roams by agreements; its peer hub B (open) stores the copy it is sent as itself, while every one of
 * its eMSPs roams with hub A's CPO, and passes it on to all of them. When one of them stops (an agreement
 * suspended, a block), that copy is withdrawn from the peer and the eMSP that still roams is caught up,
 * addressed to it; when both roam again, the peer is sent its own copy again (docs/agreements.md).
 */
for (const engine of STORE_VARIANTS) {
  describe(`${engine}: a peer hub's own copy when some of its parties stop roaming`, () => {
    let hubA: TestHub
    let hubB: TestHub
    let cpoA: ConnectedParty
    let emsp1: ConnectedParty
    let emsp2: ConnectedParty
    let second: string

    const agree = async (emsp: ConnectedParty): Promise<string> => {
      const created = await hubA.admin<{ id: string }>('POST', '/agreements', {
        cpo: cpoA.party,
        emsp: emsp.party,
      })
      expect(created.status).toBe(201)
      expect((await hubA.admin('POST', `/agreements/${created.body.id}/accept`)).status).toBe(200)
      return created.body.id
    }
    /** Hub B's GET All, as its eMSP `reader` reads it: the peer's stored copies. */
    const peerLocation = async (reader: ConnectedParty) => {
      const read = await reader.call<{ data: LocationView[] }>('/sender/locations')
      return read.body.data.find((location) => location.id === LOCATION)
    }
    const peerTariffIds = async (reader: ConnectedParty) => {
      const read = await reader.call<{ data: { id: string }[] }>('/sender/tariffs')
      return read.body.data.map((tariff) => tariff.id)
    }
    const pushLocation = async (name: string) => {
      const pushed = await cpoA.call(`/receiver/locations/NL/CPW/${LOCATION}`, {
        method: 'PUT',
        body: aLocation({ id: LOCATION, name }, cpoA.party),
      })
      expect(pushed.body.status_code).toBe(1000)
    }

    beforeAll(async () => {
      hubA = await startTestHub(engine, {
        ...PEERING_HUB_ENV,
        HUB_ROAMING_MODE: 'agreements',
        HUB_COUNTRY_CODE: 'NL',
        HUB_PARTY_ID: 'HWA',
      })
      hubB = await startTestHub(engine, { ...PEERING_HUB_ENV, HUB_COUNTRY_CODE: 'DE', HUB_PARTY_ID: 'HWB' })
      cpoA = await connectParty(hubA, 'CPO', 'NL', 'CPW')
      emsp1 = await connectParty(hubB, 'EMSP', 'DE', 'EW1')
      emsp2 = await connectParty(hubB, 'EMSP', 'DE', 'EW2')
      await peerHubs(hubA, hubB)
      await agree(emsp1)
      second = await agree(emsp2)
      await pushLocation('first name')
      const pushed = await cpoA.call(`/receiver/tariffs/NL/CPW/${TARIFF}`, {
        method: 'PUT',
        body: aTariff({ id: TARIFF }, cpoA.party),
      })
      expect(pushed.body.status_code).toBe(1000)
      // Both eMSPs roam: the peer is sent one copy as itself, stores it and passes it on.
      await eventually(async () => {
        expect(await peerLocation(emsp2)).toMatchObject({ publish: true })
        expect(await peerTariffIds(emsp2)).toContain(TARIFF)
        for (const party of [emsp1, emsp2]) expect(lastTariffMethod(party)).toBe('PUT')
      })
    }, 90_000)
    afterAll(async () => {
      await hubA?.close()
      await hubB?.close()
      await Promise.all([cpoA, emsp1, emsp2].map((party) => party?.platform.close()))
    })

    it("suspending one eMSP's agreement withdraws the peer's copy, and catches up the other eMSP addressed to it", async () => {
      const beforeSuspend = writesOf(emsp1, 'locations', LOCATION).length
      expect((await hubA.admin('POST', `/agreements/${second}/suspend`)).status).toBe(200)

      await eventually(async () => {
        expect(await peerLocation(emsp2)).toMatchObject({ id: LOCATION, publish: false })
        expect(await peerTariffIds(emsp2)).not.toContain(TARIFF)
      })
      await eventually(() => {
        expect(lastLocation(emsp2)).toMatchObject({ publish: false })
        expect(lastTariffMethod(emsp2)).toBe('DELETE')
        // The peer passed the withdrawal on to both; what reached the first since ends with the catch-up
        // addressed to it (which may have replaced the withdrawal still queued at the peer).
        expect(writesOf(emsp1, 'locations', LOCATION).slice(beforeSuspend).at(-1)?.body).toMatchObject({
          publish: true,
        })
        expect(lastLocation(emsp1)).toMatchObject({ publish: true, name: 'first name' })
        expect(lastTariffMethod(emsp1)).toBe('PUT')
      })
    })

    it('later writes reach the eMSP that still roams, addressed to it, and neither the other nor the peer’s copy', async () => {
      const atSecond = writesOf(emsp2, 'locations', LOCATION).length
      await pushLocation('second name')

      await eventually(() =>
        expect(lastLocation(emsp1)).toMatchObject({ publish: true, name: 'second name' }),
      )
      await quiet()
      expect(writesOf(emsp2, 'locations', LOCATION)).toHaveLength(atSecond)
      expect(await peerLocation(emsp2)).toMatchObject({ publish: false, name: 'first name' })
    })

    it('resuming it sends the peer its own copy again, which both eMSPs get once', async () => {
      const atFirst = writesOf(emsp1, 'locations', LOCATION).length
      const tariffsAtFirst = writesOf(emsp1, 'tariffs', TARIFF).length
      expect((await hubA.admin('POST', `/agreements/${second}/accept`)).status).toBe(200)

      await eventually(async () => {
        expect(await peerLocation(emsp2)).toMatchObject({ publish: true, name: 'second name' })
        expect(await peerTariffIds(emsp2)).toContain(TARIFF)
        expect(lastLocation(emsp2)).toMatchObject({ publish: true, name: 'second name' })
        expect(lastTariffMethod(emsp2)).toBe('PUT')
      })
      await quiet()
      // The peer's copy passed on, and no copy addressed to the first on top of it.
      expect(writesOf(emsp1, 'locations', LOCATION)).toHaveLength(atFirst + 1)
      expect(writesOf(emsp1, 'tariffs', TARIFF)).toHaveLength(tariffsAtFirst + 1)
    })

    it("a block of one of the peer's eMSPs withdraws the peer's copy the same way, and lifting it restores it", async () => {
      const block = { blocker: cpoA.party, blocked: emsp1.party }
      expect((await hubA.admin('POST', '/blocks', block)).status).toBe(201)

      await eventually(async () => {
        expect(await peerLocation(emsp1)).toMatchObject({ publish: false })
        expect(await peerTariffIds(emsp1)).not.toContain(TARIFF)
        expect(lastLocation(emsp1)).toMatchObject({ publish: false })
        expect(lastTariffMethod(emsp1)).toBe('DELETE')
        expect(lastLocation(emsp2)).toMatchObject({ publish: true, name: 'second name' })
        expect(lastTariffMethod(emsp2)).toBe('PUT')
      })

      expect((await hubA.admin('DELETE', '/blocks?blocker=NL*CPW&blocked=DE*EW1')).status).toBe(204)
      await eventually(async () => {
        expect(await peerLocation(emsp1)).toMatchObject({ publish: true, name: 'second name' })
        expect(await peerTariffIds(emsp1)).toContain(TARIFF)
        expect(lastLocation(emsp1)).toMatchObject({ publish: true })
        expect(lastTariffMethod(emsp1)).toBe('PUT')
      })
    })
  })
}

/**
 * Hub A in open mode: a block is what stops one of the peer's eMSPs. The peer's own party (presented as
 * OTHER) is the peer: it is never sent a copy addressed to it while the blocked eMSP is left out, which the
 * peer would store and pass on to the blocked eMSP too.
 */
for (const engine of STORE_VARIANTS) {
  describe(`${engine}: a block of one of a peer hub's parties in open mode`, () => {
    let hubA: TestHub
    let hubB: TestHub
    let cpoA: ConnectedParty
    let emsp1: ConnectedParty
    let emsp2: ConnectedParty

    beforeAll(async () => {
      hubA = await startTestHub(engine, { ...PEERING_HUB_ENV, HUB_COUNTRY_CODE: 'NL', HUB_PARTY_ID: 'HOA' })
      hubB = await startTestHub(engine, { ...PEERING_HUB_ENV, HUB_COUNTRY_CODE: 'DE', HUB_PARTY_ID: 'HOB' })
      cpoA = await connectParty(hubA, 'CPO', 'NL', 'CPO')
      emsp1 = await connectParty(hubB, 'EMSP', 'DE', 'EO1')
      emsp2 = await connectParty(hubB, 'EMSP', 'DE', 'EO2')
      await peerHubs(hubA, hubB)
    }, 90_000)
    afterAll(async () => {
      await hubA?.close()
      await hubB?.close()
      await Promise.all([cpoA, emsp1, emsp2].map((party) => party?.platform.close()))
    })

    it('the peer stores a copy until one eMSP is blocked; after that the blocked eMSP gets nothing more', async () => {
      const push = async (name: string) => {
        const pushed = await cpoA.call(`/receiver/locations/NL/CPO/${LOCATION}`, {
          method: 'PUT',
          body: aLocation({ id: LOCATION, name }, cpoA.party),
        })
        expect(pushed.body.status_code).toBe(1000)
      }
      const peerCopy = async () => {
        const read = await emsp1.call<{ data: LocationView[] }>('/sender/locations')
        return read.body.data.find((location) => location.id === LOCATION)
      }
      await push('first name')
      await eventually(async () => expect(await peerCopy()).toMatchObject({ publish: true }))

      const block = { blocker: cpoA.party, blocked: emsp1.party }
      expect((await hubA.admin('POST', '/blocks', block)).status).toBe(201)
      await eventually(async () => {
        expect(await peerCopy()).toMatchObject({ publish: false })
        expect(lastLocation(emsp1)).toMatchObject({ publish: false })
        expect(lastLocation(emsp2)).toMatchObject({ publish: true, name: 'first name' })
      })
      const atBlocked = writesOf(emsp1, 'locations', LOCATION).length

      await push('second name')
      await eventually(() => expect(lastLocation(emsp2)).toMatchObject({ name: 'second name' }))
      await quiet()
      expect(writesOf(emsp1, 'locations', LOCATION)).toHaveLength(atBlocked)
      expect(await peerCopy()).toMatchObject({ publish: false, name: 'first name' })
    })
  })
}
