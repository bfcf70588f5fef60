import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aCommandResponse, aReserveNow, aStartSession } from '../../fixtures/commands.ts'
import { aLocation } from '../../fixtures/locations.ts'
import { envelope } from '../../support/fake-platform.ts'
import type { OcpiEnvelopeBody } from '../../support/http.ts'
import { connectParty, eventually, routeHeaders, type ConnectedParty } from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

interface AgreementView {
  id: string
  state: string
}

/** The ids of the Locations a party reads through GET All via the hub. */
async function locationIdsSeenBy(party: ConnectedParty): Promise<string[]> {
  const response = await party.call<OcpiEnvelopeBody & { data: { id: string }[] }>('/sender/locations')
  expect(response.body.status_code).toBe(1000)
  expect(response.headers.get('x-total-count')).toBe(String(response.body.data.length))
  return response.body.data.map((location) => location.id).sort()
}

function locationPuts(party: ConnectedParty, id: string) {
  return party.inbox('locations').filter((r) => r.method === 'PUT' && r.path.endsWith(`/${id}`))
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: an agreement limited to some of the CPO's Locations`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let emsp: ConnectedParty

    beforeAll(async () => {
      hub = await startTestHub(engine, { HUB_ROAMING_MODE: 'agreements', DELIVERY_POLL_INTERVAL_MS: '50' })
      cpo = await connectParty(hub, 'CPO', 'NL', 'SC1')
      emsp = await connectParty(hub, 'EMSP', 'DE', 'SCE')
      for (const command of ['START_SESSION', 'RESERVE_NOW']) {
        cpo.platform.answer('POST', `/2.3.0/receiver/commands/${command}`, () => ({
          status: 200,
          body: envelope(aCommandResponse()),
        }))
      }
      const created = await hub.admin<AgreementView>('POST', '/agreements', {
        cpo: cpo.party,
        emsp: emsp.party,
        location_ids: ['loc-sc-1'],
      })
      expect(created.status).toBe(201)
      expect((await hub.admin('POST', `/agreements/${created.body.id}/accept`)).status).toBe(200)
      for (const id of ['LOC-SC-1', 'LOC-SC-2']) {
        const pushed = await cpo.call(`/receiver/locations/NL/SC1/${id}`, {
          method: 'PUT',
          body: aLocation({ id }, cpo.party),
        })
        expect(pushed.body.status_code).toBe(1000)
      }
      await eventually(() => expect(locationPuts(emsp, 'LOC-SC-1')).toHaveLength(1))
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo, emsp].map((p) => p?.platform.close()))
    })

    it('GET All via the hub shows the Location in the agreement, not the other one', async () => {
      expect(locationPuts(emsp, 'LOC-SC-2')).toEqual([])
      expect(await locationIdsSeenBy(emsp)).toEqual(['LOC-SC-1'])
    })

    it('reading the Location in the agreement by id works; the other one is unknown, and refused when routed to the CPO', async () => {
      const inScope = await emsp.call<OcpiEnvelopeBody & { data: { id: string } }>(
        '/sender/locations/LOC-SC-1',
      )
      expect(inScope.body.status_code).toBe(1000)
      expect(inScope.body.data.id).toBe('LOC-SC-1')
      const outside = await emsp.call('/sender/locations/LOC-SC-2')
      expect(outside.status).toBe(404)
      expect(outside.body.status_code).toBe(2003)
      const routed = await emsp.call('/sender/locations/LOC-SC-2', {
        headers: routeHeaders(emsp.party, cpo.party),
      })
      expect(routed.body.status_code).toBe(4001)
      expect(routed.body.status_message).toContain('locations at Location LOC-SC-2')
      expect(cpo.platform.requestsUnder('/2.3.0/sender/locations')).toEqual([])
    })

    it('START_SESSION and RESERVE_NOW at a Location outside the agreement are refused with 4001 and say why; inside they reach the CPO', async () => {
      const commandsAtCpo = () => cpo.platform.requestsUnder('/2.3.0/receiver/commands')
      const refusedStart = await emsp.call('/receiver/commands/START_SESSION', {
        method: 'POST',
        body: aStartSession({ location_id: 'LOC-SC-2' }, emsp.party),
        headers: routeHeaders(emsp.party, cpo.party),
      })
      expect(refusedStart.status).toBe(200)
      expect(refusedStart.body.status_code).toBe(4001)
      expect(refusedStart.body.status_message).toContain(
        'no active roaming agreement covers commands at Location LOC-SC-2',
      )
      // Open routing finds the CPO from the Location, and the Location is refused the same way.
      const refusedReserve = await emsp.call('/receiver/commands/RESERVE_NOW', {
        method: 'POST',
        body: aReserveNow({ location_id: 'LOC-SC-2' }, emsp.party),
      })
      expect(refusedReserve.body.status_code).toBe(4001)
      expect(commandsAtCpo()).toEqual([])

      const allowed = await emsp.call('/receiver/commands/START_SESSION', {
        method: 'POST',
        body: aStartSession(
          {
            location_id: 'LOC-SC-1',
            response_url: `${emsp.platform.url}/2.3.0/sender/commands/results/sc-1`,
          },
          emsp.party,
        ),
        headers: routeHeaders(emsp.party, cpo.party),
      })
      expect(allowed.body.status_code).toBe(1000)
      expect(commandsAtCpo()).toHaveLength(1)
    })
  })
}
