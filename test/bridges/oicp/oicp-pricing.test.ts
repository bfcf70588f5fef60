import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aConnector, aLocation, anEvse } from '../../fixtures/locations.ts'
import { aTariff } from '../../fixtures/tariffs.ts'
import { connectParty, eventually, type ConnectedParty } from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'
import { HbsSimulator, oicpDocumentsMissing } from './hbs-simulator.ts'
import { BRIDGE_SETTINGS as SETTINGS, bridgedHubEnv } from './oicp-fixtures.ts'

const missing = oicpDocumentsMissing()
if (missing) console.warn(`OICP pricing tests skipped: ${missing}`)

/** A Tariff OICP can carry: energy price, start fee, parking fee, a minimum, on workdays by day. */
const ENERGY_TARIFF = aTariff(
  {
    id: 'AC-DAY',
    tariff_alt_text: [],
    elements: [
      {
        price_components: [
          { type: 'ENERGY', price: 0.35, vat: 21, step_size: 1 },
          { type: 'FLAT', price: 1, vat: 21, step_size: 1 },
        ],
        restrictions: {
          day_of_week: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'],
          start_time: '07:00',
          end_time: '19:00',
          max_power: 22,
        },
      },
      {
        price_components: [{ type: 'PARKING_TIME', price: 2, vat: 21, step_size: 60 }],
        restrictions: {
          day_of_week: ['FRIDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY'],
          start_time: '07:00',
          end_time: '19:00',
          max_power: 22,
        },
      },
    ],
    min_price: { before_taxes: 2, after_taxes: 2.42 },
  },
  { country_code: 'NL', party_id: 'CP1' },
)

