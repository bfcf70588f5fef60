import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Cdr } from '../../src/modules/cdrs/cdrs.schema.ts'
import type { Tariff } from '../../src/modules/tariffs/tariffs.schema.ts'
import { aCdr } from '../fixtures/cdrs.ts'
import { aLocation } from '../fixtures/locations.ts'
import { aTariff } from '../fixtures/tariffs.ts'
import { capturedLog } from '../support/captured-log.ts'
import { envelope } from '../support/fake-platform.ts'
import { call } from '../support/http.ts'
import { connectParty, eventually, routeHeaders, type ConnectedParty } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'

/**
 * Tariffs a CPO sends to one eMSP alone (OCPI-to naming it, docs/pricing.md): forwarded as always, and
 * kept with their audience so that the quote and the CDR check for that eMSP's drivers use them, and
 * nobody else ever sees them.
 */

const AT = {
  country_code: 'NL',
  party_id: 'CP1',
  location_id: 'LOC-FIXTURE-1',
  evse_uid: 'EVSE-A',
  connector_id: '1',
}
// Two hours, 20 kWh: 0.50 start fee + 20 kWh + the second hour at 1.20/h.
const CHARGE = { start_date_time: '2026-12-08T08:00:00Z', energy_kwh: 20, power_kw: 10 }
const PUBLIC_TOTAL = 0.5 + 20 * 0.39 + 1.2 // 9.50
const EM1_TOTAL = 0.5 + 20 * 0.29 + 1.2 // 7.50
const CDRS = '/2.3.0/receiver/cdrs'
const TARIFFS = '/2.3.0/receiver/tariffs'

/** The fixture Tariff AC-STANDARD with its energy at `price` per kWh. */
function tariffWithEnergyAt(cpo: ConnectedParty, price: number): Tariff {
  const tariff = aTariff({ last_updated: '2026-12-01T00:00:00Z' }, cpo.party)
  tariff.elements[1] = { price_components: [{ type: 'ENERGY', price, vat: 21, step_size: 1 }] }
  return tariff
}

interface Envelope {
  status_code: number
  data?: Record<string, unknown> & { total?: { excl_vat: number } }
}

