import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FoundLocation } from '../../marketplace/src/discovery/discovery.schema.ts'
import { NetworkCatalogue } from '../../marketplace/src/network/catalogue.ts'
import type { OcpiObject } from '../../marketplace/src/storage/store.ts'
import { aLocation } from '../fixtures/locations.ts'
import { aTariff } from '../fixtures/tariffs.ts'
import { connectParty, eventually, type ConnectedParty } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { startHubAndMarketplace, type HubAndMarketplace } from './support.ts'

const AROUND_UTRECHT = 'min_lat=52&min_lon=5&max_lat=52.2&max_lon=5.3'

/**
 * The marketplace's catalogue of the network is filled from the hub's Locations and Tariffs lists when it
 * registers (and at each start), so chargers published before it joined are found; pushes keep it current.
 */
describe.each(STORE_VARIANTS)('the network catalogue filled from the hub (%s)', (engine) => {
  let running: HubAndMarketplace
  let cpo: ConnectedParty

  beforeAll(async () => {
    running = await startHubAndMarketplace(engine, {
      // One object a page: the fill must follow the lists' Link headers to find them all.
      hubEnv: { PAGE_LIMIT_MAX: '1' },
      // A CPO that published before the marketplace existed: the hub has no reason to push it again.
      beforeMarketplace: async (hub) => {
        cpo = await connectParty(hub, 'CPO', 'DE', 'ERL')
        const pushes = [
          ['/receiver/tariffs/DE/ERL/AC-STANDARD', aTariff({ id: 'AC-STANDARD' }, cpo.party)],
          ['/receiver/tariffs/DE/ERL/DC-FAST', aTariff({ id: 'DC-FAST' }, cpo.party)],
          ['/receiver/locations/DE/ERL/LOC-EARLY', aLocation({ id: 'LOC-EARLY' }, cpo.party)],
          ['/receiver/locations/DE/ERL/LOC-EARLIER', aLocation({ id: 'LOC-EARLIER' }, cpo.party)],
        ] as const
        for (const [path, body] of pushes) {
          const answer = await cpo.call(path, { method: 'PUT', body })
          expect(answer.body.status_code, answer.text).toBe(1000)
        }
      },
    })
  })

  afterAll(async () => {
    await cpo?.platform.close()
    await running?.close()
  })

  it('finds the chargers their CPO published before the marketplace registered, with prices from their Tariffs', async () => {
    await eventually(async () => {
      const found = await running.api<FoundLocation[]>('GET', `/discovery/locations?${AROUND_UTRECHT}`)
      expect(found.body.map((location) => location.id).sort()).toEqual(['LOC-EARLIER', 'LOC-EARLY'])
      for (const location of found.body) expect(location.typical_charge).toBeDefined()
    })
    const tariffs = await new NetworkCatalogue(running.store.db).tariffs(cpo.party, [
      'AC-STANDARD',
      'DC-FAST',
    ])
    expect(tariffs.map((tariff) => tariff['id']).sort()).toEqual(['AC-STANDARD', 'DC-FAST'])
  })

  it('keeps a stored copy newer than the one read from a list, and takes an older one only from a push', async () => {
    const catalogue = new NetworkCatalogue(running.store.db)
    const path = { country_code: 'DE', party_id: 'ERL', location_id: 'LOC-KEEP' }
    const at = (last_updated: string, name: string) =>
      ({ ...aLocation({ id: 'LOC-KEEP', name, last_updated }, cpo.party) }) as unknown as OcpiObject
    await catalogue.writeLocation(path, 'PUT', at('2026-12-06T10:00:00Z', 'pushed later'))
    await catalogue.writeLocation(path, 'PUT', at('2026-12-06T09:00:00Z', 'listed earlier'), {
      keepNewer: true,
    })
    expect((await catalogue.location(cpo.party, 'LOC-KEEP'))?.name).toBe('pushed later')
    await catalogue.writeLocation(path, 'PUT', at('2026-12-06T11:00:00Z', 'listed later'), {
      keepNewer: true,
    })
    expect((await catalogue.location(cpo.party, 'LOC-KEEP'))?.name).toBe('listed later')
    // A push is the CPO's word: it replaces whatever is stored.
    await catalogue.writeLocation(path, 'PUT', at('2026-12-06T08:00:00Z', 'pushed earlier'))
    expect((await catalogue.location(cpo.party, 'LOC-KEEP'))?.name).toBe('pushed earlier')

    const tariff = (last_updated: string, currency: string) =>
      aTariff({ id: 'T-KEEP', currency, last_updated }, cpo.party) as unknown as OcpiObject
    await catalogue.putTariff(cpo.party, 'T-KEEP', tariff('2026-12-06T10:00:00Z', 'EUR'))
    await catalogue.putTariff(cpo.party, 'T-KEEP', tariff('2026-12-06T09:00:00Z', 'CHF'), { keepNewer: true })
    expect((await catalogue.tariffs(cpo.party, ['T-KEEP']))[0]?.['currency']).toBe('EUR')
  })
})
