import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aSession } from '../fixtures/sessions.ts'
import { call } from '../support/http.ts'
import { connectParty, routeHeaders, type ConnectedParty } from '../support/roaming-network.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { parseMetrics, sumOf } from '../operations/metrics-text.ts'
import { scaled } from '../support/time-limits.ts'

const PATCHES = 20

/** ocpi_hub_store_queries_total by table, as /metrics tells. */
async function storeQueries(hub: TestHub): Promise<(table: string) => number> {
  const response = await call<string>(`${hub.url}/metrics`)
  expect(response.status).toBe(200)
  const samples = parseMetrics(response.text)
  return (table) => sumOf(samples, 'ocpi_hub_store_queries_total', { table })
}

/**
 * Requests read the caller, its roles and the destination from the party directory's in-memory snapshot:
 * a routed Session PATCH with TO headers sends no query on platforms or parties, on either store.
 */
for (const engine of STORE_VARIANTS) {
  describe(`${engine}: the party directory on the request path`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let emsp: ConnectedParty

    beforeAll(async () => {
      hub = await startTestHub(engine, {
        METRICS_ENABLED: 'true',
        // The still-alive check would read platforms in the middle of the count.
        STILL_ALIVE_CHECK_INTERVAL_MS: '86400000',
      })
      cpo = await connectParty(hub, 'CPO', 'NL', 'DIR', { modules: ['sessions'] })
      emsp = await connectParty(hub, 'EMSP', 'DE', 'DIR', { modules: ['sessions'] })
    }, scaled(60_000))

    afterAll(async () => {
      await hub?.close()
      await cpo?.platform.close()
      await emsp?.platform.close()
    })

    it('a routed Session PATCH with TO headers makes no round trip to platforms or parties', async () => {
      const path = '/receiver/sessions/NL/DIR/SES-DIR-1'
      const headers = routeHeaders(cpo.party, emsp.party)
      const put = await cpo.call(path, {
        method: 'PUT',
        body: aSession({ id: 'SES-DIR-1' }, cpo.party, emsp.party),
        headers,
      })
      expect(put.body.status_code).toBe(1000)
      // The first calls recorded last_seen_at (at most once a minute): the count starts after them.
      const before = await storeQueries(hub)
      // The counter sees these tables: registering the two partners wrote and reloaded them.
      expect(before('platforms')).toBeGreaterThan(0)
      expect(before('parties')).toBeGreaterThan(0)
      for (let n = 1; n <= PATCHES; n++) {
        const patch = await cpo.call(path, {
          method: 'PATCH',
          body: { kwh: n, last_updated: `2026-03-02T10:${String(n).padStart(2, '0')}:00Z` },
          headers,
        })
        expect(patch.body.status_code).toBe(1000)
      }
      const after = await storeQueries(hub)
      expect(emsp.inbox('sessions').filter((r) => r.method === 'PATCH')).toHaveLength(PATCHES)
      expect(after('platforms') - before('platforms')).toBe(0)
      expect(after('parties') - before('parties')).toBe(0)
      // The counter is live: the PUT and the PATCHes did query the store (the route index, the message log).
      expect(after('route_index') + after('message_log')).toBeGreaterThan(0)
    })

    it('an unknown token is refused, and a known one still works after it', async () => {
      const unknown = await hub.ocpi('/2.3.0/receiver/sessions/NL/DIR/SES-DIR-1', {
        token: 'not-a-token-of-anyone',
      })
      expect(unknown.status).toBe(401)
      const known = await cpo.call('/receiver/sessions/NL/DIR/SES-DIR-1', {
        method: 'PATCH',
        body: { kwh: 99, last_updated: '2026-03-02T11:00:00Z' },
        headers: routeHeaders(cpo.party, emsp.party),
      })
      expect(known.body.status_code).toBe(1000)
    })
  })
}
