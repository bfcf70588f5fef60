import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCATION_SCAN_LIMIT } from '../../src/storage/location-overview.store.ts'
import { aLocation, anEvse } from '../fixtures/locations.ts'
import { connectParty, type ConnectedParty } from '../support/roaming-network.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'

/** GET /admin/locations (docs/admin-api.md): the stored Locations for the console's map and table. */

interface LocationView {
  id: string
  owner: { country_code: string; party_id: string }
  name: string | null
  address: string | null
  city: string | null
  coordinates: { latitude: number; longitude: number } | null
  evse_count: number
  evse_statuses: Record<string, number>
  evses: { uid: string; status: string }[]
  last_updated: string
}

interface LocationPage {
  locations: LocationView[]
  next_cursor: string | null
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: GET /admin/locations`, () => {
    let hub: TestHub
    let nl: ConnectedParty
    let be: ConnectedParty

    async function page(query: string): Promise<{ body: LocationPage; link: string | null }> {
      const response = await hub.admin<LocationPage>('GET', `/locations${query}`)
      expect(response.status, response.text).toBe(200)
      return { body: response.body, link: response.headers.get('link') }
    }

    /** Every Location the filter matches, page by page; and how many pages it took. */
    async function walk(query: string): Promise<{ ids: string[]; pages: number }> {
      const ids: string[] = []
      let cursor: string | null = null
      let pages = 0
      do {
        const { body, link } = await page(`?${query}${cursor ? `&cursor=${cursor}` : ''}`)
        ids.push(...body.locations.map((l) => `${l.owner.country_code}/${l.owner.party_id}/${l.id}`))
        cursor = body.next_cursor
        if (cursor) expect(link).toContain(`cursor=${cursor}`)
        else expect(link).toBeNull()
        pages++
      } while (cursor && pages < 100)
      return { ids, pages }
    }

    beforeAll(async () => {
      hub = await startTestHub(engine)
      nl = await connectParty(hub, 'CPO', 'NL', 'CPO')
      be = await connectParty(hub, 'CPO', 'BE', 'CPB')
      const put = async (party: ConnectedParty, id: string, city: string, evses: string[]) => {
        const response = await party.call(
          `/receiver/locations/${party.party.country_code}/${party.party.party_id}/${id}`,
          {
            method: 'PUT',
            body: aLocation(
              {
                id,
                name: `Station ${id}`,
                city,
                address: `${id} Street 1`,
                coordinates: { latitude: '52.090737', longitude: '-5.121420' },
                evses: evses.map((uid) => anEvse(uid, {}, party.party)),
              },
              party.party,
            ),
          },
        )
        expect(response.body.status_code).toBe(1000)
      }
      await put(nl, 'LOC1', 'Utrecht', ['E1', 'E2', 'E3'])
      await put(nl, 'LOC2', 'Amsterdam', ['E1'])
      await put(nl, 'LOC4', 'Rotterdam', [])
      await put(be, 'LOC3', 'Gent', ['E1', 'E2'])
      await put(be, 'LOC1', 'Brugge_100%', ['E1'])
      const patch = await nl.call('/receiver/locations/NL/CPO/LOC1/E2', {
        method: 'PATCH',
        body: { status: 'CHARGING', last_updated: '2026-12-06T10:00:00Z' },
      })
      expect(patch.body.status_code).toBe(1000)
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([nl, be].map((party) => party?.platform.close()))
    })

    it("shows each Location's owner, name, address, city, coordinates as numbers and EVSE statuses, in id order", async () => {
      const { body, link } = await page('')
      expect(link).toBeNull()
      expect(body.next_cursor).toBeNull()
      expect(body.locations.map((l) => `${l.owner.country_code}/${l.id}`)).toEqual([
        'BE/LOC1',
        'NL/LOC1',
        'NL/LOC2',
        'BE/LOC3',
        'NL/LOC4',
      ])
      expect(body.locations[1]).toEqual({
        id: 'LOC1',
        owner: { country_code: 'NL', party_id: 'CPO' },
        name: 'Station LOC1',
        address: 'LOC1 Street 1',
        city: 'Utrecht',
        coordinates: { latitude: 52.090737, longitude: -5.12142 },
        evse_count: 3,
        evse_statuses: { AVAILABLE: 2, CHARGING: 1 },
        evses: [
          { uid: 'E1', status: 'AVAILABLE' },
          { uid: 'E2', status: 'CHARGING' },
          { uid: 'E3', status: 'AVAILABLE' },
        ],
        last_updated: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) as unknown,
      })
      expect(body.locations[4]).toMatchObject({ id: 'LOC4', evse_count: 0, evse_statuses: {}, evses: [] })
    })

    it('pages follow next_cursor and Link, each Location once', async () => {
      const { ids, pages } = await walk('limit=2')
      expect(pages).toBe(3)
      expect(ids).toEqual(['BE/CPB/LOC1', 'NL/CPO/LOC1', 'NL/CPO/LOC2', 'BE/CPB/LOC3', 'NL/CPO/LOC4'])
    })

    it('filters by owner and by a part of the id, name, address or city, in any case', async () => {
      expect((await walk('country_code=be')).ids).toEqual(['BE/CPB/LOC1', 'BE/CPB/LOC3'])
      expect((await walk('country_code=NL&party_id=cpo&limit=1')).ids).toEqual([
        'NL/CPO/LOC1',
        'NL/CPO/LOC2',
        'NL/CPO/LOC4',
      ])
      expect((await walk('q=AMSTER')).ids).toEqual(['NL/CPO/LOC2'])
      expect((await walk('q=dam')).ids).toEqual(['NL/CPO/LOC2', 'NL/CPO/LOC4'])
      expect((await walk('q=loc3')).ids).toEqual(['BE/CPB/LOC3'])
      // % and _ are characters here, not patterns.
      expect((await walk(`q=${encodeURIComponent('_100%')}`)).ids).toEqual(['BE/CPB/LOC1'])
      expect((await walk('q=%25')).ids).toEqual(['BE/CPB/LOC1'])
      expect((await walk('party_id=XYZ')).ids).toEqual([])
    })

    it('a filtered page reads a bounded number of Locations: a rare match takes several short pages, none missed', async () => {
      // Many Locations of another owner ahead of the matches in id order, written straight to the store.
      const db = hub.testStore.store.db
      const filler = LOCATION_SCAN_LIMIT + 100
      await sql`
        insert into ocpi_objects (module, country_code, party_id, object_id, object_type, data, last_updated)
        select 'locations', 'DE', 'FIL', 'A' || lpad(g::text, 5, '0'), '',
               jsonb_build_object('id', 'A' || lpad(g::text, 5, '0'), 'name', 'filler', 'evses', '[]'::jsonb),
               now()
        from generate_series(1, ${filler}) g`.execute(db)
      const first = await page('?country_code=BE')
      expect(first.body.locations).toEqual([])
      expect(first.body.next_cursor).not.toBeNull()
      const { ids, pages } = await walk('country_code=BE')
      expect(ids).toEqual(['BE/CPB/LOC1', 'BE/CPB/LOC3'])
      expect(pages).toBe(2)
      expect((await walk('q=station&limit=1000')).ids).toHaveLength(5)
      // Unfiltered, a page is the limit whatever lies ahead.
      const unfiltered = await page('?limit=1000')
      expect(unfiltered.body.locations).toHaveLength(1000)
    })

    it('refuses a bad limit, cursor, owner or parameter with 400', async () => {
      for (const query of [
        'limit=0',
        'limit=1001',
        'cursor=bm9wZQ',
        'cursor=a.b',
        'country_code=N1',
        'party_id=AB',
        'q=',
        'sort=name',
      ]) {
        const response = await hub.admin('GET', `/locations?${query}`)
        expect(response.status, query).toBe(400)
        expect(response.body).toMatchObject({ title: 'ADMIN_INVALID_REQUEST' })
      }
    })
  })
}