interface DiscrepancyPage {
  discrepancies: { cdr_id: string; recomputed: { total: { excl_vat: number } } }[]
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: Tariffs sent to one eMSP alone`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let em1: ConnectedParty
    let em2: ConnectedParty
    const log = capturedLog()

    const pushTo = (to: ConnectedParty, tariff: Tariff, method: 'PUT' | 'DELETE' = 'PUT') =>
      cpo.call(`/receiver/tariffs/NL/CP1/${tariff.id}`, {
        method,
        ...(method === 'PUT' && { body: tariff }),
        headers: routeHeaders(cpo.party, to.party),
      })
    const quoteBy = async (emsp: ConnectedParty) => {
      const answer = await call<Envelope>(`${hub.url}/ocpi/hub/price-quotes`, {
        method: 'POST',
        body: { location: AT, charge: CHARGE },
        token: emsp.platform.tokenToHub,
      })
      expect(answer.status, answer.text).toBe(200)
      return answer.body.data?.total?.excl_vat
    }
    const adminQuote = async (emsp?: { country_code: string; party_id: string }) => {
      const answer = await hub.admin<{ total: { excl_vat: number } }>('POST', '/price-quotes', {
        location: AT,
        charge: CHARGE,
        ...(emsp && { emsp }),
      })
      expect(answer.status, answer.text).toBe(200)
      return answer.body.total.excl_vat
    }

    beforeAll(async () => {
      hub = await startTestHub(engine, {}, { logger: log.logger })
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      em1 = await connectParty(hub, 'EMSP', 'DE', 'EM1')
      em2 = await connectParty(hub, 'EMSP', 'DE', 'EM2')
      const location = aLocation({}, cpo.party)
      await cpo.call(`/receiver/locations/NL/CP1/${location.id}`, { method: 'PUT', body: location })
      const broadcast = await cpo.call('/receiver/tariffs/NL/CP1/AC-STANDARD', {
        method: 'PUT',
        body: tariffWithEnergyAt(cpo, 0.39),
      })
      expect(broadcast.body.status_code).toBe(1000)
      await em2.platform.waitForRequests(TARIFFS, 1)
      const targeted = await pushTo(em1, tariffWithEnergyAt(cpo, 0.29))
      expect(targeted.body.status_code, targeted.text).toBe(1000)
      for (const emsp of [em1, em2]) {
        emsp.platform.answer('POST', CDRS, (request) => ({
          status: 201,
          body: envelope(null, 1000, 'stored'),
          headers: { location: `${emsp.platform.url}${CDRS}/stored/${(request.body as Cdr).id}` },
        }))
      }
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo, em1, em2].filter(Boolean).map((party) => party.platform.close()))
    })

    it('reach their eMSP only, as before', () => {
      const prices = (emsp: ConnectedParty) =>
        emsp.platform
          .requestsUnder(TARIFFS)
          .map((request) => (request.body as Tariff).elements[1]?.price_components[0]?.price)
      expect(prices(em1)).toEqual([0.39, 0.29])
      expect(prices(em2)).toEqual([0.39])
    })

    it("price the quote of that eMSP's driver, over OCPI and in the admin API; every other quote stays public", async () => {
      expect(await quoteBy(em1)).toBeCloseTo(EM1_TOTAL, 6)
      expect(await quoteBy(em2)).toBeCloseTo(PUBLIC_TOTAL, 6)
      expect(await adminQuote({ country_code: 'de', party_id: 'em1' })).toBeCloseTo(EM1_TOTAL, 6)
      expect(await adminQuote({ country_code: 'DE', party_id: 'EM2' })).toBeCloseTo(PUBLIC_TOTAL, 6)
      expect(await adminQuote()).toBeCloseTo(PUBLIC_TOTAL, 6)
    })

    it('are in nobody’s GET All via the hub: it lists the public Tariff alone', async () => {
      for (const emsp of [em1, em2]) {
        const list = await emsp.call<{ data: Tariff[] }>('/sender/tariffs')
        expect(list.body.data.map((tariff) => tariff.elements[1]?.price_components[0]?.price)).toEqual([0.39])
      }
    })

    it("price the CDR check of that eMSP's CDRs; another eMSP's CDRs are checked against the public Tariff", async () => {
      // The fixture CDR moved to after the targeted push (the hub knows that price from then on): 20 kWh in
      // 1.5 h, 0.50 + energy + 0.60 of time, no tariffs of its own.
      const start = Math.ceil(Date.now() / 1000) * 1000 + 1000
      const at = (ms: number) => new Date(start + ms).toISOString().replace('.000Z', 'Z')
      const fixture = aCdr()
      const cdr = (id: string, to: ConnectedParty, beforeTaxes: number) =>
        aCdr(
          {
            id,
            tariffs: undefined,
            start_date_time: at(0),
            end_date_time: at(5_400_000),
            charging_periods: fixture.charging_periods.map((period, index) => ({
              ...period,
              start_date_time: at(index * 3_600_000),
            })),
            total_cost: {
              before_taxes: beforeTaxes,
              taxes: [{ name: 'VAT', percentage: 21, amount: beforeTaxes * 0.21 }],
            },
            total_energy_cost: undefined,
          },
          cpo.party,
          to.party,
        )
      const sent = [
        cdr('CDR-EM1-RIGHT', em1, 0.5 + 20 * 0.29 + 0.6),
        cdr('CDR-EM1-PUBLIC', em1, 0.5 + 20 * 0.39 + 0.6),
        cdr('CDR-EM2-RIGHT', em2, 0.5 + 20 * 0.39 + 0.6),
      ]
      for (const one of sent) {
        const answer = await cpo.call('/receiver/cdrs', { method: 'POST', body: one })
        expect(answer.status, answer.text).toBe(201)
      }
      await eventually(() => {
        const checked = log.lines.filter((line) => String(line['msg']).startsWith('CDR price'))
        expect(checked.map((line) => line['msg'])).toEqual([
          expect.stringMatching(/^CDR price (checked|differs)/),
          expect.stringMatching(/^CDR price (checked|differs)/),
          expect.stringMatching(/^CDR price (checked|differs)/),
        ])
      })
      const page = await hub.admin<DiscrepancyPage>('GET', '/price-discrepancies')
      expect(page.body.discrepancies.map((found) => found.cdr_id)).toEqual(['CDR-EM1-PUBLIC'])
      expect(page.body.discrepancies[0]!.recomputed.total.excl_vat).toBeCloseTo(6.9, 6)
    })

    it('an eMSP that refuses one does not hold it; a DELETE sent to the eMSP brings the public Tariff back', async () => {
      em2.platform.answer('PUT', `${TARIFFS}/NL/CP1/AC-STANDARD`, () => ({
        status: 200,
        body: envelope(null, 2001, 'not for us'),
      }))
      const refused = await pushTo(em2, tariffWithEnergyAt(cpo, 0.09))
      expect(refused.body.status_code).toBe(2001)
      expect(await quoteBy(em2)).toBeCloseTo(PUBLIC_TOTAL, 6)

      const removed = await pushTo(em1, tariffWithEnergyAt(cpo, 0.29), 'DELETE')
      expect(removed.body.status_code, removed.text).toBe(1000)
      expect(await quoteBy(em1)).toBeCloseTo(PUBLIC_TOTAL, 6)
    })
  })
}
