import { afterEach, describe, expect, it } from 'vitest'
import { aLocation } from '../fixtures/locations.ts'
import { envelope } from '../support/fake-platform.ts'
import {
  connectParty,
  eventually,
  QUIET_MS,
  WITH_HUB_CLIENT_INFO,
  type ConnectedParty,
} from '../support/roaming-network.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'

/** Partners that answer badly or not at all: the hub retries each as it asks, and keeps serving the others. */

const FAST = { DELIVERY_RETRY_BASE_MS: '100', DELIVERY_RETRY_MAX_MS: '300', DELIVERY_POLL_INTERVAL_MS: '50' }

interface DeliveryView {
  id: number
  state: string
  attempts: number
}

interface PlatformView {
  id: string
  status: string
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: misbehaving partners`, () => {
    const cleanups: (() => Promise<unknown>)[] = []
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    })

    async function network(env: Record<string, string>, emspIds: string[], modules?: readonly string[]) {
      const hub = await startTestHub(engine, { ...FAST, ...env })
      cleanups.push(() => hub.close())
      const options = modules ? { modules } : {}
      const cpo = await connectParty(hub, 'CPO', 'NL', 'CPO', options)
      cleanups.push(() => cpo.platform.close())
      const emsps: ConnectedParty[] = []
      for (const id of emspIds) {
        const emsp = await connectParty(hub, 'EMSP', 'DE', id, options)
        cleanups.push(() => emsp.platform.close())
        emsps.push(emsp)
      }
      return { hub, cpo, emsps }
    }

    const put = (cpo: ConnectedParty, id: string) =>
      cpo.call(`/receiver/locations/NL/CPO/${id}`, { method: 'PUT', body: aLocation({ id }, cpo.party) })

    it('429 with Retry-After: no retry before the time the receiver asked for', async () => {
      const { cpo, emsps } = await network({}, ['EM1'])
      const [emsp] = emsps as [ConnectedParty]
      const times: number[] = []
      emsp.platform.answer('PUT', '/2.3.0/receiver/locations/NL/CPO/RA1', () => {
        times.push(Date.now())
        if (times.length > 1) return { status: 200, body: envelope(null) }
        return { status: 429, body: envelope(null, 3000, 'slow down'), headers: { 'retry-after': '2' } }
      })
      expect((await put(cpo, 'RA1')).body.status_code).toBe(1000)
      await emsp.platform.waitForRequests('/2.3.0/receiver/locations/NL/CPO/RA1', 2, 10_000)
      // DELIVERY_RETRY_BASE_MS is 100 ms: only the Retry-After header explains the wait.
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1_900)
    })

    it('random 500s, malformed JSON and dropped connections: every message arrives in the end', async () => {
      const { cpo, emsps } = await network(
        { DELIVERY_MAX_ATTEMPTS: '50', DELIVERY_OFFLINE_AFTER_FAILURES: '1000' },
        ['EM1', 'EM2'],
      )
      const [flaky, steady] = emsps as [ConnectedParty, ConnectedParty]
      const ids = Array.from({ length: 12 }, (_, i) => `F${i}`)
      for (const [index, id] of ids.entries()) {
        let calls = 0
        flaky.platform.answer('PUT', `/2.3.0/receiver/locations/NL/CPO/${id}`, () => {
          calls += 1
          if (calls > 2) return { status: 200, body: envelope(null) }
          // Malformed JSON with a 5xx, or a plain 500, on the first two tries.
          return index % 2 === 0
            ? { status: 502, body: '{"status_code": 10' }
            : { status: 500, body: envelope(null, 3000, 'oops') }
        })
      }
      flaky.platform.setDown(true)
      for (const id of ids) expect((await put(cpo, id)).body.status_code).toBe(1000)
      await new Promise((resolve) => setTimeout(resolve, 300))
      flaky.platform.setDown(false)
      await eventually(() => {
        const delivered = new Set(flaky.inbox('locations').map((r) => r.path))
        expect(ids.filter((id) => !delivered.has(`/2.3.0/receiver/locations/NL/CPO/${id}`))).toEqual([])
      }, 20_000)
      expect(new Set(steady.inbox('locations').map((r) => r.path)).size).toBe(ids.length)
    })

    it('a receiver that hangs never slows the others down', async () => {
      const { cpo, emsps } = await network(
        {
          DELIVERY_MAX_IN_FLIGHT: '4',
          DELIVERY_MAX_IN_FLIGHT_PER_RECEIVER: '2',
          // The fast receiver is down for a moment below: it must not be taken for OFFLINE.
          DELIVERY_OFFLINE_AFTER_FAILURES: '1000',
          // Longer than the test: a hanging request holds its slot until the platform closes.
          OUTBOUND_TIMEOUT_MS: '120000',
        },
        ['EM1', 'EM2'],
      )
      const [hanging, fast] = emsps as [ConnectedParty, ConnectedParty]
      const ids = Array.from({ length: 40 }, (_, i) => `H${i}`)
      for (const id of ids) hanging.platform.hang('PUT', `/2.3.0/receiver/locations/NL/CPO/${id}`)
      // The hanging receiver first has the slots to itself: without a per-receiver cap it would take all
      // four and keep them, the fast one would get nothing, and the wait below would fail.
      fast.platform.setDown(true)
      for (const id of ids.slice(0, 4)) expect((await put(cpo, id)).body.status_code).toBe(1000)
      await eventually(() => expect(hanging.inbox('locations').length).toBeGreaterThanOrEqual(2))
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS))
      fast.platform.setDown(false)
      for (const id of ids.slice(4)) expect((await put(cpo, id)).body.status_code).toBe(1000)
      await fast.platform.waitForRequests('/2.3.0/receiver/locations', ids.length, 20_000)
      expect(hanging.inbox('locations').length).toBeLessThanOrEqual(2)
    })

    it('after DELIVERY_OFFLINE_AFTER_FAILURES failures in a row the receiver is OFFLINE and its queue waits; back when it answers', async () => {
      const { hub, cpo, emsps } = await network(
        {
          DELIVERY_OFFLINE_AFTER_FAILURES: '3',
          DELIVERY_MAX_ATTEMPTS: '5',
          STILL_ALIVE_AFTER_MS: '1000',
          STILL_ALIVE_CHECK_INTERVAL_MS: '300',
        },
        ['EM1', 'EM2'],
        WITH_HUB_CLIENT_INFO,
      )
      const [down, watcher] = emsps as [ConnectedParty, ConnectedParty]
      // Past STILL_ALIVE_AFTER_MS since registration: only a probe brings it back, not its recent handshake.
      await new Promise((resolve) => setTimeout(resolve, 1_200))
      down.platform.setDown(true)
      const ids = ['OF1', 'OF2', 'OF3', 'OF4']
      // Two before the verdict, two after it: a receiver marked OFFLINE still gets every broadcast, late.
      for (const id of ids.slice(0, 2)) expect((await put(cpo, id)).body.status_code).toBe(1000)
      const statusOf = async (hubToAsk: TestHub) =>
        (await hubToAsk.admin<{ platforms: PlatformView[] }>('GET', '/platforms')).body.platforms.find(
          (p) => p.id === down.platformId,
        )?.status
      await eventually(async () => expect(await statusOf(hub)).toBe('OFFLINE'), 10_000)
      await eventually(() =>
        expect(
          watcher
            .inbox('hubclientinfo')
            .filter((r) => r.path === '/2.3.0/receiver/hubclientinfo/DE/EM1')
            .map((r) => (r.body as { status: string }).status),
        ).toContain('OFFLINE'),
      )
      for (const id of ids.slice(2)) expect((await put(cpo, id)).body.status_code).toBe(1000)
      // The queue waits: more time than five retries would take, and nothing is parked as dead.
      const waitingBefore = (
        await hub.admin<{ deliveries: DeliveryView[] }>('GET', `/deliveries?party=DE-EM1`)
      ).body.deliveries
      await new Promise((resolve) => setTimeout(resolve, 1_500))
      const waiting = (await hub.admin<{ deliveries: DeliveryView[] }>('GET', `/deliveries?party=DE-EM1`))
        .body.deliveries
      expect(waiting.filter((d) => d.state === 'dead')).toEqual([])
      expect(waiting.map((d) => d.attempts)).toEqual(waitingBefore.map((d) => d.attempts))
      expect(waiting.length).toBeGreaterThan(0)

      down.platform.setDown(false)
      await eventually(async () => expect(await statusOf(hub)).toBe('CONNECTED'), 10_000)
      await eventually(() => {
        const delivered = new Set(down.inbox('locations').map((r) => r.path))
        expect(ids.filter((id) => !delivered.has(`/2.3.0/receiver/locations/NL/CPO/${id}`))).toEqual([])
      }, 10_000)
    })
  })
}
