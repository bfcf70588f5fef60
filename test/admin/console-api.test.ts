import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aLocation, anEvse } from '../fixtures/locations.ts'
import { envelope } from '../support/fake-platform.ts'
import { connectParty, eventually, type ConnectedParty } from '../support/roaming-network.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'

/**
 * The admin endpoints the operator console reads (docs/admin-api.md, "Console"), against real traffic: a
 * CPO broadcasting a Location to two eMSPs, one of which is down until its messages are dead.
 */

interface Traffic {
  requests_in: number
  requests_out: number
  errors_in: number
  errors_out: number
}

interface StatsBucket extends Traffic {
  start: string
  deliveries_delivered: number
  deliveries_failed: number
  deliveries_dead: number
}

interface Stats {
  window: string
  bucket_seconds: number
  parties: { total: number; by_role: Record<string, number>; by_status: Record<string, number> }
  buckets: StatsBucket[]
  queue: { pending: number; failed: number; dead: number }
}

interface LoggedMessage {
  id: number
  direction: 'in' | 'out'
  platform_id: string | null
  http_status: number | null
  ocpi_status: number | null
  error: string | null
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((total, item) => total + value(item), 0)
}

function isError(message: LoggedMessage): boolean {
  return (
    message.http_status === null ||
    message.http_status >= 400 ||
    (message.ocpi_status !== null && message.ocpi_status !== 1000)
  )
}

