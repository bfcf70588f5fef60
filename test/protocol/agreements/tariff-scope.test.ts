import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aConnector, aLocation, anEvse } from '../../fixtures/locations.ts'
import { aTariff } from '../../fixtures/tariffs.ts'
import type { OcpiEnvelopeBody } from '../../support/http.ts'
import {
  connectParty,
  eventually,
  QUIET_MS,
  routeHeaders,
  type ConnectedParty,
} from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

const quiet = () => new Promise<void>((resolve) => setTimeout(resolve, QUIET_MS * 2))

/**
 * An agreement that lists some of the CPO's Locations covers the Tariffs those Locations' connectors list
 * (and those no Location lists yet), not the Tariffs only other Locations list.
 */
for (const engine of STORE_VARIANTS) {
  describe(`${engine}: the Location scope of Tariffs`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let first: ConnectedParty
    let second: ConnectedParty

    const tariffIdsReceived = (party: ConnectedParty) =>
      party
        .inbox('tariffs')
        .filter((r) => r.method === 'PUT')
        .map((r) => r.path.split('/').pop())
        .sort()
    const agree = async (emsp: ConnectedParty, locationId: string) => {
      const created = await hub.admin<{ id: string }>('POST', '/agreements', {
        cpo: cpo.party,
        emsp: emsp.party,
        location_ids: [locationId],
      })
      expect((await hub.admin('POST', `/agreements/${created.body.id}/accept`)).status).toBe(200)
    }
    const locationWith = (id: string, tariffId: string) =>
      aLocation(
        {
          id,
          evses: [anEvse('E1', { connectors: [aConnector('1', { tariff_ids: [tariffId] })] }, cpo.party)],
        },
        cpo.party,
      )

    beforeAll(async () => {
      hub = await startTestHub(engine, { HUB_ROAMING_MODE: 'agreements', DELIVERY_POLL_INTERVAL_MS: '50' })
      cpo = await connectParty(hub, 'CPO', 'NL', 'TS1')
      first = await connectParty(hub, 'EMSP', 'DE', 'TSA')
      second = await connectParty(hub, 'EMSP', 'DE', 'TSB')
      await agree(first, 'LOC-TS-1')
      for (const [id, tariffId] of [
        ['LOC-TS-1', 'TAR-ONE'],
        ['LOC-TS-2', 'TAR-TWO'],
      ] as const) {
        const pushed = await cpo.call(`/receiver/locations/NL/TS1/${id}`, {
          method: 'PUT',
          body: locationWith(id, tariffId),
        })
        expect(pushed.body.status_code).toBe(1000)
      }
      for (const id of ['TAR-ONE', 'TAR-TWO', 'TAR-LATER']) {
        const pushed = await cpo.call(`/receiver/tariffs/NL/TS1/${id}`, {
          method: 'PUT',
          body: aTariff({ id }, cpo.party),
        })
        expect(pushed.body.status_code).toBe(1000)
      }
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo, first, second].map((party) => party?.platform.close()))
    })

    it('a Tariff only an unlisted Location lists is neither broadcast to the eMSP nor shown to it', async () => {
      await eventually(() => expect(tariffIdsReceived(first)).toEqual(['TAR-LATER', 'TAR-ONE']))
      await quiet()
      expect(tariffIdsReceived(first)).toEqual(['TAR-LATER', 'TAR-ONE'])

      const all = await first.call<OcpiEnvelopeBody & { data: { id: string }[] }>('/sender/tariffs')
      expect(all.body.data.map((tariff) => tariff.id).sort()).toEqual(['TAR-LATER', 'TAR-ONE'])
      expect(all.headers.get('x-total-count')).toBe('2')
      // The CPO's own list, routed to it, would show them all: refused.
      const routed = await first.call('/sender/tariffs', { headers: routeHeaders(first.party, cpo.party) })
      expect(routed.body.status_code).toBe(4001)
      expect(cpo.inbox('tariffs')).toEqual([])
    })

    it('the catch-up of an agreement listing the other Location carries that Location’s Tariff, not the first one', async () => {
      await agree(second, 'LOC-TS-2')
      await eventually(() => expect(tariffIdsReceived(second)).toEqual(['TAR-LATER', 'TAR-TWO']))
      await quiet()
      expect(tariffIdsReceived(second)).toEqual(['TAR-LATER', 'TAR-TWO'])
    })
  })
}
