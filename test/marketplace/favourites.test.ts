import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_FAVOURITES } from '../../marketplace/src/favourites/favourites.ts'
import { PASSWORD, startHubAndMarketplace, type HubAndMarketplace } from './support.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'

interface Favourite {
  country_code: string
  party_id: string
  location_id: string
  created_at: string
}

/** Drivers' favourite chargers (GET/PUT/DELETE /api/favourites/…): per member, idempotent, in the export, erased. */
describe.each(STORE_VARIANTS)('favourite chargers (%s)', (engine) => {
  let market: HubAndMarketplace
  let driver = ''
  let other = ''

  beforeAll(async () => {
    market = await startHubAndMarketplace(engine)
    driver = await market.signUp('favourite.driver@example.org')
    other = await market.signUp('other.driver@example.org')
  })

  afterAll(async () => {
    await market?.close()
  })

  const keys = (list: Favourite[]) => list.map((f) => `${f.country_code}/${f.party_id}/${f.location_id}`)

  it('keeps, lists (latest first) and removes favourites, each member their own, twice the same as once', async () => {
    expect((await market.api('PUT', '/favourites/DE/RCP/LOC-1', undefined, driver)).status).toBe(204)
    expect((await market.api('PUT', '/favourites/NL/SHR/LOC-2', undefined, driver)).status).toBe(204)
    expect((await market.api('PUT', '/favourites/DE/RCP/LOC-1', undefined, driver)).status).toBe(204)
    const mine = await market.api<Favourite[]>('GET', '/favourites', undefined, driver)
    expect(mine.status, mine.text).toBe(200)
    expect(keys(mine.body)).toEqual(['NL/SHR/LOC-2', 'DE/RCP/LOC-1'])
    expect((await market.api<Favourite[]>('GET', '/favourites', undefined, other)).body).toEqual([])

    expect((await market.api('DELETE', '/favourites/NL/SHR/LOC-2', undefined, driver)).status).toBe(204)
    expect((await market.api('DELETE', '/favourites/NL/SHR/LOC-2', undefined, driver)).status).toBe(204)
    expect(keys((await market.api<Favourite[]>('GET', '/favourites', undefined, driver)).body)).toEqual([
      'DE/RCP/LOC-1',
    ])
  })

  it('refuses the signed-out (401) and a malformed key (400), storing nothing', async () => {
    expect((await market.api('GET', '/favourites')).status).toBe(401)
    expect((await market.api('PUT', '/favourites/DE/RCP/LOC-3')).status).toBe(401)
    const malformed = await market.api<{ message: string }>(
      'PUT',
      '/favourites/de/RCP/LOC-3',
      undefined,
      other,
    )
    expect(malformed.status).toBe(400)
    expect(malformed.body.message).toMatch(/country_code/)
    expect((await market.api('PUT', `/favourites/DE/RCP/${'x'.repeat(37)}`, undefined, other)).status).toBe(
      400,
    )
    expect((await market.api<Favourite[]>('GET', '/favourites', undefined, other)).body).toEqual([])
  })

  it('lists favourites in the export and erases them with the account', async () => {
    const exported = await market.api<{ favourites: Favourite[] }>('GET', '/me/export', undefined, driver)
    expect(keys(exported.body.favourites)).toEqual(['DE/RCP/LOC-1'])
    const deleted = await market.api('DELETE', '/me', { password: PASSWORD }, driver)
    expect(deleted.status, deleted.text).toBe(204)
    const left = await market.store.db.selectFrom('favourites').select('location_id').execute()
    expect(left).toEqual([])
  })

  it('refuses one more favourite at the limit (409) but keeps one already kept again (204)', async () => {
    const collector = await market.signUp('many.favourites@example.org')
    for (let n = 0; n < MAX_FAVOURITES; n++) {
      const kept = await market.api('PUT', `/favourites/DE/RCP/FAV-${n}`, undefined, collector)
      expect(kept.status, kept.text).toBe(204)
    }
    const oneMore = await market.api<{ message: string }>(
      'PUT',
      '/favourites/DE/RCP/FAV-NEW',
      undefined,
      collector,
    )
    expect(oneMore.status).toBe(409)
    expect(oneMore.body.message).toMatch(/remove one first/)
    expect((await market.api('PUT', '/favourites/DE/RCP/FAV-7', undefined, collector)).status).toBe(204)
    const list = await market.api<Favourite[]>('GET', '/favourites', undefined, collector)
    expect(list.body).toHaveLength(MAX_FAVOURITES)
    expect(keys(list.body)).not.toContain('DE/RCP/FAV-NEW')
  })
})