/** What the console's figures must add up to: the message log's own entries, counted here. */
function trafficOf(messages: readonly LoggedMessage[]): Traffic {
  const direction = (d: 'in' | 'out') => messages.filter((m) => m.direction === d)
  return {
    requests_in: direction('in').length,
    requests_out: direction('out').length,
    errors_in: direction('in').filter(isError).length,
    errors_out: direction('out').filter(isError).length,
  }
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: the console's admin endpoints`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let emsp: ConnectedParty
    /** Down from the start: its two messages fail once each, then are parked as dead. */
    let awayEmsp: ConnectedParty
    let plannedId: string

    /** Waits until the message log holds the same entries twice, a second apart. */
    async function settledLog(): Promise<void> {
      let before = (await messages()).length
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 1_000))
        const now = (await messages()).length
        if (now === before) return
        before = now
      }
    }

    async function messages(query = ''): Promise<LoggedMessage[]> {
      const response = await hub.admin<{ messages: LoggedMessage[] }>(
        'GET',
        `/messages?limit=1000&bodies=false${query}`,
      )
      expect(response.status, response.text).toBe(200)
      return response.body.messages
    }

    async function stats(window = 'hour'): Promise<Stats> {
      const response = await hub.admin<Stats>('GET', `/stats?window=${window}`)
      expect(response.status, response.text).toBe(200)
      return response.body
    }

    beforeAll(async () => {
      hub = await startTestHub(engine, {
        DELIVERY_RETRY_BASE_MS: '50',
        DELIVERY_RETRY_MAX_MS: '100',
        DELIVERY_POLL_INTERVAL_MS: '50',
        DELIVERY_MAX_ATTEMPTS: '2',
        DELIVERY_OFFLINE_AFTER_FAILURES: '1000',
      })
      cpo = await connectParty(hub, 'CPO', 'NL', 'CPO')
      emsp = await connectParty(hub, 'EMSP', 'DE', 'EMP')
      awayEmsp = await connectParty(hub, 'EMSP', 'BE', 'EMS')
      const planned = await hub.admin<{ id: string }>('POST', '/invitations', {
        name: 'Planned CPO',
        roles: [{ role: 'CPO', country_code: 'NL', party_id: 'PLN' }],
      })
      plannedId = planned.body.id
      awayEmsp.platform.setDown(true)

      // 1. A Location with two EVSEs, then a status change of one of them.
      const put = await cpo.call('/receiver/locations/NL/CPO/LOC1', {
        method: 'PUT',
        body: aLocation(
          { id: 'LOC1', evses: [anEvse('E1', {}, cpo.party), anEvse('E2', {}, cpo.party)] },
          cpo.party,
        ),
      })
      expect(put.body.status_code).toBe(1000)
      const patch = await cpo.call('/receiver/locations/NL/CPO/LOC1/E2', {
        method: 'PATCH',
        body: { status: 'CHARGING', last_updated: '2026-12-06T10:00:00Z' },
      })
      expect(patch.body.status_code).toBe(1000)
      // 2. Delivered to one eMSP, dead for the other.
      await emsp.platform.waitForRequests('/2.3.0/receiver/locations', 2)
      await eventually(async () => {
        const dead = await hub.admin<{ deliveries: unknown[] }>('GET', '/deliveries?state=dead')
        expect(dead.body.deliveries).toHaveLength(2)
      })
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo, emsp, awayEmsp].map((party) => party?.platform.close()))
    })

    describe('GET /admin/deliveries', () => {
      interface DeliveryPage {
        deliveries: { id: number; state: string }[]
        next_cursor: string | null
      }

      it('pages oldest first through next_cursor and the Link header, each delivery once', async () => {
        const whole = await hub.admin<DeliveryPage>('GET', '/deliveries?state=dead')
        expect(whole.body.deliveries).toHaveLength(2)
        expect(whole.body.next_cursor).toBeNull()
        expect(whole.headers.get('link')).toBeNull()

        const first = await hub.admin<DeliveryPage>('GET', '/deliveries?state=dead&limit=1')
        expect(first.body.deliveries.map((d) => d.id)).toEqual([whole.body.deliveries[0]!.id])
        expect(first.body.next_cursor).toEqual(expect.any(String))
        const link = /^<\/admin(\/deliveries\?[^>]+)>; rel="next"$/.exec(first.headers.get('link') ?? '')
        expect(link, first.headers.get('link') ?? 'no Link').not.toBeNull()
        expect(link![1]).toContain('state=dead')

        const second = await hub.admin<DeliveryPage>('GET', link![1]!)
        expect(second.body.deliveries.map((d) => d.id)).toEqual([whole.body.deliveries[1]!.id])
        expect(second.body.next_cursor).toBeNull()
        const byCursor = await hub.admin<DeliveryPage>(
          'GET',
          `/deliveries?state=dead&limit=1&cursor=${first.body.next_cursor}`,
        )
        expect(byCursor.body).toEqual(second.body)
      })

      it('refuses a cursor it did not hand out with 400', async () => {
        const notOurs = Buffer.from(JSON.stringify(['x'])).toString('base64url')
        for (const cursor of [notOurs, 'AAAA']) {
          const response = await hub.admin('GET', `/deliveries?cursor=${cursor}`)
          expect(response.status, cursor).toBe(400)
          expect(response.body).toMatchObject({ title: 'ADMIN_INVALID_REQUEST' })
        }
      })
    })

    describe('GET /admin/stats', () => {
      it('counts parties by role and status, the queue by state, and the deliveries of the window', async () => {
        const figures = await stats()
        expect(figures.parties).toEqual({
          total: 4,
          by_role: { CPO: 2, EMSP: 2 },
          by_status: { CONNECTED: 3, PLANNED: 1 },
        })
        expect(figures.queue).toEqual({ pending: 0, failed: 0, dead: 2 })
        expect(sum(figures.buckets, (b) => b.deliveries_delivered)).toBe(2)
        // Each of the away eMSP's two messages: one failed try that was retried, then parked as dead.
        expect(sum(figures.buckets, (b) => b.deliveries_failed)).toBe(2)
        expect(sum(figures.buckets, (b) => b.deliveries_dead)).toBe(2)
      })

      it('hour: 60 one-minute buckets ending now; day: 96 quarter-hour buckets', async () => {
        const before = Date.now()
        const hour = await stats('hour')
        expect(hour).toMatchObject({ window: 'hour', bucket_seconds: 60 })
        expect(hour.buckets).toHaveLength(60)
        const starts = hour.buckets.map((b) => Date.parse(b.start))
        expect(starts.slice(1).map((start, i) => start - starts[i]!)).toEqual(Array(59).fill(60_000))
        expect(starts.at(-1)).toBeLessThanOrEqual(Date.now())
        expect(starts.at(-1)! + 60_000).toBeGreaterThan(before)
        expect(starts[0]! % 60_000).toBe(0)

        const day = await stats('day')
        expect(day).toMatchObject({ window: 'day', bucket_seconds: 900 })
        expect(day.buckets).toHaveLength(96)
        expect(Date.parse(day.buckets[0]!.start) % 900_000).toBe(0)
        expect(sum(day.buckets, (b) => b.deliveries_delivered)).toBe(2)
      })

      it("requests in and out and their errors add up to the message log's entries, in the bucket of their time", async () => {
        // A request with an unknown token: one more error in.
        const refused = await hub.ocpi('/2.3.0/sender/locations', { token: 'not-a-token' })
        expect(refused.status).toBe(401)
        await eventually(async () => {
          const logged = await messages()
          expect(logged.some((m) => m.direction === 'in' && m.http_status === 401)).toBe(true)
          const expected = trafficOf(logged)
          // The away eMSP's four failed tries are errors out.
          expect(expected.errors_out).toBeGreaterThanOrEqual(4)
          for (const window of ['hour', 'day']) {
            const figures = await stats(window)
            expect({
              requests_in: sum(figures.buckets, (b) => b.requests_in),
              requests_out: sum(figures.buckets, (b) => b.requests_out),
              errors_in: sum(figures.buckets, (b) => b.errors_in),
              errors_out: sum(figures.buckets, (b) => b.errors_out),
            }).toEqual(expected)
          }
        })
        // All of it happened in the last few minutes: in the last buckets of the hour.
        const hour = await stats('hour')
        expect(sum(hour.buckets.slice(0, 50), (b) => b.requests_in)).toBe(0)
      })

      it('refuses an unknown window or parameter with 400', async () => {
        for (const query of ['?window=week', '?window=hour&bucket=5', '?window=']) {
          const response = await hub.admin('GET', `/stats${query}`)
          expect(response.status, query).toBe(400)
          expect(response.body).toMatchObject({ title: 'ADMIN_INVALID_REQUEST' })
        }
      })
    })

    describe('GET /admin/platforms/{id}/traffic', () => {
      it("gives a platform's requests over the last hour and day and its waiting and dead deliveries", async () => {
        await eventually(async () => {
          const logged = await messages(`&party=${awayEmsp.platformId}`)
          const expected = trafficOf(logged)
          // Its four failed tries; its handshake went well.
          expect(expected.errors_out).toBe(4)
          const response = await hub.admin('GET', `/platforms/${awayEmsp.platformId}/traffic`)
          expect(response.status, response.text).toBe(200)
          expect(response.body).toEqual({
            platform_id: awayEmsp.platformId,
            last_hour: expected,
            last_day: expected,
            deliveries: { waiting: 0, pending: 0, failed: 0, dead: 2 },
          })
        })
        const quiet = await hub.admin('GET', `/platforms/${plannedId}/traffic`)
        expect(quiet.body).toEqual({
          platform_id: plannedId,
          last_hour: { requests_in: 0, requests_out: 0, errors_in: 0, errors_out: 0 },
          last_day: { requests_in: 0, requests_out: 0, errors_in: 0, errors_out: 0 },
          deliveries: { waiting: 0, pending: 0, failed: 0, dead: 0 },
        })
      })

      it('an unknown platform is 404', async () => {
        const response = await hub.admin('GET', '/platforms/nope/traffic')
        expect(response.status).toBe(404)
        expect(response.body).toMatchObject({ title: 'ADMIN_NOT_FOUND' })
      })
    })

    describe('GET /admin/messages: status and cursor', () => {
      it('status=error, status=ok and status=<HTTP code> split the log as the figures do', async () => {
        const refused = await hub.ocpi('/2.3.0/sender/tariffs', { token: 'still-not-a-token' })
        expect(refused.status).toBe(401)
        await eventually(async () => {
          const all = await messages()
          expect(all.filter((m) => m.http_status === 401).length).toBeGreaterThanOrEqual(1)
          const errors = await messages('&status=error')
          const ok = await messages('&status=ok')
          expect(errors.map((m) => m.id)).toEqual(all.filter(isError).map((m) => m.id))
          expect(ok.map((m) => m.id)).toEqual(all.filter((m) => !isError(m)).map((m) => m.id))
          const unauthorized = await messages('&status=401')
          expect(unauthorized.map((m) => m.id)).toEqual(
            all.filter((m) => m.http_status === 401).map((m) => m.id),
          )
        })
      })

      it('pages follow next_cursor and the Link header, in either order, each entry once', async () => {
        // Entries are written in batches up to a second after their request: walk a log that has settled.
        await settledLog()
        for (const order of ['desc', 'asc']) {
          const all = await messages(`&order=${order}`)
          expect(all.length).toBeGreaterThan(10)
          const walked: number[] = []
          let cursor: string | null = null
          let pages = 0
          do {
            const query: string = `/messages?bodies=false&limit=4&order=${order}${cursor ? `&cursor=${cursor}` : ''}`
            const page = await hub.admin<{ messages: LoggedMessage[]; next_cursor: string | null }>(
              'GET',
              query,
            )
            expect(page.status, page.text).toBe(200)
            expect(page.body.messages.length).toBeLessThanOrEqual(4)
            walked.push(...page.body.messages.map((m) => m.id))
            cursor = page.body.next_cursor
            const link = page.headers.get('link')
            if (cursor) expect(link).toContain(`cursor=${cursor}`)
            else expect(link).toBeNull()
            pages++
          } while (cursor && pages < 1000)
          expect(walked).toEqual(all.map((m) => m.id))
        }
        // A whole page: no cursor when nothing follows.
        const whole = await hub.admin<{ next_cursor: string | null }>(
          'GET',
          '/messages?limit=1000&bodies=false',
        )
        expect(whole.body.next_cursor).toBeNull()
      })

      it('refuses a bad status, a cursor it did not hand out, or one of the other order, with 400', async () => {
        const first = await hub.admin<{ next_cursor: string }>('GET', '/messages?limit=1&order=desc')
        for (const query of [
          'status=fine',
          'status=99',
          'cursor=bm90LWEtY3Vyc29y',
          `cursor=${first.body.next_cursor}&order=asc`,
          'cursor=a+b',
        ]) {
          const response = await hub.admin('GET', `/messages?${query}`)
          expect(response.status, query).toBe(400)
          expect(response.body).toMatchObject({ title: 'ADMIN_INVALID_REQUEST' })
        }
      })

      it('never shows an Authorization header or a token, bodies included', async () => {
        const logged = await hub.admin('GET', '/messages?limit=1000')
        expect(logged.status).toBe(200)
        expect(logged.text).toContain('credentials')
        expect(logged.text.toLowerCase()).not.toContain('authorization')
        for (const party of [cpo, emsp, awayEmsp]) {
          expect(logged.text).not.toContain(party.platform.tokenToHub!)
          expect(logged.text).not.toContain(party.platform.tokenFromHub!)
        }
      })
    })

    // Last: it sends the dead letters the figures above count.
    describe('GET /admin/deliveries/summary and POST /admin/deliveries/retry-dead', () => {
      interface ReceiverSummary {
        receiver_platform_id: string
        name: string | null
        waiting: number
        pending: number
        failed: number
        dead: number
        oldest_waiting_at: string | null
        last_error: string | null
        last_error_at: string | null
      }

      async function summary(): Promise<ReceiverSummary[]> {
        const response = await hub.admin<{ receivers: ReceiverSummary[] }>('GET', '/deliveries/summary')
        expect(response.status, response.text).toBe(200)
        return response.body.receivers
      }

      it('lists each receiver with messages queued: waiting, dead, the oldest waiting, the last error', async () => {
        const [away, ...others] = await summary()
        expect(others).toEqual([])
        expect(away).toMatchObject({
          receiver_platform_id: awayEmsp.platformId,
          name: 'EMSP BEEMS',
          waiting: 0,
          pending: 0,
          failed: 0,
          dead: 2,
          oldest_waiting_at: null,
        })
        expect(away!.last_error).toMatch(/unreachable|socket|closed/i)
        expect(Date.parse(away!.last_error_at!)).toBeLessThanOrEqual(Date.now())

        // A new message for it, held by the receiver until released, then refused: it waits, and its age shows.
        awayEmsp.platform.setDown(false)
        let release!: () => void
        const released = new Promise<void>((resolve) => (release = resolve))
        awayEmsp.platform.answer('PATCH', '/2.3.0/receiver/locations/NL/CPO/LOC1/E1', async () => {
          await released
          return { status: 503, body: envelope(null, 3000, 'busy') }
        })
        const queuedAt = Date.now()
        await cpo.call('/receiver/locations/NL/CPO/LOC1/E1', {
          method: 'PATCH',
          body: { status: 'BLOCKED', last_updated: '2026-12-06T11:00:00Z' },
        })
        await awayEmsp.platform.waitForRequests('/2.3.0/receiver/locations', 1)
        const waiting = (await summary()).find((r) => r.receiver_platform_id === awayEmsp.platformId)!
        expect(waiting).toMatchObject({ waiting: 1, dead: 2 })
        expect(Math.abs(Date.parse(waiting.oldest_waiting_at!) - queuedAt)).toBeLessThan(5_000)
        release()
        await eventually(async () => {
          const [again] = await summary()
          expect(again).toMatchObject({ waiting: 0, dead: 3, oldest_waiting_at: null })
          expect(again!.last_error).toContain('503')
        })
      })

      it('retry-dead puts every dead letter of the receiver back in line; they arrive in their order', async () => {
        awayEmsp.platform.answer('PATCH', '/2.3.0/receiver/locations/NL/CPO/LOC1/E1', () => ({
          status: 200,
          body: envelope(null),
        }))
        const triedBefore = awayEmsp.inbox('locations').length
        const retry = await hub.admin('POST', '/deliveries/retry-dead', {
          receiver_platform_id: awayEmsp.platformId,
        })
        expect(retry.status, retry.text).toBe(202)
        expect(retry.body).toEqual({ retried: 3 })
        const arrived = await awayEmsp.platform.waitForRequests('/2.3.0/receiver/locations', triedBefore + 3)
        expect(arrived.slice(triedBefore).map((r) => `${r.method} ${r.path}`)).toEqual([
          'PUT /2.3.0/receiver/locations/NL/CPO/LOC1',
          'PATCH /2.3.0/receiver/locations/NL/CPO/LOC1/E2',
          'PATCH /2.3.0/receiver/locations/NL/CPO/LOC1/E1',
        ])
        await eventually(async () => expect(await summary()).toEqual([]))
        const again = await hub.admin('POST', '/deliveries/retry-dead', {
          receiver_platform_id: awayEmsp.platformId,
        })
        expect(again.body).toEqual({ retried: 0 })
      })

      it('retry-dead: an unknown receiver is 404, a bad body 400', async () => {
        const unknown = await hub.admin('POST', '/deliveries/retry-dead', { receiver_platform_id: 'nope' })
        expect(unknown.status).toBe(404)
        for (const body of [{}, { receiver_platform_id: '' }, { receiver_platform_id: 'x', more: 1 }]) {
          const response = await hub.admin('POST', '/deliveries/retry-dead', body)
          expect(response.status, JSON.stringify(body)).toBe(400)
          expect(response.body).toMatchObject({ title: 'ADMIN_INVALID_REQUEST' })
        }
      })
    })
  })
}
