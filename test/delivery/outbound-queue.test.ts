import { afterEach, describe, expect, it } from 'vitest'
import { openStore } from '../../src/storage/database.ts'
import { aLocation, anEvse } from '../fixtures/locations.ts'
import { envelope } from '../support/fake-platform.ts'
import { connectParty, eventually, type ConnectedParty } from '../support/roaming-network.ts'
import { createTestStore, STORE_VARIANTS, type TestStore } from '../support/test-store.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'

// These tests are about the queue, not about marking a failing receiver OFFLINE (test/resilience covers that).
const FAST_RETRIES = {
  DELIVERY_RETRY_BASE_MS: '100',
  DELIVERY_RETRY_MAX_MS: '200',
  DELIVERY_POLL_INTERVAL_MS: '50',
  DELIVERY_OFFLINE_AFTER_FAILURES: '1000',
}

interface DeliveryView {
  id: number
  state: string
  attempts: number
  path: string
  last_error: string | null
  last_http_status: number | null
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: the durable outbound queue`, () => {
    const cleanups: (() => Promise<void>)[] = []
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    })

    async function network(env: Record<string, string> = {}) {
      const hub = await startTestHub(engine, { ...FAST_RETRIES, ...env })
      cleanups.push(() => hub.close())
      const cpo = await connectParty(hub, 'CPO', 'NL', 'CPO')
      const emsp = await connectParty(hub, 'EMSP', 'DE', 'EMP')
      cleanups.push(
        () => cpo.platform.close(),
        () => emsp.platform.close(),
      )
      return { hub, cpo, emsp }
    }

    const locationPuts = (emsp: ConnectedParty) => emsp.inbox('locations').filter((r) => r.method !== 'GET')

    it('a receiver that is down gets its messages, in order, once it is back; waiting status PATCHes coalesce to the latest', async () => {
      const { cpo, emsp } = await network()
      emsp.platform.setDown(true)
      await cpo.call('/receiver/locations/NL/CPO/L1', {
        method: 'PUT',
        body: aLocation(
          { id: 'L1', evses: [anEvse('E1', {}, cpo.party), anEvse('E2', {}, cpo.party)] },
          cpo.party,
        ),
      })
      const statuses = ['CHARGING', 'AVAILABLE', 'BLOCKED', 'OUTOFORDER', 'INOPERATIVE'] as const
      for (let change = 0; change < 20; change++) {
        await cpo.call('/receiver/locations/NL/CPO/L1/E1', {
          method: 'PATCH',
          body: {
            status: statuses[change % statuses.length],
            last_updated: `2026-11-28T10:${String(change).padStart(2, '0')}:00Z`,
          },
        })
        // Another EVSE's PATCH in the middle keeps its place: it is another target.
        if (change === 9) {
          await cpo.call('/receiver/locations/NL/CPO/L1/E2', {
            method: 'PATCH',
            body: { status: 'RESERVED', last_updated: '2026-11-28T10:09:30Z' },
          })
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 300))
      emsp.platform.setDown(false)

      const received = await eventually(() => {
        const delivered = locationPuts(emsp)
        expect(delivered.map((r) => [r.method, r.path])).toEqual([
          ['PUT', '/2.3.0/receiver/locations/NL/CPO/L1'],
          ['PATCH', '/2.3.0/receiver/locations/NL/CPO/L1/E2'],
          ['PATCH', '/2.3.0/receiver/locations/NL/CPO/L1/E1'],
        ])
        return delivered
      })
      expect(received[2]!.body).toEqual({ status: 'INOPERATIVE', last_updated: '2026-11-28T10:19:00Z' })
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(locationPuts(emsp)).toHaveLength(3)
    })

    it('a PATCH never overtakes the PUT before it, even when the PUT needs a retry', async () => {
      const { cpo, emsp } = await network()
      emsp.platform.failNext('PUT', '/2.3.0/receiver/locations/NL/CPO/L2', 503, envelope(null, 3000, 'busy'))
      await cpo.call('/receiver/locations/NL/CPO/L2', {
        method: 'PUT',
        body: aLocation({ id: 'L2', evses: [anEvse('E1', {}, cpo.party)] }, cpo.party),
      })
      await cpo.call('/receiver/locations/NL/CPO/L2/E1', {
        method: 'PATCH',
        body: { status: 'CHARGING', last_updated: '2026-11-28T10:00:00Z' },
      })

      await eventually(() =>
        expect(locationPuts(emsp).map((r) => `${r.method} ${r.path}`)).toEqual([
          'PUT /2.3.0/receiver/locations/NL/CPO/L2',
          'PUT /2.3.0/receiver/locations/NL/CPO/L2',
          'PATCH /2.3.0/receiver/locations/NL/CPO/L2/E1',
        ]),
      )
    })

    it('a newer full PUT replaces an older one still waiting: the receiver gets only the newest', async () => {
      const { hub, cpo, emsp } = await network({
        DELIVERY_RETRY_BASE_MS: '600',
        DELIVERY_RETRY_MAX_MS: '600',
      })
      emsp.platform.setDown(true)
      await cpo.call('/receiver/locations/NL/CPO/L3', {
        method: 'PUT',
        body: aLocation({ id: 'L3', name: 'first' }, cpo.party),
      })
      // Wait until the first PUT has failed once and waits for its retry (not being sent right now).
      await eventually(async () => {
        const waiting = await hub.admin<{ deliveries: DeliveryView[] }>('GET', '/deliveries?state=failed')
        expect(waiting.body.deliveries).toHaveLength(1)
      })
      await cpo.call('/receiver/locations/NL/CPO/L3', {
        method: 'PUT',
        body: aLocation({ id: 'L3', name: 'second' }, cpo.party),
      })
      emsp.platform.setDown(false)

      await eventually(() => expect(locationPuts(emsp)).toHaveLength(1))
      await new Promise((resolve) => setTimeout(resolve, 800))
      expect(locationPuts(emsp).map((r) => (r.body as { name: string }).name)).toEqual(['second'])
    })

    it('a message refused for good (OCPI 2xxx) is parked as dead at once; an operator retry sends it again', async () => {
      const { hub, cpo, emsp } = await network()
      emsp.platform.failNext(
        'PUT',
        '/2.3.0/receiver/locations/NL/CPO/L4',
        200,
        envelope(null, 2001, 'we do not like it'),
      )
      await cpo.call('/receiver/locations/NL/CPO/L4', {
        method: 'PUT',
        body: aLocation({ id: 'L4' }, cpo.party),
      })

      const dead = await eventually(async () => {
        const list = await hub.admin<{ deliveries: DeliveryView[] }>(
          'GET',
          `/deliveries?state=dead&party=DE-EMP`,
        )
        expect(list.body.deliveries).toHaveLength(1)
        return list.body.deliveries[0]!
      })
      expect(dead).toMatchObject({ attempts: 1, path: '/NL/CPO/L4', last_http_status: 200 })
      expect(dead.last_error).toContain('2001')

      const retry = await hub.admin('POST', `/deliveries/${dead.id}/retry`)
      expect(retry.status).toBe(202)
      await eventually(() => expect(locationPuts(emsp)).toHaveLength(2))
      await eventually(async () => {
        const left = await hub.admin<{ deliveries: DeliveryView[] }>('GET', '/deliveries')
        expect(left.body.deliveries).toEqual([])
      })
      expect((await hub.admin('POST', '/deliveries/999999/retry')).status).toBe(404)
    })

    it('after DELIVERY_MAX_ATTEMPTS failed tries a message is parked as dead, not retried forever', async () => {
      const { hub, cpo, emsp } = await network({ DELIVERY_MAX_ATTEMPTS: '3' })
      emsp.platform.answer('PUT', '/2.3.0/receiver/locations/NL/CPO/L5', () => ({
        status: 503,
        body: envelope(null, 3000, 'down'),
      }))
      await cpo.call('/receiver/locations/NL/CPO/L5', {
        method: 'PUT',
        body: aLocation({ id: 'L5' }, cpo.party),
      })
      const dead = await eventually(async () => {
        const list = await hub.admin<{ deliveries: DeliveryView[] }>('GET', '/deliveries?state=dead')
        expect(list.body.deliveries).toHaveLength(1)
        return list.body.deliveries[0]!
      })
      expect(dead.attempts).toBe(3)
      expect(dead.last_http_status).toBe(503)
      expect(locationPuts(emsp)).toHaveLength(3)
    })

    it('a hub restart loses nothing: what was queued goes out after the hub starts again', async () => {
      const testStore = await createTestStore(engine)
      cleanups.push(() => testStore.dispose())
      const first = await startTestHub(engine, FAST_RETRIES, { sharedStore: testStore })
      const cpo = await connectParty(first, 'CPO', 'NL', 'CPO')
      const emsp = await connectParty(first, 'EMSP', 'DE', 'EMP')
      cleanups.push(
        () => cpo.platform.close(),
        () => emsp.platform.close(),
      )
      emsp.platform.setDown(true)
      for (let i = 0; i < 20; i++) {
        await cpo.call(`/receiver/locations/NL/CPO/R${i}`, {
          method: 'PUT',
          body: aLocation({ id: `R${i}` }, cpo.party),
        })
      }
      await first.close()
      emsp.platform.setDown(false)
      expect(locationPuts(emsp)).toEqual([])

      const second = await startTestHub(engine, FAST_RETRIES, { sharedStore: testStore })
      cleanups.push(() => second.close())
      await eventually(() => expect(new Set(locationPuts(emsp).map((r) => r.path)).size).toBe(20))
      expect(locationPuts(emsp)).toHaveLength(20)
    })
  })
}

describe.runIf(STORE_VARIANTS.includes('postgres'))('postgres: two hub processes on one database', () => {
  let stores: TestStore[] = []
  let hubs: TestHub[] = []
  let parties: ConnectedParty[] = []
  afterEach(async () => {
    await Promise.all(hubs.map((h) => h.close()))
    await Promise.all(parties.map((p) => p.platform.close()))
    for (const store of stores) await store.dispose()
    stores = []
    hubs = []
    parties = []
  })

  it('share the queue and deliver every message exactly once', async () => {
    const shared = await createTestStore('postgres')
    const secondPool = await openStore({ databaseUrl: shared.databaseUrl, poolSize: 5 })
    stores = [
      {
        ...shared,
        dispose: async () => {
          await secondPool.close()
          await shared.dispose()
        },
      },
    ]
    const one = await startTestHub('postgres', FAST_RETRIES, { sharedStore: shared })
    const two = await startTestHub('postgres', FAST_RETRIES, {
      sharedStore: { store: secondPool, databaseUrl: shared.databaseUrl, dispose: async () => {} },
    })
    hubs = [one, two]
    const cpo = await connectParty(one, 'CPO', 'NL', 'CPO')
    const emsps = [await connectParty(one, 'EMSP', 'DE', 'EM1'), await connectParty(one, 'EMSP', 'DE', 'EM2')]
    parties = [cpo, ...emsps]

    // Pushes land on both processes; both workers drain the one queue.
    const pushes = Array.from({ length: 100 }, (_, i) => i)
    await Promise.all(
      pushes.map((i) =>
        (i % 2 === 0 ? one : two).ocpi(`/2.3.0/receiver/locations/NL/CPO/M${i}`, {
          method: 'PUT',
          token: cpo.platform.tokenToHub!,
          body: aLocation({ id: `M${i}` }, cpo.party),
        }),
      ),
    )
    for (const emsp of emsps) {
      await eventually(() => expect(emsp.inbox('locations')).toHaveLength(100))
    }
    await new Promise((resolve) => setTimeout(resolve, 500))
    for (const emsp of emsps) {
      const paths = emsp.inbox('locations').map((r) => r.path)
      expect(paths).toHaveLength(100)
      expect(new Set(paths).size).toBe(100)
    }
  })
})