for (const engine of STORE_VARIANTS) {
  describe.skipIf(missing !== undefined)(`${engine}: OCPI Tariffs as OICP pricing`, () => {
    let hbs: HbsSimulator
    let hub: TestHub
    let cpo: ConnectedParty

    beforeAll(async () => {
      hbs = await HbsSimulator.start({ subOperators: ['NL*CP1', 'DE*OPH'] })
      hub = await startTestHub(engine, bridgedHubEnv(hbs))
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      expect((await hub.admin('PUT', '/bridges/oicp', SETTINGS)).status).toBe(200)
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo?.platform.close(), hbs?.close()])
    })

    it('pushes a Tariff as a pricing product for every EMP and assigns it to the EVSEs whose connectors name it, also when the Location came first', async () => {
      const location = aLocation(
        {
          id: 'LOC-PRICED',
          evses: [anEvse('P1', { connectors: [aConnector('1', { tariff_ids: ['AC-DAY'] })] }, cpo.party)],
          help_phone: '+31 30 123 4567',
        },
        cpo.party,
      )
      await cpo.call('/receiver/locations/NL/CP1/LOC-PRICED', { method: 'PUT', body: location })
      await eventually(() => expect(hbs.evses.get('NL*CP1*EP1')?.deleted).toBe(false))
      // No product yet: the EVSE has nothing to be assigned.
      expect(hbs.requestsTo('/evse-pricing')).toEqual([])

      const pushed = await cpo.call('/receiver/tariffs/NL/CP1/AC-DAY', { method: 'PUT', body: ENERGY_TARIFF })
      expect(pushed.body.status_code).toBe(1000)
      await eventually(() => expect(hbs.evsePricing.get('NL*CP1*EP1')).toEqual(['NL*CP1*AC-DAY']))
      expect(hbs.requestsTo('/pricing-products')[0]!.body).toEqual({
        ActionType: 'insert',
        PricingProductData: {
          OperatorID: 'DE*OPH',
          OperatorName: 'Open OCPI Hub',
          ProviderID: '*',
          PricingDefaultPrice: 0,
          PricingDefaultPriceCurrency: 'EUR',
          PricingDefaultReferenceUnit: 'KILOWATT_HOUR',
          PricingProductDataRecords: [
            {
              ProductID: 'NL*CP1*AC-DAY',
              ReferenceUnit: 'KILOWATT_HOUR',
              ProductPriceCurrency: 'EUR',
              PricePerReferenceUnit: 0.35,
              MaximumProductChargingPower: 22,
              IsValid24hours: false,
              ProductAvailabilityTimes: [{ Periods: [{ begin: '07:00', end: '19:00' }], on: 'Workdays' }],
              AdditionalReferences: [
                {
                  AdditionalReference: 'START FEE',
                  AdditionalReferenceUnit: 'KILOWATT_HOUR',
                  PricePerAdditionalReferenceUnit: 1,
                },
                {
                  AdditionalReference: 'PARKING FEE',
                  AdditionalReferenceUnit: 'HOUR',
                  PricePerAdditionalReferenceUnit: 2,
                },
                {
                  AdditionalReference: 'MINIMUM FEE',
                  AdditionalReferenceUnit: 'KILOWATT_HOUR',
                  PricePerAdditionalReferenceUnit: 2,
                },
              ],
            },
          ],
        },
      })
      expect(hbs.requestsTo('/evse-pricing')[0]!.body).toEqual({
        ActionType: 'insert',
        EVSEPricing: [{ EvseID: 'NL*CP1*EP1', ProviderID: '*', EvseIDProductList: ['NL*CP1*AC-DAY'] }],
      })
      expect(hbs.violations).toEqual([])
    })

    it('sends a changed Tariff as an update and a changed Location’s assignment as an update', async () => {
      const changed = {
        ...ENERGY_TARIFF,
        elements: [{ price_components: [{ type: 'TIME' as const, price: 3, step_size: 60 }] }],
        min_price: null,
        last_updated: '2026-12-06T12:00:00Z',
      }
      await cpo.call('/receiver/tariffs/NL/CP1/AC-DAY', { method: 'PUT', body: changed })
      await eventually(() =>
        expect(hbs.products.get('NL*CP1*AC-DAY')).toMatchObject({
          ReferenceUnit: 'HOUR',
          PricePerReferenceUnit: 3,
        }),
      )
      const last = hbs.requestsTo('/pricing-products').at(-1)!.body
      expect(last).toMatchObject({
        ActionType: 'update',
        PricingProductData: {
          PricingProductDataRecords: [
            { IsValid24hours: true, ProductAvailabilityTimes: [], MaximumProductChargingPower: 1000 },
          ],
        },
      })
      const pricingCalls = hbs.requestsTo('/evse-pricing').length
      await cpo.call('/receiver/locations/NL/CP1/LOC-PRICED/P1', {
        method: 'PATCH',
        body: { floor_level: '1', last_updated: '2026-12-06T12:05:00Z' },
      })
      await eventually(() => expect(hbs.requestsTo('/evse-pricing')).toHaveLength(pricingCalls + 1))
      expect(hbs.requestsTo('/evse-pricing').at(-1)!.body).toMatchObject({ ActionType: 'update' })
      expect(hbs.violations).toEqual([])
    })

    it('refuses a Tariff OICP cannot carry with its reason, withdrawing the version HBS held, and sends nothing of it', async () => {
      // aTariff's TIME price applies after the first hour only (min_duration): no OICP product says that.
      const unmappable = aTariff({ id: 'AC-DAY', last_updated: '2026-12-06T13:00:00Z' }, cpo.party)
      const pushed = await cpo.call('/receiver/tariffs/NL/CP1/AC-DAY', { method: 'PUT', body: unmappable })
      expect(pushed.body.status_code).toBe(1000)
      const correlationId = pushed.headers.get('x-correlation-id')!
      await eventually(() => expect(hbs.products.has('NL*CP1*AC-DAY')).toBe(false))
      expect(hbs.evsePricing.has('NL*CP1*EP1')).toBe(false)
      expect(JSON.stringify(hbs.requests)).not.toContain('"PricePerReferenceUnit":0.39')

      const bridge = await hub.admin<{ refusals: { id: string; reason: string; correlation_id: string }[] }>(
        'GET',
        '/bridges/oicp',
      )
      const refusal = bridge.body.refusals.find((r) => r.id === 'AC-DAY')
      expect(refusal).toMatchObject({ correlation_id: correlationId })
      expect(refusal!.reason).toContain('one product per element')
      await eventually(async () => {
        const dead = await hub.admin<{ deliveries: { correlation_id: string; last_error: string | null }[] }>(
          'GET',
          '/deliveries?state=dead',
        )
        const parked = dead.body.deliveries.find((d) => d.correlation_id === correlationId)
        expect(parked?.last_error).toContain('one product per element')
      })
      expect(hbs.violations).toEqual([])
    })

    it('sends in a full push the Tariffs the pushed EVSEs name, which the bridge was off for', async () => {
      expect((await hub.admin('PUT', '/bridges/oicp', { ...SETTINGS, enabled: false })).status).toBe(200)
      const early = { ...ENERGY_TARIFF, id: 'AC-EARLY' }
      await cpo.call('/receiver/tariffs/NL/CP1/AC-EARLY', { method: 'PUT', body: early })
      const location = aLocation(
        {
          id: 'LOC-EARLY',
          evses: [anEvse('P2', { connectors: [aConnector('1', { tariff_ids: ['AC-EARLY'] })] }, cpo.party)],
          help_phone: '+31 30 123 4567',
        },
        cpo.party,
      )
      await cpo.call('/receiver/locations/NL/CP1/LOC-EARLY', { method: 'PUT', body: location })
      expect((await hub.admin('PUT', '/bridges/oicp', SETTINGS)).status).toBe(200)
      expect(hbs.products.has('NL*CP1*AC-EARLY')).toBe(false)

      const synced = await hub.admin('POST', '/bridges/oicp/sync', { full_push: true })
      expect(synced.status).toBe(200)
      expect(hbs.products.get('NL*CP1*AC-EARLY')).toMatchObject({ PricePerReferenceUnit: 0.35 })
      expect(hbs.evsePricing.get('NL*CP1*EP2')).toEqual(['NL*CP1*AC-EARLY'])
      expect(hbs.violations).toEqual([])
    })

    it('deletes a deleted Tariff’s product at HBS after taking it off the EVSEs', async () => {
      await cpo.call('/receiver/tariffs/NL/CP1/AC-DAY', { method: 'PUT', body: ENERGY_TARIFF })
      await eventually(() => expect(hbs.evsePricing.get('NL*CP1*EP1')).toEqual(['NL*CP1*AC-DAY']))
      const deleted = await cpo.call('/receiver/tariffs/NL/CP1/AC-DAY', { method: 'DELETE' })
      expect(deleted.body.status_code).toBe(1000)
      await eventually(() => expect(hbs.products.has('NL*CP1*AC-DAY')).toBe(false))
      expect(hbs.evsePricing.has('NL*CP1*EP1')).toBe(false)
      expect(hbs.violations).toEqual([])
    })
  })
}
