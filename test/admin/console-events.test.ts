import { afterEach, describe, expect, it } from 'vitest'
import { aLocation, anEvse } from '../fixtures/locations.ts'
import { connectParty, eventually } from '../support/roaming-network.ts'
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { scaled } from '../support/time-limits.ts'

/** GET /admin/events (docs/admin-api.md): the domain events as server-sent events, for the console. */

interface StreamMessage {
  /** `event:` name; undefined for a comment line (`: heartbeat`). */
  readonly event: string | undefined
  readonly comment: string | undefined
  readonly data: Record<string, unknown> | undefined
}

/** An open event stream read as it arrives: every block parsed, kept in order. */
class EventStream {
  readonly messages: StreamMessage[] = []
  ended = false
  readonly response: Response
  readonly #controller: AbortController

  private constructor(response: Response, controller: AbortController) {
    this.response = response
    this.#controller = controller
  }

  static async open(hub: TestHub, query = ''): Promise<EventStream> {
    const controller = new AbortController()
    const response = await fetch(`${hub.url}/admin/events${query}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, accept: 'text/event-stream' },
      signal: controller.signal,
    })
    const stream = new EventStream(response, controller)
    if (response.ok) void stream.#read()
    else await response.body?.cancel()
    return stream
  }

  async #read() {
    const decoder = new TextDecoder()
    let buffered = ''
    try {
      for await (const chunk of this.response.body as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true })
        let end: number
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const block = buffered.slice(0, end)
          buffered = buffered.slice(end + 2)
          const lines = block.split('\n')
          const field = (name: string) =>
            lines.find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2)
          const data = field('data')
          this.messages.push({
            event: field('event'),
            comment: lines.find((line) => line.startsWith(': '))?.slice(2),
            data: data === undefined ? undefined : (JSON.parse(data) as Record<string, unknown>),
          })
        }
      }
    } catch {
      // Aborted by the test.
    }
    this.ended = true
  }

  events(name?: string): StreamMessage[] {
    return this.messages.filter((m) => m.event !== undefined && (name === undefined || m.event === name))
  }

  close(): void {
    this.#controller.abort()
  }
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: GET /admin/events`, () => {
    const cleanups: (() => Promise<void> | void)[] = []
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    })

    async function network(env: Record<string, string> = {}) {
      const hub = await startTestHub(engine, { DELIVERY_POLL_INTERVAL_MS: '50', ...env })
      cleanups.push(() => hub.close())
      const cpo = await connectParty(hub, 'CPO', 'NL', 'CPO')
      const emsp = await connectParty(hub, 'EMSP', 'DE', 'EMP')
      cleanups.push(
        () => cpo.platform.close(),
        () => emsp.platform.close(),
      )
      return { hub, cpo, emsp }
    }

    async function open(hub: TestHub, query = '') {
      const stream = await EventStream.open(hub, query)
      cleanups.push(() => stream.close())
      return stream
    }

    it('streams a Location PUT and an EVSE status PATCH as location.changed, then their deliveries, with safe fields only', async () => {
      const { hub, cpo, emsp } = await network()
      const stream = await open(hub)
      expect(stream.response.status).toBe(200)
      expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/)
      expect(stream.response.headers.get('x-request-id')).toBeTruthy()

      const put = await cpo.call('/receiver/locations/NL/CPO/LOC1', {
        method: 'PUT',
        body: aLocation(
          { id: 'LOC1', evses: [anEvse('E1', {}, cpo.party), anEvse('E2', {}, cpo.party)] },
          cpo.party,
        ),
        headers: { 'x-correlation-id': 'corr-put' },
      })
      expect(put.body.status_code).toBe(1000)
      await cpo.call('/receiver/locations/NL/CPO/LOC1/E2', {
        method: 'PATCH',
        body: { status: 'CHARGING', last_updated: '2026-12-06T10:00:00Z' },
      })

      const changes = await eventually(() => {
        const seen = stream.events('location.changed')
        expect(seen).toHaveLength(2)
        return seen.map((m) => m.data)
      })
      expect(changes[0]).toEqual({
        owner: { country_code: 'NL', party_id: 'CPO' },
        location_id: 'LOC1',
        target: 'LOC1',
        method: 'PUT',
        evses: [
          { uid: 'E1', status: 'AVAILABLE' },
          { uid: 'E2', status: 'AVAILABLE' },
        ],
        receivers: 1,
        correlation_id: 'corr-put',
      })
      expect(changes[1]).toMatchObject({
        target: 'LOC1/E2',
        method: 'PATCH',
        evses: [{ uid: 'E2', status: 'CHARGING' }],
        receivers: 1,
      })

      const delivered = await eventually(() => {
        const seen = stream.events('delivery.delivered')
        expect(seen).toHaveLength(2)
        return seen[0]!.data
      })
      expect(delivered).toMatchObject({
        receiver_platform_id: emsp.platformId,
        to: { country_code: 'DE', party_id: 'EMP' },
        module: 'locations',
        attempts: 1,
        correlation_id: 'corr-put',
      })
      // Nothing of a body or a token goes out: no Location fields beyond the ids and statuses above.
      const text = JSON.stringify(stream.messages)
      expect(text).not.toContain('Voorbeeldstraat')
      expect(text).not.toContain(cpo.platform.tokenToHub!)
      expect(text).not.toContain(emsp.platform.tokenFromHub!)
    })

