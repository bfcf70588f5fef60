import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Value } from '@sinclair/typebox/value'
import type { Location } from '../../../src/modules/locations/locations.schema.ts'
import { Tariff } from '../../../src/modules/tariffs/tariffs.schema.ts'
import { connectParty, eventually, type ConnectedParty } from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'
import { HbsSimulator, oicpDocumentsMissing } from './hbs-simulator.ts'
import { aForeignEvse, BRIDGE_SETTINGS as SETTINGS, bridgedHubEnv } from './oicp-fixtures.ts'

const missing = oicpDocumentsMissing()
if (missing) console.warn(`OICP pricing pull tests skipped: ${missing}`)

/** DE*ABC's product for every EMP: per kWh on workdays' daytime, with a start fee and a minimum. */
const AC1 = {
  ProductID: 'AC1',
  ReferenceUnit: 'KILOWATT_HOUR',
  ProductPriceCurrency: 'EUR',
  PricePerReferenceUnit: 0.39,
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
      AdditionalReference: 'MINIMUM FEE',
      AdditionalReferenceUnit: 'KILOWATT_HOUR',
      PricePerAdditionalReferenceUnit: 2,
    },
  ],
}

/** A parking fee per kWh: OCPI prices parking by time only. */
const PARKING_PER_KWH = {
  ...AC1,
  ProductID: 'PARK-KWH',
  AdditionalReferences: [
    {
      AdditionalReference: 'PARKING FEE',
      AdditionalReferenceUnit: 'KILOWATT_HOUR',
      PricePerAdditionalReferenceUnit: 0.1,
    },
  ],
}

interface BridgeView {
  virtual_cpos: { country_code: string; party_id: string }[]
  merged_operators: { operator_id: string; country_code: string; party_id: string }[]
  refusals: { kind: string; id: string; reason: string }[]
}

