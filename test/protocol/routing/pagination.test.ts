import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Location } from '../../../src/modules/locations/locations.schema.ts'
import { aLocation } from '../../fixtures/locations.ts'
import { connectParty, HUB_PARTY, routeHeaders, type ConnectedParty } from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'
import { scaled } from '../../support/time-limits.ts'

const OBJECT_COUNT = 300
/** The hub's X-Limit in this file: below the object count, so that a page is capped by it. */
const PAGE_LIMIT_MAX = 100
const PUSH_BATCH = 25
const FIRST_UPDATE = Date.parse('2026-01-01T00:00:00Z')

/** The i-th object's last_updated: one minute apart, so every object has its own. */
const updatedAt = (i: number) => new Date(FIRST_UPDATE + i * 60_000).toISOString().replace('.000Z', 'Z')
const locationId = (i: number) => `LOC-${String(i).padStart(3, '0')}`

interface Page {
  readonly status: number
  readonly statusCode: number
  readonly objects: Location[]
  readonly ids: string[]
  readonly lastUpdated: string[]
  readonly totalCount: string | null
  readonly limit: string | null
  /** The `Link` URL of the next page, or undefined on the last page. */
  readonly next: URL | undefined
}

function nextOf(link: string | null): URL | undefined {
  if (link === null) return undefined
  const match = /^<([^>]+)>; rel="next"$/.exec(link)
  if (!match?.[1]) throw new Error(`not a next link: ${link}`)
  return new URL(match[1])
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: GET All pagination through the hub`, () => {
    let hub: TestHub
    let cpos: ConnectedParty[]
    let emsp: ConnectedParty
    /** Every location pushed, in the order the hub must serve them (by last_updated). */
    let expected: Location[]

    /** One page of GET All locations as the eMSP; `path` is relative to /ocpi/2.3.0 or a full hub URL. */
    async function getPage(path: string): Promise<Page> {
      const relative = path.startsWith(hub.url) ? path.slice(`${hub.url}/ocpi/2.3.0`.length) : path
      const response = await emsp.call<{ data?: Location[]; status_code: number }>(relative, {
        headers: routeHeaders(emsp.party, HUB_PARTY),
      })
      return {
        status: response.status,
        statusCode: response.body.status_code,
        objects: response.body.data ?? [],
        ids: (response.body.data ?? []).map((l) => l.id),
        lastUpdated: (response.body.data ?? []).map((l) => l.last_updated),
        totalCount: response.headers.get('x-total-count'),
        limit: response.headers.get('x-limit'),
        next: nextOf(response.headers.get('link')),
      }
    }

    /** Follows `Link` from `first` to the last page. */
    async function walk(first: string): Promise<Page[]> {
      const pages = [await getPage(first)]
      for (let next = pages[0]!.next; next; next = pages.at(-1)!.next) {
        if (pages.length > OBJECT_COUNT) throw new Error('Link never ends')
        pages.push(await getPage(next.toString()))
      }
      return pages
    }

    beforeAll(async () => {
      hub = await startTestHub(engine, {
        DELIVERY_RETRY_BASE_MS: '50',
        DELIVERY_POLL_INTERVAL_MS: '50',
        PAGE_LIMIT_MAX: String(PAGE_LIMIT_MAX),
      })
      cpos = [
        await connectParty(hub, 'CPO', 'NL', 'CP1'),
        await connectParty(hub, 'CPO', 'NL', 'CP2'),
        await connectParty(hub, 'CPO', 'BE', 'CP3'),
      ]
      expected = Array.from({ length: OBJECT_COUNT }, (_, i) =>
        aLocation({ id: locationId(i), last_updated: updatedAt(i) }, cpos[i % cpos.length]!.party),
      )
      // Pushed newest first, so that the order of storing differs from the order of serving.
      const pushOrder = [...expected].reverse()
      for (let start = 0; start < pushOrder.length; start += PUSH_BATCH) {
        const batch = pushOrder.slice(start, start + PUSH_BATCH)
        const answers = await Promise.all(
          batch.map((location) => {
            const owner = cpos.find((c) => c.party.party_id === location.party_id)!
            return owner.call(
              `/receiver/locations/${location.country_code}/${location.party_id}/${location.id}`,
              {
                method: 'PUT',
                body: location,
              },
            )
          }),
        )
        for (const answer of answers) expect(answer.status, answer.text).toBe(201)
      }
      // Connected after the pushes: nothing is queued for it, and GET All is how it learns them.
      emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1')
    }, scaled(120_000))
    afterAll(async () => {
      await hub?.close()
      await Promise.all([...(cpos ?? []), ...(emsp ? [emsp] : [])].map((p) => p.platform.close()))
    })

    it('[locations GET All limit=50] Link walks every page: each within the limit, every object exactly once, ordered by last_updated', async () => {
      const pages = await walk('/sender/locations?limit=50')

      expect(pages).toHaveLength(OBJECT_COUNT / 50)
      for (const page of pages) {
        expect(page.status).toBe(200)
        expect(page.statusCode).toBe(1000)
        expect(page.ids.length).toBeGreaterThan(0)
        expect(page.ids.length).toBeLessThanOrEqual(50)
        expect(page.totalCount).toBe(String(OBJECT_COUNT))
        expect(page.limit).toBe(String(PAGE_LIMIT_MAX))
      }
      for (const page of pages.slice(0, -1)) {
        expect(`${page.next!.origin}${page.next!.pathname}`).toBe(`${hub.url}/ocpi/2.3.0/sender/locations`)
        expect(page.next!.searchParams.get('limit')).toBe('50')
      }
      expect(pages.at(-1)!.next).toBeUndefined()
      const served = pages.flatMap((p) => p.ids)
      expect(served).toEqual(expected.map((l) => l.id))
      expect(new Set(served).size).toBe(OBJECT_COUNT)
      expect(pages.flatMap((p) => p.lastUpdated)).toEqual(expected.map((l) => l.last_updated))
      // Served as pushed: nothing added, dropped or re-dated.
      expect(pages.flatMap((p) => p.objects)).toEqual(expected)

      // Same URL, same answer.
      const again = await walk('/sender/locations?limit=50')
      expect(again.map((p) => p.ids)).toEqual(pages.map((p) => p.ids))
    })

    it('[locations GET All date_from/date_to] date_from is inclusive, date_to exclusive, and every Link keeps both', async () => {
      const dateFrom = updatedAt(40)
      const dateTo = updatedAt(160)
      const query = new URLSearchParams({ date_from: dateFrom, date_to: dateTo, limit: '50' })
      const pages = await walk(`/sender/locations?${query.toString()}`)

      const inRange = expected.slice(40, 160).map((l) => l.id)
      expect(pages.map((p) => p.ids.length)).toEqual([50, 50, 20])
      expect(pages.flatMap((p) => p.ids)).toEqual(inRange)
      for (const page of pages) expect(page.totalCount).toBe(String(inRange.length))
      for (const page of pages.slice(0, -1)) {
        expect(page.next!.searchParams.get('date_from')).toBe(dateFrom)
        expect(page.next!.searchParams.get('date_to')).toBe(dateTo)
      }
      expect(pages.at(-1)!.next).toBeUndefined()

      const onlyFrom = await getPage(`/sender/locations?date_from=${updatedAt(OBJECT_COUNT - 1)}`)
      expect(onlyFrom.ids).toEqual([locationId(OBJECT_COUNT - 1)])
      // No zone designator: OCPI DateTimes are UTC all the same.
      const withoutZ = await getPage(
        `/sender/locations?date_from=${updatedAt(OBJECT_COUNT - 1).slice(0, -1)}`,
      )
      expect(withoutZ.ids).toEqual([locationId(OBJECT_COUNT - 1)])
      const onlyTo = await getPage(`/sender/locations?date_to=${updatedAt(1)}`)
      expect(onlyTo.ids).toEqual([locationId(0)])
      const empty = await getPage(`/sender/locations?date_from=${updatedAt(5)}&date_to=${updatedAt(5)}`)
      expect(empty.statusCode).toBe(1000)
      expect(empty.ids).toEqual([])
      expect(empty.totalCount).toBe('0')
      expect(empty.next).toBeUndefined()
    })

    it('[locations GET All limit above X-Limit] is capped to X-Limit, as is a GET without limit', async () => {
      const capped = await getPage('/sender/locations?limit=1000')
      expect(capped.ids).toEqual(expected.slice(0, PAGE_LIMIT_MAX).map((l) => l.id))
      expect(capped.limit).toBe(String(PAGE_LIMIT_MAX))
      expect(capped.next!.searchParams.get('offset')).toBe(String(PAGE_LIMIT_MAX))
      expect(Number(capped.next!.searchParams.get('limit'))).toBeLessThanOrEqual(PAGE_LIMIT_MAX)

      const unlimited = await getPage('/sender/locations')
      expect(unlimited.ids).toEqual(capped.ids)
      const rest = await walk(capped.next!.toString())
      expect(rest.flatMap((p) => p.ids)).toEqual(expected.slice(PAGE_LIMIT_MAX).map((l) => l.id))
    })

    it('[locations GET All offset by hand] an offset without the hub cursor gives the page that Link leads to', async () => {
      const pages = await walk('/sender/locations?limit=50')
      const byHand = await getPage('/sender/locations?offset=100&limit=50')
      expect(byHand.ids).toEqual(pages[2]!.ids)
      expect(byHand.totalCount).toBe(String(OBJECT_COUNT))
      expect(byHand.next!.searchParams.get('offset')).toBe('150')
      const fromThere = await walk(byHand.next!.toString())
      expect(fromThere.flatMap((p) => p.ids)).toEqual(pages.slice(3).flatMap((p) => p.ids))

      const filtered = new URLSearchParams({ date_from: updatedAt(40), date_to: updatedAt(160) })
      const filteredPages = await walk(`/sender/locations?${filtered.toString()}&limit=50`)
      const filteredByHand = await getPage(`/sender/locations?${filtered.toString()}&offset=50&limit=50`)
      expect(filteredByHand.ids).toEqual(filteredPages[1]!.ids)

      const past = await getPage(`/sender/locations?offset=${OBJECT_COUNT}&limit=50`)
      expect(past.statusCode).toBe(1000)
      expect(past.ids).toEqual([])
      expect(past.next).toBeUndefined()
    })

    it.each([
      ['offset=-1', 'offset'],
      ['offset=ten', 'offset'],
      ['limit=-5', 'limit'],
      ['limit=2.5', 'limit'],
      ['date_from=yesterday', 'date_from'],
      ['date_from=2026-13-01T00:00:00Z', 'date_from'],
      ['date_to=2026-01-01', 'date_to'],
      ['limit=10&after=not-a-cursor', 'after'],
    ])('[locations GET All ?%s] is HTTP 200 with OCPI 2001 naming %s', async (query, parameter) => {
      const response = await emsp.call(`/sender/locations?${query}`, {
        headers: routeHeaders(emsp.party, HUB_PARTY),
      })
      expect(response.status).toBe(200)
      expect(response.body.status_code).toBe(2001)
      expect(response.body.status_message).toContain(parameter)
      expect(response.body.data ?? null).toBeNull()
    })
  })
}
