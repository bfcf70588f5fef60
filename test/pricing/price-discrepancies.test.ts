import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Cdr } from '../../src/modules/cdrs/cdrs.schema.ts'
import { aCdr } from '../fixtures/cdrs.ts'
import { aLocation } from '../fixtures/locations.ts'
import { aTariff } from '../fixtures/tariffs.ts'
import { capturedLog } from '../support/captured-log.ts'
import { envelope } from '../support/fake-platform.ts'
import { connectParty, eventually, type ConnectedParty } from '../support/roaming-network.ts'
import { pruneTariffVersions } from '../../src/storage/tariff-versions.store.ts'
import { quoteConnector } from '../../src/modules/tariffs/price-quote.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'

const CDRS = '/2.3.0/receiver/cdrs'

interface DiscrepancyPage {
  discrepancies: {
    cdr_id: string
    cpo: { country_code: string; party_id: string }
    emsp: { country_code: string; party_id: string }
    tariff_source: string
    differences: { field: string; taxes: string; cdr: number; recomputed: number }[]
    recomputed: { total: { excl_vat: number; incl_vat: number } }
  }[]
  next_cursor: string | null
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: the CDR check stores price discrepancies`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let emsp: ConnectedParty
    const log = capturedLog()

    beforeAll(async () => {
      hub = await startTestHub(engine, {}, { logger: log.logger })
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1')
      emsp.platform.answer('POST', CDRS, (request) => ({
        status: 201,
        body: envelope(null, 1000, 'stored'),
        headers: { location: `${emsp.platform.url}${CDRS}/stored/${(request.body as Cdr).id}` },
      }))
      const location = aLocation({}, cpo.party)
      expect(
        (await cpo.call(`/receiver/locations/NL/CP1/${location.id}`, { method: 'PUT', body: location })).body
          .status_code,
      ).toBe(1000)
      const tariff = aTariff({}, cpo.party)
      expect(
        (await cpo.call(`/receiver/tariffs/NL/CP1/${tariff.id}`, { method: 'PUT', body: tariff })).body
          .status_code,
      ).toBe(1000)
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo, emsp].filter(Boolean).map((party) => party.platform.close()))
    })

    const checked = (cdrId: string) =>
      eventually(() => {
        const line = log.lines.find(
          (entry) => entry['cdrId'] === cdrId && String(entry['msg']).startsWith('CDR price'),
        )
        if (!line) throw new Error(`CDR ${cdrId} not checked yet`)
        return line
      })

    it('records a CDR whose total disagrees with the published tariff, not a correct one; both reach the eMSP unchanged', async () => {
      // 8.90 before taxes and 21 % VAT of each component (1.869): right within a cent.
      const correct = aCdr(
        {
          id: 'CDR-RIGHT',
          tariffs: undefined,
          total_cost: { before_taxes: 8.9, taxes: [{ name: 'VAT', percentage: 21, amount: 1.87 }] },
        },
        cpo.party,
        emsp.party,
      )
      const wrong = aCdr(
        {
          id: 'CDR-WRONG',
          tariffs: undefined,
          total_cost: { before_taxes: 9.5, taxes: [{ name: 'VAT', percentage: 21, amount: 2 }] },
        },
        cpo.party,
        emsp.party,
      )
      for (const cdr of [correct, wrong]) {
        const answer = await cpo.call('/receiver/cdrs', { method: 'POST', body: cdr })
        expect(answer.status).toBe(201)
        expect(answer.body.status_code).toBe(1000)
      }
      await checked('CDR-RIGHT')
      await checked('CDR-WRONG')

      const page = await hub.admin<DiscrepancyPage>('GET', '/price-discrepancies')
      expect(page.status).toBe(200)
      expect(page.body.discrepancies).toHaveLength(1)
      const [found] = page.body.discrepancies
      expect(found).toMatchObject({
        cdr_id: 'CDR-WRONG',
        cpo: { country_code: 'NL', party_id: 'CP1' },
        emsp: { country_code: 'DE', party_id: 'EM1' },
        tariff_source: 'published',
        recomputed: { total: { excl_vat: 8.9 } },
      })
      expect(found!.differences).toContainEqual(
        expect.objectContaining({ field: 'total_cost', taxes: 'before_taxes', cdr: 9.5, recomputed: 8.9 }),
      )

      const delivered = emsp.platform.requestsTo('POST', CDRS).map((request) => request.body)
      expect(delivered).toEqual([JSON.parse(JSON.stringify(correct)), JSON.parse(JSON.stringify(wrong))])
    })

    it("lists the discrepancy beside the clearing statement of the CDR's CPO, eMSP and month", async () => {
      const response = await hub.admin<{
        statements: {
          cpo: { party_id: string }
          currency: string
          price_discrepancies: { cdr_id: string; description: string }[]
        }[]
      }>('GET', '/clearing/statements?month=2026-03')
      expect(response.status, response.text).toBe(200)
      const [statement] = response.body.statements
      expect(statement).toMatchObject({ cpo: { party_id: 'CP1' }, currency: 'EUR' })
      expect(statement!.price_discrepancies).toEqual([
        {
          cdr_id: 'CDR-WRONG',
          description: expect.stringContaining('total_cost (before_taxes): CDR 9.5, tariffs 8.9') as string,
        },
      ])
    })

    it('filters by CPO, eMSP and the period the session started in', async () => {
      const count = async (query: string) =>
        (await hub.admin<DiscrepancyPage>('GET', `/price-discrepancies?${query}`)).body.discrepancies.length
      expect(await count('cpo=NL*CP1')).toBe(1)
      expect(await count('cpo=NL-CP2')).toBe(0)
      expect(await count('emsp=DE*EM1')).toBe(1)
      expect(await count('emsp=DE*EM2')).toBe(0)
      expect(await count('from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z')).toBe(1)
      expect(await count('from=2026-03-03T00:00:00Z')).toBe(0)
    })

    it('prices each moment of a session by the tariff version valid then (dynamic pricing)', async () => {
      const push = async (price: number) => {
        const tariff = aTariff({ id: 'AC-DYN' }, cpo.party)
        tariff.elements[1] = { price_components: [{ type: 'ENERGY', price, vat: 21, step_size: 1 }] }
        const answer = await cpo.call('/receiver/tariffs/NL/CP1/AC-DYN', { method: 'PUT', body: tariff })
        expect(answer.body.status_code).toBe(1000)
      }
      await push(0.39)
      await push(0.49)
      const versions = await hub.testStore.store.db
        .selectFrom('tariff_versions')
        .select('valid_from')
        .where('tariff_id', '=', 'AC-DYN')
        .orderBy('id')
        .execute()
      expect(versions).toHaveLength(2)
      // One hour around the price change: 10 kWh at 0.39 and 10 kWh at 0.49, plus the 0.50 start fee.
      const change = Math.floor(new Date(versions[1]!.valid_from).getTime() / 1000) * 1000
      const at = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z')
      const dynamic = (id: string, beforeTaxes: number, vat: number) =>
        aCdr(
          {
            id,
            tariffs: undefined,
            start_date_time: at(change - 1_800_000),
            end_date_time: at(change + 1_800_000),
            charging_periods: [
              {
                start_date_time: at(change - 1_800_000),
                dimensions: [
                  { type: 'ENERGY', volume: 20 },
                  { type: 'TIME', volume: 1 },
                ],
                tariff_id: 'AC-DYN',
              },
            ],
            total_cost: { before_taxes: beforeTaxes, taxes: [{ name: 'VAT', percentage: 21, amount: vat }] },
            total_fixed_cost: undefined,
            total_energy_cost: undefined,
            total_time_cost: undefined,
          },
          cpo.party,
          emsp.party,
        )
      // 9.30 is right; 10.30 prices the whole session at the newer version.
      for (const cdr of [dynamic('CDR-DYN-RIGHT', 9.3, 1.95), dynamic('CDR-DYN-WRONG', 10.3, 2.16)]) {
        expect((await cpo.call('/receiver/cdrs', { method: 'POST', body: cdr })).status).toBe(201)
        await checked(cdr.id)
      }
      const page = await hub.admin<DiscrepancyPage>('GET', '/price-discrepancies')
      const ids = page.body.discrepancies.map((found) => found.cdr_id)
      expect(ids).toContain('CDR-DYN-WRONG')
      expect(ids).not.toContain('CDR-DYN-RIGHT')
      const wrong = page.body.discrepancies.find((found) => found.cdr_id === 'CDR-DYN-WRONG')
      expect(wrong!.recomputed.total.excl_vat).toBeCloseTo(9.3, 2)
    })

    it("retention prunes the versions replaced before the cut-off and keeps each tariff's current one", async () => {
      const db = hub.testStore.store.db
      const before = await db
        .selectFrom('tariff_versions')
        .select(['tariff_id', 'id'])
        .orderBy('id')
        .execute()
      expect(before.filter((row) => row.tariff_id === 'AC-DYN')).toHaveLength(2)
      const deleted = await pruneTariffVersions(db, new Date(Date.now() + 86_400_000))
      const after = await db.selectFrom('tariff_versions').select(['tariff_id', 'id']).orderBy('id').execute()
      expect(deleted).toBe(1)
      expect(after.map((row) => row.tariff_id).sort()).toEqual(['AC-DYN', 'AC-STANDARD'])
      expect(after.find((row) => row.tariff_id === 'AC-DYN')!.id).toBe(before.at(-1)!.id)
    })

    it('quotes a charge at a connector with the tariffs it names, and says when it cannot', async () => {
      const db = hub.hub.context.db
      const at = { cpo: cpo.party, location_id: 'LOC-FIXTURE-1', evse_uid: 'EVSE-A', connector_id: '1' }
      const charge = { start_date_time: '2026-12-08T08:00:00Z', energy_kwh: 20, power_kw: 10 }
      // Two hours: 0.50 start fee, 20 kWh at 0.39, the second hour at 1.20/h.
      const quote = await quoteConnector(db, { ...at, charge })
      expect(quote).toMatchObject({
        outcome: 'PRICED',
        tariff_ids: ['AC-STANDARD'],
        price: {
          total: { excl_vat: 9.5 },
          costs: { fixed: { excl_vat: 0.5 }, energy: { excl_vat: 7.8 }, time: { excl_vat: 1.2 } },
        },
      })
      expect(await quoteConnector(db, { ...at, evse_uid: 'EVSE-B', charge })).toMatchObject({
        outcome: 'NO_TARIFF',
        detail: "None of the connector's tariffs (DC-FAST) is at the hub",
      })
      expect((await quoteConnector(db, { ...at, location_id: 'LOC-NONE', charge })).outcome).toBe(
        'UNKNOWN_LOCATION',
      )
      expect((await quoteConnector(db, { ...at, evse_uid: 'EVSE-Z', charge })).outcome).toBe('UNKNOWN_EVSE')
      expect((await quoteConnector(db, { ...at, connector_id: '9', charge })).outcome).toBe(
        'UNKNOWN_CONNECTOR',
      )
      await expect(quoteConnector(db, { ...at, charge: { ...charge, energy_kwh: -1 } })).rejects.toThrow(
        /energy_kwh/,
      )
    })

    it('refuses a malformed filter or cursor with 400', async () => {
      expect((await hub.admin('GET', '/price-discrepancies?cpo=NLCP1')).status).toBe(400)
      expect((await hub.admin('GET', '/price-discrepancies?from=yesterday')).status).toBe(400)
      expect((await hub.admin('GET', '/price-discrepancies?cursor=bm90LWEtY3Vyc29y')).status).toBe(400)
    })
  })
}
