import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Evse } from '../../../src/modules/locations/locations.schema.ts'
import { connectParty, eventually, type ConnectedParty } from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'
import { HbsSimulator, oicpDocumentsMissing } from './hbs-simulator.ts'
import { aForeignEvse, BRIDGE_SETTINGS as SETTINGS, bridgedHubEnv } from './oicp-fixtures.ts'

/**
 * HBS failing the pricing pulls (eRoamingPullPricingProductData, eRoamingPullEVSEPricing) does not fail the
 * pull (docs/bridges/oicp.md, Pricing): the EVSE data and statuses are published, the Tariffs published
 * before stay and the EVSEs published again keep naming them, and the operator sees why in
 * `health.last_sync_error`. The next pull HBS answers whole brings the prices up to date.
 */
const missing = oicpDocumentsMissing()
if (missing) console.warn(`OICP pricing pull failure tests skipped: ${missing}`)

/** DE*ABC's product for every EMP: per kWh, all day. */
const AC1 = {
  ProductID: 'AC1',
  ReferenceUnit: 'KILOWATT_HOUR',
  ProductPriceCurrency: 'EUR',
  PricePerReferenceUnit: 0.39,
  MaximumProductChargingPower: 22,
  IsValid24hours: true,
  ProductAvailabilityTimes: [{ Periods: [{ begin: '00:00', end: '24:00' }], on: 'Everyday' }],
  AdditionalReferences: [],
}

interface BridgeView {
  health: { last_sync_error: string | null; last_pull_at: string | null }
}

interface PullReport {
  locations: number
  statuses: number
  tariffs: number
}

for (const engine of STORE_VARIANTS) {
  describe.skipIf(missing !== undefined)(`${engine}: an OICP pull whose pricing HBS fails`, () => {
    let hbs: HbsSimulator
    let hub: TestHub
    let emsp: ConnectedParty

    beforeAll(async () => {
      hbs = await HbsSimulator.start({ subOperators: ['NL*CP1'] })
      hub = await startTestHub(engine, bridgedHubEnv(hbs))
      emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1')
      expect((await hub.admin('PUT', '/bridges/oicp', SETTINGS)).status).toBe(200)
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([emsp?.platform.close(), hbs?.close()])
    })

    async function sync(): Promise<PullReport> {
      const answer = await hub.admin<{ pulled: PullReport }>('POST', '/bridges/oicp/sync', {})
      expect(answer.status, JSON.stringify(answer.body)).toBe(200)
      return answer.body.pulled
    }
    const health = async () => (await hub.admin<BridgeView>('GET', '/bridges/oicp')).body.health
    /** The EVSEs of DE*ABC's pool the eMSP received, by their own PUT or in their Location's. */
    const evsesReceived = (evseId: string): Evse[] =>
      emsp
        .inbox('locations')
        .filter((r) => r.method === 'PUT')
        .flatMap((r) => {
          const body = r.body as { evses?: Evse[] } & Partial<Evse>
          return body.evses ?? (body.evse_id ? [body as Evse] : [])
        })
        .filter((evse) => evse.evse_id === evseId)
    const tariffIdsOf = (evse: Evse | undefined) => evse?.connectors.map((c) => c.tariff_ids ?? [])

    for (const [failing, service] of [
      ['products', '/dynamicpricing/v10/providers/DE-OPH/pricing-products'],
      ['EVSE pricing', '/dynamicpricing/v10/providers/DE-OPH/evse-pricing'],
    ] as const) {
      it(`publishes the EVSEs and statuses when HBS fails the ${failing} pull, keeping the Tariffs published before`, async () => {
        const [first, second] =
          failing === 'products' ? ['DE*ABC*E100', 'DE*ABC*E200'] : ['DE*ABC*E300', 'DE*ABC*E400']
        hbs.addForeignEvse(aForeignEvse(first), 'Available')
        hbs.addForeignProduct('DE*ABC', AC1)
        hbs.assignForeignProducts('DE*ABC', first, ['AC1'])
        await sync()
        await eventually(() => expect(tariffIdsOf(evsesReceived(first).at(-1))).toEqual([['AC1'], ['AC1']]))
        expect((await health()).last_sync_error).toBeNull()
        const tariffMessages = emsp.inbox('tariffs').length
        const pullAt = (await health()).last_pull_at

        // HBS's pricing service fails; meanwhile the first EVSE changed and a second one is new.
        hbs.unavailableServices = [service]
        try {
          hbs.addForeignEvse(aForeignEvse(first), 'Occupied')
          hbs.addForeignEvse(aForeignEvse(second), 'Available')
          hbs.assignForeignProducts('DE*ABC', second, ['AC1'])
          const pulled = await sync()
          expect(pulled).toMatchObject({ tariffs: 0 })
          expect(pulled.locations).toBeGreaterThanOrEqual(1)
        } finally {
          hbs.unavailableServices = []
        }
        await eventually(() => {
          // The changed EVSE keeps naming the Tariff it named; the new one names none yet.
          const changed = evsesReceived(first).at(-1)
          expect(changed?.status).toBe('CHARGING')
          expect(tariffIdsOf(changed)).toEqual([['AC1'], ['AC1']])
          expect(tariffIdsOf(evsesReceived(second).at(-1))).toEqual([[], []])
        })
        // The Tariff was neither deleted nor sent again.
        expect(emsp.inbox('tariffs')).toHaveLength(tariffMessages)
        const tariffs = await emsp.call<{ data: { id: string }[] }>('/sender/tariffs?limit=100')
        expect(tariffs.body.data.map((tariff) => tariff.id)).toContain('AC1')
        const noted = await health()
        expect(noted.last_sync_error).toContain('pricing not pulled')
        expect(noted.last_sync_error).toContain(service)
        // The pull counts: the next one asks HBS for the changes since it.
        expect(noted.last_pull_at).not.toBe(pullAt)

        // HBS answers the pricing again: the new EVSE's connectors name the Tariff, the note is gone.
        await sync()
        await eventually(() => {
          const patches = emsp
            .inbox('locations')
            .filter((r) => r.method === 'PATCH' && r.path.includes(`/${second}/`))
          expect(patches.map((r) => (r.body as { tariff_ids?: string[] }).tariff_ids)).toEqual([
            ['AC1'],
            ['AC1'],
          ])
        })
        expect((await health()).last_sync_error).toBeNull()
        expect(hbs.violations).toEqual([])
      })
    }
  })
}
