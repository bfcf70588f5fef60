import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aConnector, aLocation, anEvse } from '../../fixtures/locations.ts'
import { aTariff } from '../../fixtures/tariffs.ts'
import type { OcpiEnvelopeBody } from '../../support/http.ts'
import { connectParty, eventually, QUIET_MS, type ConnectedParty } from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

const quiet = () => new Promise<void>((resolve) => setTimeout(resolve, QUIET_MS * 2))

/**
 * A Location write that changes its connectors' tariff_ids moves Tariffs in or out of the Location scope of
 * the agreements that list Locations (docs/agreements.md): a party now in scope gets a Tariff it never got,
 * a party that received one before a Location listed it, and for which only unlisted Locations list it now,
 * is sent a DELETE.
 */
for (const engine of STORE_VARIANTS) {
  describe(`${engine}: Tariffs follow the Location writes of their CPO`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let first: ConnectedParty
    let second: ConnectedParty

    /** What a party received of the CPO's Tariffs: `PUT T-ONE`, `DELETE T-NEW`, in order. */
    const tariffMessages = (party: ConnectedParty) =>
      party.inbox('tariffs').map((request) => `${request.method} ${request.path.split('/').pop()}`)
    const agree = async (emsp: ConnectedParty, locationId: string) => {
      const created = await hub.admin<{ id: string }>('POST', '/agreements', {
        cpo: cpo.party,
        emsp: emsp.party,
        location_ids: [locationId],
      })
      expect((await hub.admin('POST', `/agreements/${created.body.id}/accept`)).status).toBe(200)
    }
    const putLocation = async (id: string, tariffIds: string[]) => {
      const pushed = await cpo.call(`/receiver/locations/NL/TL1/${id}`, {
        method: 'PUT',
        body: aLocation(
          {
            id,
            evses: [anEvse('E1', { connectors: [aConnector('1', { tariff_ids: tariffIds })] }, cpo.party)],
          },
          cpo.party,
        ),
      })
      expect(pushed.body.status_code, pushed.text).toBe(1000)
    }
    const tariffsShownTo = async (party: ConnectedParty) => {
      const all = await party.call<OcpiEnvelopeBody & { data: { id: string }[] }>('/sender/tariffs')
      return all.body.data.map((tariff) => tariff.id).sort()
    }

    beforeAll(async () => {
      hub = await startTestHub(engine, { HUB_ROAMING_MODE: 'agreements', DELIVERY_POLL_INTERVAL_MS: '50' })
      cpo = await connectParty(hub, 'CPO', 'NL', 'TL1')
      first = await connectParty(hub, 'EMSP', 'DE', 'TLA')
      second = await connectParty(hub, 'EMSP', 'DE', 'TLB')
      await agree(first, 'LOC-1')
      await agree(second, 'LOC-2')
      await putLocation('LOC-1', ['T-ONE'])
      await putLocation('LOC-2', ['T-TWO'])
      // T-EARLY and T-NEW: no Location lists them yet, so both eMSPs get them.
      for (const id of ['T-ONE', 'T-TWO', 'T-EARLY', 'T-NEW']) {
        const pushed = await cpo.call(`/receiver/tariffs/NL/TL1/${id}`, {
          method: 'PUT',
          body: aTariff({ id }, cpo.party),
        })
        expect(pushed.body.status_code).toBe(1000)
      }
      await eventually(() => {
        expect(tariffMessages(first).sort()).toEqual(['PUT T-EARLY', 'PUT T-NEW', 'PUT T-ONE'])
        expect(tariffMessages(second).sort()).toEqual(['PUT T-EARLY', 'PUT T-NEW', 'PUT T-TWO'])
      })
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo, first, second].map((party) => party?.platform.close()))
    })

    it('a listed Location that adds a Tariff sends it to the parties that never got it, once', async () => {
      // LOC-1 (first's) now lists T-TWO as well: first never got it; second has it.
      await putLocation('LOC-1', ['T-ONE', 'T-TWO'])
      await eventually(() => expect(tariffMessages(first)).toContain('PUT T-TWO'))
      await quiet()
      expect(tariffMessages(first).filter((message) => message.endsWith('T-TWO'))).toEqual(['PUT T-TWO'])
      expect(tariffMessages(second).filter((message) => message.endsWith('T-TWO'))).toEqual(['PUT T-TWO'])
      expect(await tariffsShownTo(first)).toEqual(['T-EARLY', 'T-NEW', 'T-ONE', 'T-TWO'])
      // The same Location again, unchanged: nothing more.
      await putLocation('LOC-1', ['T-ONE', 'T-TWO'])
      await quiet()
      expect(tariffMessages(first).filter((message) => message.endsWith('T-TWO'))).toEqual(['PUT T-TWO'])
    })

    it('a Tariff received before any Location listed it is withdrawn when only unlisted Locations list it', async () => {
      // LOC-2 (second's) lists T-EARLY now: first received it before, and may no longer; second keeps it.
      await putLocation('LOC-2', ['T-TWO', 'T-EARLY'])
      await eventually(() => expect(tariffMessages(first)).toContain('DELETE T-EARLY'))
      await quiet()
      expect(tariffMessages(first).filter((message) => message.endsWith('T-EARLY'))).toEqual([
        'PUT T-EARLY',
        'DELETE T-EARLY',
      ])
      expect(tariffMessages(second).filter((message) => message.endsWith('T-EARLY'))).toEqual(['PUT T-EARLY'])
      expect(await tariffsShownTo(first)).toEqual(['T-NEW', 'T-ONE', 'T-TWO'])
      expect(await tariffsShownTo(second)).toEqual(['T-EARLY', 'T-NEW', 'T-TWO'])
    })

    it('a listed Location that lists a Tariff both had keeps it at both; dropping it again sends it back', async () => {
      // LOC-1 lists T-NEW: still in first's scope; second had it, only first's Location lists it now.
      await putLocation('LOC-1', ['T-ONE', 'T-TWO', 'T-NEW'])
      await eventually(() => expect(tariffMessages(second)).toContain('DELETE T-NEW'))
      // LOC-1 drops it again: no Location lists it, so second is in its scope again.
      await putLocation('LOC-1', ['T-ONE', 'T-TWO'])
      await eventually(() =>
        expect(tariffMessages(second).filter((message) => message.endsWith('T-NEW'))).toEqual([
          'PUT T-NEW',
          'DELETE T-NEW',
          'PUT T-NEW',
        ]),
      )
      await quiet()
      expect(tariffMessages(first).filter((message) => message.endsWith('T-NEW'))).toEqual(['PUT T-NEW'])
      expect(cpo.inbox('tariffs')).toEqual([])
    })
  })
}
