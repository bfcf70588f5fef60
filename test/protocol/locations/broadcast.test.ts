import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aLocation, anEvse } from '../../fixtures/locations.ts'
import {
  connectParty,
  eventually,
  HUB_PARTY,
  routeHeaders,
  type ConnectedParty,
} from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: Locations broadcast through the hub`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let otherCpo: ConnectedParty
    let emsps: ConnectedParty[]

    beforeAll(async () => {
      hub = await startTestHub(engine, { DELIVERY_RETRY_BASE_MS: '50', DELIVERY_POLL_INTERVAL_MS: '50' })
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      otherCpo = await connectParty(hub, 'CPO', 'NL', 'CP2')
      emsps = [await connectParty(hub, 'EMSP', 'DE', 'EM1'), await connectParty(hub, 'EMSP', 'DE', 'EM2')]
    })
    afterAll(async () => {
      await hub.close()
      await Promise.all([cpo, otherCpo, ...emsps].map((p) => p.platform.close()))
    })

    it('[locations PUT TO=hub] is stored, answered at once, and delivered to every eMSP and to no CPO', async () => {
      const location = aLocation({ id: 'LOC1' }, cpo.party)
      const response = await cpo.call('/receiver/locations/NL/CP1/LOC1', {
        method: 'PUT',
        body: location,
        headers: routeHeaders(cpo.party, HUB_PARTY),
      })
      expect(response.status).toBe(201)
      expect(response.body.status_code).toBe(1000)
      expect(response.headers.get('ocpi-from-party-id')).toBe('HUB')

      for (const emsp of emsps) {
        const [delivered] = await emsp.platform.waitForRequests('/2.3.0/receiver/locations', 1)
        expect(delivered).toMatchObject({
          method: 'PUT',
          path: '/2.3.0/receiver/locations/NL/CP1/LOC1',
          body: location,
        })
        expect(delivered!.headers['ocpi-from-party-id']).toBe('HUB')
        expect(delivered!.headers['ocpi-to-party-id']).toBe(emsp.party.party_id)
        expect(delivered!.headers['x-correlation-id']).toBe(response.headers.get('x-correlation-id'))
      }
      expect(otherCpo.inbox('locations')).toEqual([])
      expect(cpo.inbox('locations')).toEqual([])

      const all = await emsps[0]!.call<{ data: unknown[] }>('/sender/locations')
      expect(all.body.data).toEqual([location])
    })

    it('[locations PATCH EVSE] merges into the stored Location, bumps its last_updated, and an identical repeat is not delivered again', async () => {
      await cpo.call('/receiver/locations/NL/CP1/LOC2', {
        method: 'PUT',
        body: aLocation({ id: 'LOC2', evses: [anEvse('E1', {}, cpo.party)] }, cpo.party),
      })
      await eventually(() =>
        expect(emsps[1]!.inbox('locations').filter((r) => r.path.includes('LOC2'))).toHaveLength(1),
      )

      const patch = { status: 'CHARGING', last_updated: '2026-11-28T12:00:00Z' }
      const first = await cpo.call('/receiver/locations/NL/CP1/LOC2/E1', { method: 'PATCH', body: patch })
      expect(first.status).toBe(200)
      await eventually(() =>
        expect(emsps[1]!.inbox('locations').filter((r) => r.path.includes('LOC2'))).toHaveLength(2),
      )
      const again = await cpo.call('/receiver/locations/NL/CP1/LOC2/E1', { method: 'PATCH', body: patch })
      expect(again.body.status_code).toBe(1000)

      const stored = await emsps[1]!.call<{ data: { last_updated: string; evses: { status: string }[] } }>(
        '/sender/locations/LOC2',
      )
      expect(stored.body.data.last_updated).toBe('2026-11-28T12:00:00Z')
      expect(stored.body.data.evses[0]!.status).toBe('CHARGING')
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(emsps[1]!.inbox('locations').filter((r) => r.path.includes('LOC2'))).toHaveLength(2)
    })

    it('[locations PUT again] 200 for a known Location; the same JSON (keys in another order) is not delivered again, a change is', async () => {
      const location = aLocation({ id: 'LOC3' }, cpo.party)
      const inbox = () => emsps[0]!.inbox('locations').filter((r) => r.path.endsWith('/LOC3'))
      const first = await cpo.call('/receiver/locations/NL/CP1/LOC3', { method: 'PUT', body: location })
      expect(first.status).toBe(201)
      await eventually(() => expect(inbox()).toHaveLength(1))

      const reordered = Object.fromEntries(Object.entries(location).reverse())
      const repeat = await cpo.call('/receiver/locations/NL/CP1/LOC3', { method: 'PUT', body: reordered })
      expect(repeat.status).toBe(200)
      expect(repeat.body.status_code).toBe(1000)

      const changed = { ...location, name: 'Renamed', last_updated: '2026-11-29T08:00:00Z' }
      const update = await cpo.call('/receiver/locations/NL/CP1/LOC3', { method: 'PUT', body: changed })
      expect(update.status).toBe(200)
      await eventually(() => expect(inbox()).toHaveLength(2))
      expect(inbox()[1]!.body).toEqual(changed)
      const stored = await emsps[0]!.call<{ data: unknown }>('/sender/locations/LOC3')
      expect(stored.body.data).toEqual(changed)
    })
  })
}
