import { sql } from 'kysely'
import pino from 'pino'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildHub, type Hub } from '../../src/app.ts'
import { loadConfig } from '../../src/config/config.ts'
import { expectedMigrationNames } from '../../src/storage/database.ts'
import { aLocation } from '../fixtures/locations.ts'
import { envelope } from '../support/fake-platform.ts'
import { call } from '../support/http.ts'
import { connectParty, eventually, type ConnectedParty } from '../support/roaming-network.ts'
import { ADMIN_TOKEN, freePort, startTestHub, type TestHub } from '../support/test-hub.ts'
import { createTestStore, STORE_VARIANTS, type TestStore } from '../support/test-store.ts'
import { matching, parseMetrics, sumOf, type MetricSample } from './metrics-text.ts'

const FAST_RETRIES = {
  DELIVERY_RETRY_BASE_MS: '100',
  DELIVERY_RETRY_MAX_MS: '200',
  DELIVERY_POLL_INTERVAL_MS: '50',
}
const OCPI_MODULES = [
  'versions',
  'credentials',
  'locations',
  'tariffs',
  'tokens',
  'sessions',
  'cdrs',
  'commands',
]
const HUB_OWN = ['admin', 'operations', 'unmatched']

async function scrape(hub: TestHub): Promise<MetricSample[]> {
  const response = await call<string>(`${hub.url}/metrics`)
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toContain('text/plain')
  return parseMetrics(response.text)
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: health, readiness and metrics`, () => {
    const cleanups: (() => Promise<void>)[] = []
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    })

    // One network for the tests that read and add but never break: each hub start costs seconds.
    let shared: { hub: TestHub; cpo: ConnectedParty; emsp: ConnectedParty }
    beforeAll(async () => {
      const hub = await startTestHub(engine, FAST_RETRIES)
      const cpo = await connectParty(hub, 'CPO', 'NL', 'CPO', { modules: ['locations'] })
      const emsp = await connectParty(hub, 'EMSP', 'DE', 'EMP', { modules: ['locations'] })
      shared = { hub, cpo, emsp }
    })
    afterAll(async () => {
      await shared.hub.close()
      await Promise.all([shared.cpo.platform.close(), shared.emsp.platform.close()])
    })

    it('GET /health and GET /ready answer plain JSON without any token, outside /ocpi and /admin', async () => {
      const { hub } = shared
      const health = await call(`${hub.url}/health`)
      expect(health.status).toBe(200)
      expect(health.body).toEqual({ status: 'ok' })
      const ready = await call(`${hub.url}/ready`)
      expect(ready.status).toBe(200)
      expect(ready.body).toEqual({ status: 'ready', database: 'ok', migrations: 'ok' })
      // A wrong token changes nothing: these endpoints do not look at it.
      const withBadToken = await call(`${hub.url}/ready`, { headers: { authorization: 'Token nonsense' } })
      expect(withBadToken.status).toBe(200)
      // The OCPI scope is still closed to anonymous callers.
      expect((await call(`${hub.url}/ocpi/2.3.0/health`)).status).toBe(401)
    })

    it('GET /ready is 503 while a migration this code expects is missing, and 200 once it is back', async () => {
      const { hub } = shared
      const db = hub.testStore.store.db
      const latest = expectedMigrationNames().at(-1)!
      const row = await sql<{ name: string; timestamp: string }>`
        select name, timestamp from kysely_migration where name = ${latest}`.execute(db)
      await sql`delete from kysely_migration where name = ${latest}`.execute(db)

      const notReady = await call(`${hub.url}/ready`)
      expect(notReady.status).toBe(503)
      expect(notReady.body).toEqual({
        status: 'not_ready',
        database: 'ok',
        migrations: 'pending',
        pending_migrations: [latest],
      })
      expect((await call(`${hub.url}/health`)).status).toBe(200)

      const { name, timestamp } = row.rows[0]!
      await sql`insert into kysely_migration (name, timestamp) values (${name}, ${timestamp})`.execute(db)
      expect((await call(`${hub.url}/ready`)).status).toBe(200)
    })

    it('GET /ready is 503 when the database is gone; /health still answers and the metrics say database_up 0', async () => {
      const testStore = await createTestStore(engine)
      const hub = await startTestHub(engine, FAST_RETRIES, { sharedStore: testStore })
      cleanups.push(async () => {
        await hub.close()
        await testStore.dispose()
      })
      expect(sumOf(await scrape(hub), 'ocpi_hub_database_up')).toBe(1)

      await testStore.store.close()

      const ready = await call(`${hub.url}/ready`)
      expect(ready.status).toBe(503)
      expect(ready.body).toEqual({ status: 'not_ready', database: 'unreachable', migrations: 'unknown' })
      // Nothing about the failure (host names, drivers) goes to an unauthenticated caller.
      expect(ready.text).not.toMatch(/pool|pglite|error/i)
      expect((await call(`${hub.url}/health`)).status).toBe(200)
      const samples = await scrape(hub)
      expect(sumOf(samples, 'ocpi_hub_database_up')).toBe(0)
      expect(matching(samples, 'ocpi_hub_outbox_messages')).toEqual([])
    })

    it('counts requests by OCPI module (from the route, never the raw URL), method and HTTP status, with latencies', async () => {
      const { hub, cpo } = shared
      const before = await scrape(hub)

      const pushed = await cpo.call('/receiver/locations/NL/CPO/LOC-METRICS-1', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-METRICS-1' }, cpo.party),
      })
      expect(pushed.body.status_code).toBe(1000)
      expect((await cpo.call('/sender/locations')).status).toBe(200)
      expect((await cpo.call('/credentials')).status).toBe(200)
      expect((await cpo.call('/nothing/here/LOC-METRICS-1')).status).toBe(404)
      expect((await call(`${hub.url}/ocpi/versions`)).status).toBe(401)

      const after = await scrape(hub)
      const delta = (name: string, labels: Record<string, string>) =>
        sumOf(after, name, labels) - sumOf(before, name, labels)
      const requests = 'ocpi_hub_http_requests_total'
      const push = { module: 'locations', method: 'PUT', status: String(pushed.status) }
      expect(delta(requests, push)).toBe(1)
      expect(delta('ocpi_hub_http_request_duration_seconds_count', push)).toBe(1)
      expect(delta('ocpi_hub_http_request_duration_seconds_bucket', { ...push, le: '+Inf' })).toBe(1)
      expect(delta('ocpi_hub_http_request_duration_seconds_sum', push)).toBeGreaterThan(0)
      expect(delta(requests, { module: 'locations', method: 'GET', status: '200' })).toBe(1)
      expect(delta(requests, { module: 'credentials', method: 'GET', status: '200' })).toBe(1)
      expect(delta(requests, { module: 'unmatched', method: 'GET', status: '404' })).toBe(1)
      expect(delta(requests, { module: 'versions', method: 'GET', status: '401' })).toBe(1)
      // The registration handshakes went through credentials too.
      expect(sumOf(after, requests, { module: 'credentials', method: 'POST', status: '200' })).toBe(2)

      const httpSamples = after.filter((s) => s.name.startsWith('ocpi_hub_http_'))
      expect(httpSamples.length).toBeGreaterThan(0)
      for (const sample of httpSamples) {
        expect([...OCPI_MODULES, ...HUB_OWN]).toContain(sample.labels['module'])
        expect(Object.values(sample.labels).join(' ')).not.toMatch(/LOC-METRICS|\/|NL/)
      }
    })

    it('shows the queue per receiver and counts delivery attempts and failures: down, back, refused for good', async () => {
      const { hub, cpo, emsp } = shared
      const receiver = emsp.platformId
      const queued = (samples: MetricSample[], state: string) =>
        sumOf(samples, 'ocpi_hub_outbox_messages', { platform: receiver, state })
      const attempts = (samples: MetricSample[]) =>
        sumOf(samples, 'ocpi_hub_delivery_attempts_total', { platform: receiver, module: 'locations' })
      const failures = (samples: MetricSample[], outcome: string) =>
        sumOf(samples, 'ocpi_hub_delivery_failures_total', {
          platform: receiver,
          module: 'locations',
          outcome,
        })

      // Every receiver has its series, at 0 when nothing waits for it.
      const idle = await eventually(async () => {
        const samples = await scrape(hub)
        expect(queued(samples, 'pending') + queued(samples, 'failed') + queued(samples, 'dead')).toBe(0)
        return samples
      })
      expect(matching(idle, 'ocpi_hub_outbox_messages', { platform: cpo.platformId })).toHaveLength(3)

      emsp.platform.setDown(true)
      await cpo.call('/receiver/locations/NL/CPO/LOC-Q1', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-Q1' }, cpo.party),
      })
      const failing = await eventually(async () => {
        const samples = await scrape(hub)
        expect(queued(samples, 'failed')).toBe(1)
        expect(failures(samples, 'retry')).toBeGreaterThanOrEqual(2)
        return samples
      })
      expect(attempts(failing) - attempts(idle)).toBe(failures(failing, 'retry') - failures(idle, 'retry'))
      const age = sumOf(failing, 'ocpi_hub_outbox_oldest_message_age_seconds', {
        platform: receiver,
        state: 'failed',
      })
      expect(age).toBeGreaterThan(0)
      expect(age).toBeLessThan(60)

      emsp.platform.setDown(false)
      const delivered = await eventually(async () => {
        const samples = await scrape(hub)
        expect(queued(samples, 'failed') + queued(samples, 'pending')).toBe(0)
        return samples
      })
      expect(attempts(delivered) - failures(delivered, 'retry')).toBe(
        attempts(idle) - failures(idle, 'retry') + 1,
      )
      expect(sumOf(delivered, 'ocpi_hub_outbox_oldest_message_age_seconds', { platform: receiver })).toBe(0)

      emsp.platform.failNext(
        'PUT',
        '/2.3.0/receiver/locations/NL/CPO/LOC-Q2',
        400,
        envelope(null, 2001, 'refused'),
      )
      await cpo.call('/receiver/locations/NL/CPO/LOC-Q2', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-Q2' }, cpo.party),
      })
      const parked = await eventually(async () => {
        const samples = await scrape(hub)
        expect(queued(samples, 'dead')).toBe(1)
        return samples
      })
      expect(failures(parked, 'dead') - failures(idle, 'dead')).toBe(1)
      expect(attempts(parked)).toBe(attempts(delivered) + 1)
    })

    // Last of the shared network: it removes the eMSP.
    it('shows party statuses and one info series per platform, read from the directory', async () => {
      const { hub, cpo, emsp } = shared
      const invitation = await hub.admin('POST', '/invitations', {
        name: 'Invited NSP',
        roles: [{ role: 'NSP', country_code: 'BE', party_id: 'NSP' }],
      })
      expect(invitation.status).toBe(201)

      const samples = await scrape(hub)
      const parties = (labels: Record<string, string>) => sumOf(samples, 'ocpi_hub_parties', labels)
      expect(parties({ role: 'CPO', status: 'CONNECTED' })).toBe(1)
      expect(parties({ role: 'EMSP', status: 'CONNECTED' })).toBe(1)
      expect(parties({ role: 'NSP', status: 'PLANNED' })).toBe(1)
      expect(parties({ role: 'EMSP', status: 'OFFLINE' })).toBe(0)
      expect(matching(samples, 'ocpi_hub_platform_info', { platform: cpo.platformId })).toEqual([
        {
          name: 'ocpi_hub_platform_info',
          labels: { platform: cpo.platformId, name: 'CPO NLCPO', status: 'CONNECTED' },
          value: 1,
        },
      ])

      expect((await hub.admin('DELETE', `/platforms/${emsp.platformId}`)).status).toBe(200)
      const afterRemoval = await scrape(hub)
      expect(sumOf(afterRemoval, 'ocpi_hub_parties', { role: 'EMSP', status: 'CONNECTED' })).toBe(0)
      expect(sumOf(afterRemoval, 'ocpi_hub_parties', { role: 'EMSP', status: 'SUSPENDED' })).toBe(1)
      expect(
        matching(afterRemoval, 'ocpi_hub_platform_info', { platform: emsp.platformId })[0]?.labels['status'],
      ).toBe('SUSPENDED')
    })
  })
}

// One store is enough here: nothing below depends on it.
describe('pglite: a hub started with METRICS_ENABLED=false, its log collected', () => {
  let testStore: TestStore
  let hub: Hub
  let url: string
  const lines: Record<string, unknown>[] = []

  beforeAll(async () => {
    testStore = await createTestStore('pglite')
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    )
    const port = await freePort()
    url = `http://127.0.0.1:${port}`
    const config = loadConfig({
      PORT: String(port),
      HOST: '127.0.0.1',
      HUB_ADMIN_TOKEN: ADMIN_TOKEN,
      METRICS_ENABLED: 'false',
    })
    hub = await buildHub(config, { store: testStore.store, logger })
    await hub.app.listen({ port, host: '127.0.0.1' })
  })
  afterAll(async () => {
    await hub.close()
    await testStore.dispose()
  })

  it('every log line of a request carries its reqId (X-Request-ID) and correlationId (X-Correlation-ID)', async () => {
    const answers = [
      await call(`${url}/ocpi/versions`, {
        headers: { 'x-request-id': 'req-1', 'x-correlation-id': 'corr-1' },
      }),
      await call(`${url}/ocpi/versions`, { token: 'unknown' }),
      await call(`${url}/ocpi/2.3.0/sender/locations`, { body: '{not json', method: 'PUT' }),
      await call(`${url}/admin/platforms`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
      await call(`${url}/admin/platforms`),
      await call(`${url}/no/such/path`),
    ]
    expect(answers[0]!.headers.get('x-request-id')).toBe('req-1')
    expect(answers[0]!.headers.get('x-correlation-id')).toBe('corr-1')

    for (const answer of answers) {
      const reqId = answer.headers.get('x-request-id')
      const requestLines = lines.filter((line) => line['reqId'] === reqId)
      expect(requestLines.map((line) => line['msg'])).toEqual(
        expect.arrayContaining(['incoming request', 'request completed']),
      )
      for (const line of requestLines)
        expect(line['correlationId']).toBe(answer.headers.get('x-correlation-id'))
    }
    const withRequestId = lines.filter((line) => 'reqId' in line)
    expect(withRequestId.length).toBeGreaterThanOrEqual(12)
    for (const line of withRequestId) expect(line).toHaveProperty('correlationId')
  })

  it('health and readiness probes are answered but not logged unless something is wrong', async () => {
    expect((await call(`${url}/health`, { headers: { 'x-correlation-id': 'corr-probe' } })).status).toBe(200)
    expect((await call(`${url}/ready`, { headers: { 'x-correlation-id': 'corr-probe' } })).status).toBe(200)
    expect(lines.filter((line) => line['correlationId'] === 'corr-probe')).toEqual([])
  })

  it('serves no /metrics', async () => {
    expect((await call(`${url}/metrics`)).status).toBe(404)
  })
})
