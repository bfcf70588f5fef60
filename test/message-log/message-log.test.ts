import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aLocation } from '../fixtures/locations.ts'
import { aRole, FakePlatform } from '../support/fake-platform.ts'
import { call } from '../support/http.ts'
import {
  connectParty,
  eventually,
  HUB_PARTY,
  routeHeaders,
  type ConnectedParty,
} from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'

interface LoggedMessage {
  id: number
  time: string
  direction: 'in' | 'out'
  platform_id: string | null
  from: { country_code: string; party_id: string } | null
  to: { country_code: string; party_id: string } | null
  module: string | null
  method: string
  path: string
  http_status: number | null
  ocpi_status: number | null
  latency_ms: number
  request_id: string | null
  correlation_id: string | null
  error: string | null
  request_body?: string | null
  request_body_truncated: boolean
  response_body?: string | null
  response_body_truncated: boolean
}

const BODY_LIMIT = 4096
const DAY_MS = 24 * 60 * 60 * 1000

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: the message log`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let emspA: ConnectedParty
    let emspB: ConnectedParty
    const extraPlatforms: FakePlatform[] = []

    beforeAll(async () => {
      // Every body kept up to the limit, accepted or not (the default policy: body-policy.test.ts).
      hub = await startTestHub(engine, {
        MESSAGE_LOG_BODY_LIMIT_BYTES: String(BODY_LIMIT),
        MESSAGE_LOG_ACCEPTED_BODY_LIMIT_BYTES: String(BODY_LIMIT),
      })
      cpo = await connectParty(hub, 'CPO', 'NL', 'CPO')
      emspA = await connectParty(hub, 'EMSP', 'DE', 'EMA')
      emspB = await connectParty(hub, 'EMSP', 'FR', 'EMB')
    })
    afterAll(async () => {
      for (const platform of [cpo, emspA, emspB].map((p) => p.platform).concat(extraPlatforms))
        await platform.close()
      await hub.close()
    })

    async function messages(query: string): Promise<LoggedMessage[]> {
      const response = await hub.admin<{ messages: LoggedMessage[] }>('GET', `/messages?${query}`)
      expect(response.status, response.text).toBe(200)
      return response.body.messages
    }

    /** The entries of one correlation id, once `count` of them are written (the writer batches). */
    async function chain(correlationId: string, count: number): Promise<LoggedMessage[]> {
      return eventually(async () => {
        const found = await messages(`correlation_id=${correlationId}`)
        expect(found).toHaveLength(count)
        return found
      })
    }

    it('a broadcast Location PUT: one entry in and one out per receiver, one correlation id, in time order', async () => {
      const correlationId = `corr-${randomUUID()}`
      const location = aLocation({ id: 'LOG-1' }, cpo.party)
      const push = await cpo.call('/receiver/locations/NL/CPO/LOG-1', {
        method: 'PUT',
        body: location,
        headers: { 'x-correlation-id': correlationId },
      })
      expect(push.body.status_code).toBe(1000)

      const entries = await chain(correlationId, 3)
      const [incoming, ...outgoing] = entries
      expect(incoming).toMatchObject({
        direction: 'in',
        platform_id: cpo.platformId,
        from: cpo.party,
        module: 'locations',
        method: 'PUT',
        path: '/ocpi/2.3.0/receiver/locations/NL/CPO/LOG-1',
        http_status: push.status,
        ocpi_status: 1000,
        request_id: push.headers.get('x-request-id'),
        correlation_id: correlationId,
        request_body_truncated: false,
      })
      expect(JSON.parse(incoming!.request_body!)).toEqual(location)
      expect(JSON.parse(incoming!.response_body!)).toMatchObject({ status_code: 1000 })

      const received = new Map(
        [emspA, emspB].map((emsp) => [
          emsp.platformId,
          emsp.inbox('locations').find((r) => r.method === 'PUT')!,
        ]),
      )
      expect(outgoing.map((entry) => entry.platform_id).sort()).toEqual(
        [emspA.platformId, emspB.platformId].sort(),
      )
      for (const emsp of [emspA, emspB]) {
        const entry = outgoing.find((e) => e.platform_id === emsp.platformId)!
        expect(entry).toMatchObject({
          direction: 'out',
          // A broadcast comes from the hub (routing.md).
          from: HUB_PARTY,
          to: emsp.party,
          module: 'locations',
          method: 'PUT',
          path: `${emsp.platform.url}/2.3.0/receiver/locations/NL/CPO/LOG-1`,
          http_status: 200,
          ocpi_status: 1000,
          correlation_id: correlationId,
          request_id: received.get(emsp.platformId)!.headers['x-request-id'],
          error: null,
        })
        expect(JSON.parse(entry.request_body!)).toEqual(location)
        expect(Date.parse(entry.time)).toBeGreaterThanOrEqual(Date.parse(incoming!.time))
      }

      // The same entries through the other filters.
      const toA = await messages(`party=DE-EMA&module=locations&limit=1000`)
      expect(toA.filter((e) => e.correlation_id === correlationId).map((e) => e.direction)).toEqual(['out'])
      const ofA = await messages(`party=${emspA.platformId}&module=locations`)
      expect(ofA.filter((e) => e.correlation_id === correlationId).map((e) => e.to)).toEqual([emspA.party])
      const fromCpo = await messages(`party=NL*CPO&module=LOCATIONS`)
      expect(fromCpo.filter((e) => e.correlation_id === correlationId).map((e) => e.direction)).toEqual([
        'in',
      ])
      expect(await messages(`module=tariffs&correlation_id=${correlationId}`)).toEqual([])
      const window = `since=${new Date(Date.parse(incoming!.time) - 1).toISOString()}&until=${new Date(Date.parse(incoming!.time) + 1).toISOString()}`
      expect((await messages(`${window}&party=NL-CPO`)).map((e) => e.id)).toContain(incoming!.id)
      const later = new Date(Date.now() + 60_000).toISOString()
      expect(await messages(`since=${later}`)).toEqual([])

      // Without correlation_id the newest come first.
      const newest = await messages('limit=3')
      expect(newest).toHaveLength(3)
      expect(Date.parse(newest[0]!.time)).toBeGreaterThanOrEqual(Date.parse(newest[2]!.time))
      expect((await messages('limit=1&bodies=false'))[0]).not.toHaveProperty('request_body')
    })

    it('a routed request the hub refuses (4001) is logged with its OCPI status, and nothing goes out', async () => {
      const correlationId = `corr-${randomUUID()}`
      const response = await cpo.call('/receiver/locations/NL/CPO/LOG-NOBODY', {
        method: 'PUT',
        body: aLocation({ id: 'LOG-NOBODY' }, cpo.party),
        headers: {
          ...routeHeaders(cpo.party, { country_code: 'FR', party_id: 'XYZ' }),
          'x-correlation-id': correlationId,
        },
      })
      expect(response.body.status_code).toBe(4001)

      const [entry] = await chain(correlationId, 1)
      expect(entry).toMatchObject({
        direction: 'in',
        from: cpo.party,
        to: { country_code: 'FR', party_id: 'XYZ' },
        http_status: response.status,
        ocpi_status: 4001,
      })
      await new Promise((resolve) => setTimeout(resolve, 400))
      expect(await messages(`correlation_id=${correlationId}`)).toHaveLength(1)
    })

    it('an outbound call that gets no answer is logged with the reason', async () => {
      const correlationId = `corr-${randomUUID()}`
      emspB.platform.setDown(true)
      try {
        const response = await cpo.call('/sender/tokens?limit=10', {
          headers: { ...routeHeaders(cpo.party, emspB.party), 'x-correlation-id': correlationId },
        })
        expect(response.body.status_code).toBe(4003)
      } finally {
        emspB.platform.setDown(false)
      }
      const [incoming, outgoing] = await chain(correlationId, 2)
      expect(incoming).toMatchObject({ direction: 'in', module: 'tokens', ocpi_status: 4003 })
      expect(outgoing).toMatchObject({
        direction: 'out',
        platform_id: emspB.platformId,
        module: 'tokens',
        path: `${emspB.platform.url}/2.3.0/sender/tokens?limit=10`,
        http_status: null,
        ocpi_status: null,
        response_body: null,
      })
      expect(outgoing!.error).toMatch(/^unreachable: /)
    })

    it(`bodies are cut at MESSAGE_LOG_BODY_LIMIT_BYTES (${BODY_LIMIT}) and marked`, async () => {
      const correlationId = `corr-${randomUUID()}`
      // Multi-byte text: the cut is counted in UTF-8 bytes and never splits a character.
      const directions = Array.from({ length: 12 }, (_, i) => ({
        language: 'nl',
        text: `${i} ${'ë€'.repeat(150)}`,
      }))
      const location = aLocation({ id: 'LOG-BIG', directions }, cpo.party)
      await cpo.call('/receiver/locations/NL/CPO/LOG-BIG', {
        method: 'PUT',
        body: location,
        headers: { 'x-correlation-id': correlationId },
      })
      const entries = await chain(correlationId, 3)
      const full = JSON.stringify(location)
      expect(Buffer.byteLength(full)).toBeGreaterThan(BODY_LIMIT)
      for (const entry of entries) {
        const kept = entry.request_body!
        expect(entry.request_body_truncated).toBe(true)
        expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(BODY_LIMIT)
        expect(Buffer.byteLength(kept)).toBeGreaterThan(BODY_LIMIT - 3)
        expect(full.startsWith(kept)).toBe(true)
        expect(entry.response_body_truncated).toBe(false)
        expect(JSON.parse(entry.response_body!)).toMatchObject({ status_code: 1000 })
      }
    })

    it('credentials exchanges are logged with their tokens masked, both directions', async () => {
      const partner = await FakePlatform.start({ name: 'hub-initiated', roles: [aRole('CPO', 'BE', 'HIR')] })
      extraPlatforms.push(partner)
      const connection = await hub.admin<{ id: string }>('POST', '/connections', {
        versions_url: partner.versionsUrl,
        token_a: partner.tokenA,
        name: 'Hub initiated',
      })
      expect(connection.status).toBe(201)

      const secrets = [cpo, emspA, emspB]
        .flatMap((p) => [p.platform.tokenFromHub, p.platform.tokenToHub])
        .concat(partner.tokenA, partner.tokenFromHub, partner.tokenToHub)
      expect(secrets.every((token) => typeof token === 'string' && token.length > 0)).toBe(true)

      const outgoingPost = await eventually(async () => {
        const found = (await messages(`party=${connection.body.id}&module=credentials`)).filter(
          (e) => e.direction === 'out' && e.method === 'POST',
        )
        expect(found).toHaveLength(1)
        return found[0]!
      })
      expect(outgoingPost).toMatchObject({
        path: `${partner.url}/2.3.0/credentials`,
        http_status: 200,
        ocpi_status: 1000,
      })
      expect(JSON.parse(outgoingPost.request_body!)).toMatchObject({ token: '***' })
      expect(JSON.parse(outgoingPost.response_body!)).toMatchObject({ data: { token: '***' } })

      const incomingPost = (await messages(`party=${cpo.platformId}&module=credentials`)).find(
        (e) => e.direction === 'in' && e.method === 'POST',
      )!
      expect(JSON.parse(incomingPost.request_body!)).toMatchObject({
        token: '***',
        url: cpo.platform.versionsUrl,
      })
      expect(JSON.parse(incomingPost.response_body!)).toMatchObject({
        status_code: 1000,
        data: { token: '***' },
      })

      const everything = await messages('limit=1000')
      expect(everything.length).toBeGreaterThan(10)
      for (const entry of everything) {
        const text = [entry.path, entry.request_body ?? '', entry.response_body ?? ''].join('\n')
        for (const secret of secrets) expect(text).not.toContain(secret)
      }
    })

    it('requires the admin token; a malformed filter is 400', async () => {
      const anonymous = await call(`${hub.url}/admin/messages`)
      expect(anonymous.status).toBe(401)
      const wrongToken = await call(`${hub.url}/admin/messages`, {
        headers: { authorization: 'Bearer nope' },
      })
      expect(wrongToken.status).toBe(401)
      expect(wrongToken.text).not.toContain('messages')
      for (const query of [
        'since=yesterday',
        'until=2026-13-45T99:00:00Z',
        'limit=-1',
        'module=../x',
        'order=up',
      ]) {
        const response = await hub.admin('GET', `/messages?${query}`)
        expect(response.status, query).toBe(400)
        expect(response.body['title']).toBe('ADMIN_INVALID_REQUEST')
      }
    })

    it('entries older than MESSAGE_LOG_RETENTION_DAYS are pruned at start (and every hour)', async () => {
      const db = hub.testStore.store.db
      const row = (daysAgo: number, correlation_id: string) => ({
        logged_at: new Date(Date.now() - daysAgo * DAY_MS),
        direction: 'in' as const,
        method: 'GET',
        path: '/ocpi/versions',
        latency_ms: 1,
        correlation_id,
        request_body: 'old body',
      })
      await db
        .insertInto('message_log')
        .values([row(40, 'prune-old'), row(31, 'prune-old'), row(20, 'prune-recent')])
        .execute()
      expect(await messages('correlation_id=prune-old')).toHaveLength(2)

      // A hub process starting on the same store prunes at once.
      const second = await startTestHub(
        engine,
        { MESSAGE_LOG_RETENTION_DAYS: '30' },
        { sharedStore: hub.testStore },
      )
      try {
        await eventually(async () => expect(await messages('correlation_id=prune-old')).toEqual([]))
        expect(await messages('correlation_id=prune-recent')).toHaveLength(1)
      } finally {
        await second.close()
      }
    })
  })

  describe(`${engine}: MESSAGE_LOG_ENABLED=false`, () => {
    it('stores nothing, in or out', async () => {
      const hub = await startTestHub(engine, { MESSAGE_LOG_ENABLED: 'false' })
      const cpo = await connectParty(hub, 'CPO', 'NL', 'CPO')
      const emsp = await connectParty(hub, 'EMSP', 'DE', 'EMA')
      try {
        await cpo.call('/receiver/locations/NL/CPO/OFF-1', {
          method: 'PUT',
          body: aLocation({ id: 'OFF-1' }, cpo.party),
        })
        await emsp.platform.waitForRequests('/2.3.0/receiver/locations', 1)
        // Longer than the writer's flush interval: had anything been buffered, it would be written by now.
        await new Promise((resolve) => setTimeout(resolve, 600))
        const logged = await hub.admin<{ messages: unknown[] }>('GET', '/messages?limit=1000')
        expect(logged.status).toBe(200)
        expect(logged.body.messages).toEqual([])
        const rows = await hub.testStore.store.db.selectFrom('message_log').select('id').execute()
        expect(rows).toEqual([])
      } finally {
        await cpo.platform.close()
        await emsp.platform.close()
        await hub.close()
      }
    })
  })
}
