import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aLocation } from '../fixtures/locations.ts'
import { aTariff } from '../fixtures/tariffs.ts'
import { call } from '../support/http.ts'
import { createOperator, signIn } from '../support/operator-session.ts'
import { connectParty, type ConnectedParty } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'

/**
 * The price quote over HTTP (docs/pricing.md): an eMSP asks the hub with its OCPI token, the console with
 * an operator's session; both get the engine's price split by dimension for the connector's Tariffs.
 */

const AT = {
  country_code: 'NL',
  party_id: 'CP1',
  location_id: 'LOC-FIXTURE-1',
  evse_uid: 'EVSE-A',
  connector_id: '1',
}
// Two hours: 0.50 start fee, 20 kWh at 0.39, the second hour at 1.20/h (the fixture tariff AC-STANDARD).
const CHARGE = { start_date_time: '2026-12-08T08:00:00Z', energy_kwh: 20, power_kw: 10 }
const EXPECTED = {
  outcome: 'PRICED',
  tariff_ids: ['AC-STANDARD'],
  currency: 'EUR',
  total: { excl_vat: 9.5 },
  costs: { fixed: { excl_vat: 0.5 }, energy: { excl_vat: 7.8 }, time: { excl_vat: 1.2 } },
}

/** A hub (with `env`) where CPO NL*CP1 published the fixture Location and its Tariff, and eMSP DE*`emspId`. */
async function hubWithPricedLocation(engine: (typeof STORE_VARIANTS)[number], emspId: string, env = {}) {
  const hub = await startTestHub(engine, env)
  const cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
  const emsp = await connectParty(hub, 'EMSP', 'DE', emspId)
  const location = aLocation({}, cpo.party)
  await cpo.call(`/receiver/locations/NL/CP1/${location.id}`, { method: 'PUT', body: location })
  const tariff = aTariff({}, cpo.party)
  await cpo.call(`/receiver/tariffs/NL/CP1/${tariff.id}`, { method: 'PUT', body: tariff })
  return { hub, cpo, emsp }
}

interface Envelope {
  status_code: number
  status_message?: string
  data?: Record<string, unknown>
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: price quotes over HTTP`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let emsp: ConnectedParty
    const quote = (body: unknown, token: string | undefined = emsp.platform.tokenToHub) =>
      call<Envelope>(`${hub.url}/ocpi/hub/price-quotes`, { method: 'POST', body, token })

    beforeAll(async () => {
      ;({ hub, cpo, emsp } = await hubWithPricedLocation(engine, 'EM1'))
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo, emsp].map((party) => party?.platform.close()))
    })

    it('an eMSP gets the price split by dimension, in the OCPI envelope', async () => {
      const answer = await quote({ location: AT, charge: CHARGE })
      expect(answer.status, answer.text).toBe(200)
      expect(answer.body.status_code).toBe(1000)
      expect(answer.body.data).toMatchObject(EXPECTED)
    })

    it('says when the connector has no tariff at the hub, and answers 404 (2003) for an unknown place', async () => {
      const none = await quote({ location: { ...AT, evse_uid: 'EVSE-B' }, charge: CHARGE })
      expect(none.status).toBe(200)
      expect(none.body.data?.['outcome']).toBe('NO_TARIFF')
      expect(none.body.data?.['detail']).toContain('DC-FAST')
      for (const place of [{ location_id: 'LOC-NONE' }, { evse_uid: 'EVSE-Z' }, { connector_id: '9' }]) {
        const unknown = await quote({ location: { ...AT, ...place }, charge: CHARGE })
        expect(unknown.status, JSON.stringify(place)).toBe(404)
        expect(unknown.body.status_code).toBe(2003)
      }
    })

    it('refuses bad input with OCPI 2001 and an unknown token with 401', async () => {
      for (const body of [
        { location: AT },
        { location: AT, charge: { ...CHARGE, energy_kwh: -1 } },
        { location: AT, charge: { ...CHARGE, start_date_time: 'tomorrow' } },
        { location: { ...AT, country_code: 'NLD' }, charge: CHARGE },
        { location: AT, charge: { ...CHARGE, surprise: 1 } },
      ]) {
        const refused = await quote(body)
        // The hub's policy for a body its schema refuses (docs/status-codes.md): OCPI 2001, naming the field.
        expect(refused.body.status_code, JSON.stringify(body)).toBe(2001)
        expect(refused.body.data).toBeUndefined()
      }
      expect((await quote({ location: AT, charge: CHARGE }, 'not-a-token')).status).toBe(401)
    })

    it('the console gets the same quote with an operator session, a viewer too; bad input is a problem', async () => {
      await createOperator(hub, 'quotes@hub.example', 'a quote is not a change', 'viewer')
      const viewer = await signIn(hub.url, 'quotes@hub.example', 'a quote is not a change')
      const byViewer = await viewer.call('POST', '/price-quotes', { location: AT, charge: CHARGE })
      expect(byViewer.status, byViewer.text).toBe(200)
      expect(byViewer.body).toMatchObject(EXPECTED)
      const byToken = await hub.admin('POST', '/price-quotes', { location: AT, charge: CHARGE })
      expect(byToken.body).toEqual(byViewer.body)
      const unknown = await hub.admin('POST', '/price-quotes', {
        location: { ...AT, evse_uid: 'EVSE-Z' },
        charge: CHARGE,
      })
      expect(unknown.status).toBe(404)
      expect(unknown.body).toMatchObject({ title: 'ADMIN_NOT_FOUND' })
      const bad = await hub.admin('POST', '/price-quotes', {
        location: AT,
        charge: { ...CHARGE, energy_kwh: -1 },
      })
      expect(bad.status).toBe(400)
    })
  })

  describe(`${engine}: price quotes under roaming agreements`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let stranger: ConnectedParty

    beforeAll(async () => {
      ;({
        hub,
        cpo,
        emsp: stranger,
      } = await hubWithPricedLocation(engine, 'EM2', { HUB_ROAMING_MODE: 'agreements' }))
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo, stranger].map((party) => party?.platform.close()))
    })

    it('an eMSP without an agreement cannot price the CPO’s chargers: they are unknown to it until one is active', async () => {
      const ask = () =>
        call<Envelope>(`${hub.url}/ocpi/hub/price-quotes`, {
          method: 'POST',
          body: { location: AT, charge: CHARGE },
          token: stranger.platform.tokenToHub,
        })
      const refused = await ask()
      expect(refused.status).toBe(404)
      expect(refused.body.status_code).toBe(2003)

      const proposed = await hub.admin<{ id: string }>('POST', '/agreements', {
        cpo: { country_code: 'NL', party_id: 'CP1' },
        emsp: { country_code: 'DE', party_id: 'EM2' },
      })
      expect(proposed.status, proposed.text).toBe(201)
      expect((await hub.admin('POST', `/agreements/${proposed.body.id}/accept`)).status).toBe(200)
      const priced = await ask()
      expect(priced.status, priced.text).toBe(200)
      expect(priced.body.data).toMatchObject(EXPECTED)
    })
  })
}