    it('types= filters the events; an unknown type is 400 and opens nothing', async () => {
      const { hub, cpo } = await network()
      const onlyDeliveries = await open(hub, '?types=delivery.delivered,delivery.dead')
      const onlyLocations = await open(hub, '?types=location.changed')
      await cpo.call('/receiver/locations/NL/CPO/LOC2', {
        method: 'PUT',
        body: aLocation({ id: 'LOC2' }, cpo.party),
      })
      await eventually(() => expect(onlyDeliveries.events()).toHaveLength(1))
      await eventually(() => expect(onlyLocations.events()).toHaveLength(1))
      expect(onlyDeliveries.events()[0]!.event).toBe('delivery.delivered')
      expect(onlyLocations.events()[0]!.event).toBe('location.changed')

      const refused = await hub.admin('GET', '/events?types=location.changed,session.ended')
      expect(refused.status).toBe(400)
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      expect(refused.body).toMatchObject({ title: 'ADMIN_INVALID_REQUEST' })
      expect((refused.body as { detail: string }).detail).toContain('"session.ended"')
      expect((await hub.admin('GET', '/events?type=location.changed')).status).toBe(400)
    })

    it('party events name the platform and its parties; without the admin token nothing opens', async () => {
      const hub = await startTestHub(engine)
      cleanups.push(() => hub.close())
      const stream = await open(hub, '?types=party.connected')
      const emsp = await connectParty(hub, 'EMSP', 'BE', 'EMS')
      cleanups.push(() => emsp.platform.close())
      const connected = await eventually(() => {
        expect(stream.events()).toHaveLength(1)
        return stream.events()[0]!.data
      })
      expect(connected).toEqual({
        platform_id: emsp.platformId,
        name: 'EMSP BEEMS',
        parties: [{ role: 'EMSP', country_code: 'BE', party_id: 'EMS', status: 'CONNECTED' }],
        reason: 'registered',
      })
      const anonymous = await fetch(`${hub.url}/admin/events`)
      expect(anonymous.status).toBe(401)
      await anonymous.body?.cancel()
    })

    it('sends a heartbeat comment while no event comes', async () => {
      const hub = await startTestHub(engine, { ADMIN_EVENT_STREAM_HEARTBEAT_MS: '100' })
      cleanups.push(() => hub.close())
      const stream = await open(hub)
      await eventually(() =>
        expect(stream.messages.filter((m) => m.comment === 'heartbeat').length).toBeGreaterThanOrEqual(2),
      )
      expect(stream.events()).toEqual([])
    })

    it('refuses a stream beyond ADMIN_EVENT_STREAMS_MAX with 503, and takes one again after a stream closed', async () => {
      const hub = await startTestHub(engine, { ADMIN_EVENT_STREAMS_MAX: '2' })
      cleanups.push(() => hub.close())
      const first = await open(hub)
      await open(hub)
      const third = await hub.admin('GET', '/events')
      expect(third.status).toBe(503)
      expect(third.body).toMatchObject({ title: 'ADMIN_UNAVAILABLE' })
      first.close()
      await eventually(async () => {
        const again = await EventStream.open(hub)
        cleanups.push(() => again.close())
        expect(again.response.status).toBe(200)
      })
    })

    it('the hub closes with streams open: they end cleanly and the close does not wait for them', async () => {
      const hub = await startTestHub(engine)
      const streams = [await open(hub), await open(hub, '?types=location.changed')]
      await eventually(() => expect(streams.every((s) => s.messages.length > 0)).toBe(true))
      const started = Date.now()
      await hub.close()
      expect(Date.now() - started).toBeLessThan(scaled(5_000))
      await eventually(() => expect(streams.every((s) => s.ended)).toBe(true))
    })
  })
}
