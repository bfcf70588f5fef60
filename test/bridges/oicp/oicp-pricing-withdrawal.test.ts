import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aConnector, aLocation, anEvse } from '../../fixtures/locations.ts'
import { aTariff } from '../../fixtures/tariffs.ts'
import { connectParty, eventually, type ConnectedParty } from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'
import { HbsSimulator, oicpDocumentsMissing } from './hbs-simulator.ts'
import { BRIDGE_SETTINGS as SETTINGS, bridgedHubEnv } from './oicp-fixtures.ts'

const missing = oicpDocumentsMissing()
if (missing) console.warn(`OICP pricing withdrawal tests skipped: ${missing}`)

const PROVIDER = { country_code: 'DE', party_id: 'OPH' }

function anOicpTariff(id: string) {
  return aTariff(
    {
      id,
      tariff_alt_text: [],
      elements: [{ price_components: [{ type: 'ENERGY', price: 0.4, vat: 21, step_size: 1 }] }],
    },
    { country_code: 'NL', party_id: 'CP1' },
  )
}

for (const engine of STORE_VARIANTS) {
  describe.skipIf(missing !== undefined)(`${engine}: OICP pricing withdrawn by the roaming policy`, () => {
    let hbs: HbsSimulator
    let hub: TestHub
    let cpo: ConnectedParty

    beforeAll(async () => {
      hbs = await HbsSimulator.start({ subOperators: ['NL*CP1', 'DE*OPH'] })
      hub = await startTestHub(
        engine,
        bridgedHubEnv(hbs, {
          HUB_ROAMING_MODE: 'agreements',
        }),
      )
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      expect((await hub.admin('PUT', '/bridges/oicp', SETTINGS)).status).toBe(200)
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo?.platform.close(), hbs?.close()])
    })

    type Entry = { direction: string; path: string; note: string | null; correlation_id: string }
    /** The notes of the OICP pricing calls in the message log. */
    const pricingNotes = async () => {
      const log = await hub.admin<{ messages: Entry[] }>('GET', '/messages?limit=200')
      return log.body.messages
        .filter((m) => m.direction === 'out' && m.path.includes('/dynamicpricing/'))
        .map((m) => m.note ?? '')
    }
    const agree = async (modules: string[]) => {
      const created = await hub.admin<{ id: string }>('POST', '/agreements', {
        cpo: cpo.party,
        emsp: PROVIDER,
        modules,
      })
      expect((await hub.admin('POST', `/agreements/${created.body.id}/accept`)).status).toBe(200)
      return created.body.id
    }
    let tariffsAgreement: string

    it('takes a Tariff off HBS when the roaming policy withdraws it from the hub provider, its EVSE staying, and the message log says why', async () => {
      // Locations and Tariffs under separate agreements: ending one withdraws the Tariffs alone.
      await agree(['locations'])
      tariffsAgreement = await agree(['tariffs'])
      await cpo.call('/receiver/tariffs/NL/CP1/T1', { method: 'PUT', body: anOicpTariff('T1') })
      // The product first: a Location and a Tariff delivered at the same time may miss each other.
      await eventually(() => expect(hbs.products.has('NL*CP1*T1')).toBe(true))
      await cpo.call('/receiver/locations/NL/CP1/LOC-W', {
        method: 'PUT',
        body: aLocation(
          {
            id: 'LOC-W',
            evses: [anEvse('W1', { connectors: [aConnector('1', { tariff_ids: ['T1'] })] }, cpo.party)],
            help_phone: '+31 30 123 4567',
          },
          cpo.party,
        ),
      })
      await eventually(() => expect(hbs.evsePricing.get('NL*CP1*EW1')).toEqual(['NL*CP1*T1']))

      expect((await hub.admin('POST', `/agreements/${tariffsAgreement}/end`)).status).toBe(200)
      await eventually(() => expect(hbs.products.has('NL*CP1*T1')).toBe(false))
      expect(hbs.evsePricing.has('NL*CP1*EW1')).toBe(false)
      expect(hbs.evses.get('NL*CP1*EW1')?.deleted).toBe(false)
      await eventually(async () =>
        expect((await pricingNotes()).filter((note) => note.includes('roaming policy'))).toHaveLength(2),
      )
      expect(hbs.violations).toEqual([])
    })

    it('sends in a full push no Tariff the roaming policy keeps from HBS', async () => {
      const synced = await hub.admin('POST', '/bridges/oicp/sync', { full_push: true })
      expect(synced.status, synced.text).toBe(200)
      expect(hbs.evses.get('NL*CP1*EW1')?.deleted).toBe(false)
      expect(hbs.products.has('NL*CP1*T1')).toBe(false)
      expect(hbs.evsePricing.has('NL*CP1*EW1')).toBe(false)
      expect(hbs.violations).toEqual([])
    })

    it('sends the Tariff again once the policy lets it reach HBS, and says in the message log when its CPO deletes it', async () => {
      await agree(['tariffs'])
      await eventually(() => expect(hbs.evsePricing.get('NL*CP1*EW1')).toEqual(['NL*CP1*T1']))
      const deleted = await cpo.call('/receiver/tariffs/NL/CP1/T1', { method: 'DELETE' })
      expect(deleted.body.status_code).toBe(1000)
      await eventually(() => expect(hbs.products.has('NL*CP1*T1')).toBe(false))
      expect(hbs.evsePricing.has('NL*CP1*EW1')).toBe(false)
      await eventually(async () =>
        expect((await pricingNotes()).filter((note) => note.includes('deleted by its CPO'))).toHaveLength(2),
      )
      expect(hbs.violations).toEqual([])
    })
  })
}