for (const engine of STORE_VARIANTS) {
  describe.skipIf(missing !== undefined)(
    `${engine}: OICP CPOs' pricing and operators that are OCPI parties`,
    () => {
      let hbs: HbsSimulator
      let hub: TestHub
      let emsp: ConnectedParty
      let direct: ConnectedParty

      beforeAll(async () => {
        hbs = await HbsSimulator.start({ subOperators: ['NL*CP1', 'DE*OPH'] })
        hub = await startTestHub(engine, bridgedHubEnv(hbs))
        emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1')
        // A CPO at Hubject that is also connected to the hub directly by OCPI.
        direct = await connectParty(hub, 'CPO', 'DE', 'XYZ')
        const configured = await hub.admin('PUT', '/bridges/oicp', SETTINGS)
        expect(configured.status).toBe(200)
      })
      afterAll(async () => {
        await hub?.close()
        await Promise.all([emsp?.platform.close(), direct?.platform.close(), hbs?.close()])
      })

      async function sync() {
        const answer = await hub.admin<{
          pulled: { operators: string[]; merged: string[]; tariffs: number }
        }>('POST', '/bridges/oicp/sync', {})
        expect(answer.status).toBe(200)
        return answer.body.pulled
      }

      it('publishes an OICP CPO’s pricing product as an OCPI Tariff that the EVSE’s connectors name, and reports a product OCPI cannot carry', async () => {
        hbs.addForeignEvse(aForeignEvse('DE*ABC*E100'), 'Available')
        hbs.addForeignProduct('DE*ABC', AC1)
        hbs.addForeignProduct('DE*ABC', PARKING_PER_KWH)
        hbs.assignForeignProducts('DE*ABC', 'DE*ABC*E100', ['AC1', 'PARK-KWH'])

        const pulled = await sync()
        expect(pulled).toMatchObject({ operators: ['DE*ABC'], tariffs: 1 })

        const [put] = await emsp.platform.waitForRequests('/2.3.0/receiver/tariffs/DE/ABC/AC1', 1)
        const tariff = put!.body as Tariff
        expect(put!.method).toBe('PUT')
        expect(Value.Errors(Tariff, tariff).First()).toBeUndefined()
        expect(tariff).toMatchObject({
          country_code: 'DE',
          party_id: 'ABC',
          id: 'AC1',
          currency: 'EUR',
          type: 'REGULAR',
          tax_included: 'NO',
          min_price: { before_taxes: 2 },
          elements: [
            {
              price_components: [
                { type: 'ENERGY', price: 0.39, step_size: 1 },
                { type: 'FLAT', price: 1, step_size: 1 },
              ],
              restrictions: {
                day_of_week: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'],
                start_time: '07:00',
                end_time: '19:00',
                max_power: 22,
              },
            },
          ],
        })
        const [delivered] = await emsp.platform.waitForRequests('/2.3.0/receiver/locations/DE/ABC', 1)
        const location = delivered!.body as Location
        expect(location.evses![0]!.connectors.map((connector) => connector.tariff_ids)).toEqual([
          ['AC1'],
          ['AC1'],
        ])
        // The product OCPI cannot carry is reported, never half-published.
        const bridge = await hub.admin<BridgeView>('GET', '/bridges/oicp')
        const refused = bridge.body.refusals.find((r) => r.kind === 'ProductID' && r.id === 'PARK-KWH')
        expect(refused?.reason).toContain('per kWh')
        expect(emsp.inbox('tariffs').filter((r) => r.path.includes('PARK-KWH'))).toEqual([])
        expect(hbs.requestsTo('/dynamicpricing/v10/providers/DE-OPH/pricing-products').at(-1)!.body).toEqual({
          OperatorIDs: ['DE*ABC'],
        })
        expect(hbs.violations).toEqual([])
      })

      it('deletes the Tariff of a product HBS no longer offers, after the connectors stop naming it', async () => {
        hbs.foreignProducts.get('DE*ABC')!.get('*')!.delete('AC1')
        hbs.assignForeignProducts('DE*ABC', 'DE*ABC*E100', [])
        await sync()

        const [removal] = await eventually(() => {
          const requests = emsp.inbox('tariffs').filter((r) => r.method === 'DELETE')
          expect(requests).toHaveLength(1)
          return requests
        })
        expect(removal!.path).toBe('/2.3.0/receiver/tariffs/DE/ABC/AC1')
        const patches = await emsp.platform.waitForRequests(
          '/2.3.0/receiver/locations/DE/ABC/DE*ABC*P1/DE*ABC*E100/',
          2,
        )
        expect(patches.map((r) => [r.method, (r.body as { tariff_ids: unknown }).tariff_ids])).toEqual([
          ['PATCH', []],
          ['PATCH', []],
        ])
        expect(hbs.violations).toEqual([])
      })

      it('publishes nothing of an OICP operator whose CPO is connected to the hub directly, and says so once', async () => {
        hbs.addForeignEvse(
          aForeignEvse('DE*XYZ*E1', {
            OperatorID: 'DE*XYZ',
            OperatorName: 'XYZ',
            ChargingPoolID: 'DE*XYZ*P1',
          }),
          'Available',
        )
        hbs.addForeignProduct('DE*XYZ', { ...AC1, ProductID: 'XYZ-AC' })

        const pulled = await sync()
        expect(pulled).toMatchObject({ operators: [], merged: ['DE*XYZ'] })
        // Not asked for its prices, and none of its EVSEs in the hub's copy that eMSPs read.
        expect(hbs.requestsTo('/dynamicpricing/v10/providers/').at(-1)!.body['OperatorIDs']).toEqual([
          'DE*ABC',
        ])
        const listed = await emsp.call('/sender/locations?limit=100')
        expect(JSON.stringify(listed.body)).not.toContain('DE*XYZ')
        const tariffs = await emsp.call('/sender/tariffs?limit=100')
        expect(JSON.stringify(tariffs.body)).not.toContain('XYZ-AC')

        await sync()
        const bridge = await hub.admin<BridgeView>('GET', '/bridges/oicp')
        expect(bridge.body.virtual_cpos).toEqual([
          expect.objectContaining({ country_code: 'DE', party_id: 'ABC' }),
        ])
        expect(bridge.body.merged_operators).toEqual([
          expect.objectContaining({ operator_id: 'DE*XYZ', country_code: 'DE', party_id: 'XYZ' }),
        ])
        const told = bridge.body.refusals.filter((r) => r.kind === 'OperatorID')
        expect(told).toHaveLength(1)
        expect(told[0]!.reason).toContain('connected to the hub directly')
        expect(emsp.inbox('locations').filter((r) => r.path.includes('/DE/XYZ/'))).toEqual([])
        expect(hbs.violations).toEqual([])
      })

      it('retires a virtual CPO whose party connected directly while the bridge was off, so that the party is never live twice', async () => {
        const off = await hub.admin('PUT', '/bridges/oicp', { ...SETTINGS, enabled: false })
        expect(off.status).toBe(200)
        const abc = await connectParty(hub, 'CPO', 'DE', 'ABC')
        try {
          const on = await hub.admin<BridgeView>('PUT', '/bridges/oicp', SETTINGS)
          expect(on.status).toBe(200)
          expect(on.body.virtual_cpos).toEqual([])
          expect(on.body.merged_operators.map((m) => m.operator_id)).toEqual(['DE*XYZ', 'DE*ABC'])
          expect(on.body.refusals.filter((r) => r.kind === 'OperatorID').map((r) => r.id)).toEqual([
            'DE*ABC',
            'DE*XYZ',
          ])
          // The pull publishes and pulls nothing of it any more: no status of its EVSE reaches the eMSP.
          hbs.statuses.set('DE*ABC*E100', 'Occupied')
          const pricingPulls = hbs.requestsTo('/dynamicpricing/v10/providers/').length
          const pulled = await sync()
          expect(pulled).toMatchObject({ operators: [], merged: [] })
          // No virtual CPO left: no operator's prices to ask for.
          expect(hbs.requestsTo('/dynamicpricing/v10/providers/')).toHaveLength(pricingPulls)
          const listed = await emsp.call('/sender/locations?limit=100')
          const held = (listed.body.data as Location[]).find((l) => l.id === 'DE*ABC*P1')
          expect(held?.evses?.[0]?.status).toBe('AVAILABLE')
          expect(hbs.violations).toEqual([])
        } finally {
          await abc.platform.close()
        }
      })
    },
  )
}
