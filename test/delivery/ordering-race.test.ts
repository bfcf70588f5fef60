import { setTimeout as pause } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { openStore } from '../../src/storage/database.ts'
import { aLocation, anEvse } from '../fixtures/locations.ts'
import { aToken } from '../fixtures/tokens.ts'
import { envelope } from '../support/fake-platform.ts'
import { connectParty, eventually, HUB_PARTY, routeHeaders } from '../support/roaming-network.ts'
import { createTestStore, STORE_VARIANTS, type TestStore } from '../support/test-store.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'
import { scaled } from '../support/time-limits.ts'

const CHANGES = 40
const FAST_RETRIES = {
  DELIVERY_RETRY_BASE_MS: '100',
  DELIVERY_RETRY_MAX_MS: '200',
  DELIVERY_POLL_INTERVAL_MS: '20',
  DELIVERY_OFFLINE_AFTER_FAILURES: '1000',
}

/**
 * Messages of one object are queued while the messages before them complete, on another hub process
 * (docs/decisions/0006): a completion must never miss a message being queued, nor let it overtake. Token
 * PATCHes are never coalesced: every one arrives, in order. EVSE status PATCHes may be coalesced while
 * waiting: what arrives is in order and ends with the latest.
 */
for (const engine of STORE_VARIANTS) {
  const processes = engine === 'postgres' ? 2 : 1
  describe(`${engine}: order per object while queueing and completing race (${processes} hub processes)`, () => {
    const cleanups: (() => Promise<void>)[] = []
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    })

    async function hubs(): Promise<TestHub[]> {
      if (engine === 'pglite') {
        const hub = await startTestHub(engine, FAST_RETRIES)
        cleanups.push(() => hub.close())
        return [hub]
      }
      const shared: TestStore = await createTestStore('postgres')
      const secondPool = await openStore({ databaseUrl: shared.databaseUrl, poolSize: 5 })
      cleanups.push(async () => {
        await secondPool.close()
        await shared.dispose()
      })
      const one = await startTestHub('postgres', FAST_RETRIES, { sharedStore: shared })
      cleanups.push(() => one.close())
      const two = await startTestHub('postgres', FAST_RETRIES, {
        sharedStore: { store: secondPool, databaseUrl: shared.databaseUrl, dispose: async () => {} },
      })
      cleanups.push(() => two.close())
      return [one, two]
    }

    // 80 pushes one after the other, and hubs to start: more than the default 30 s on a busy machine.
    it(
      'every token PATCH arrives in order; EVSE status PATCHes arrive in order and end with the latest',
      { timeout: scaled(120_000) },
      async () => {
        const running = await hubs()
        const [first] = running
        const cpo = await connectParty(first!, 'CPO', 'NL', 'CPO')
        const emsp = await connectParty(first!, 'EMSP', 'DE', 'EM1')
        cleanups.push(
          () => cpo.platform.close(),
          () => emsp.platform.close(),
        )
        // The other process's directory may be up to its bound (1 s) behind the registrations: a message it
        // claimed before would be parked as dead for want of an endpoint, and the next one would go first.
        if (running.length > 1) await pause(1_500)
        // Receivers that take a little time, so completions overlap the next pushes.
        const slowly = async () => {
          await pause(Math.random() * 4)
          return { status: 200, body: envelope(null) }
        }
        cpo.platform.answer('PATCH', '/2.3.0/receiver/tokens/DE/EM1/TOK1', slowly)
        emsp.platform.answer('PATCH', '/2.3.0/receiver/locations/NL/CPO/L1/E1', slowly)
        const via = (change: number) => running[change % running.length]!
        const tokenPath = '/2.3.0/receiver/tokens/DE/EM1/TOK1?type=RFID'
        await first!.ocpi(tokenPath, {
          method: 'PUT',
          token: emsp.platform.tokenToHub!,
          body: aToken({ uid: 'TOK1' }, emsp.party),
          headers: routeHeaders(emsp.party, HUB_PARTY),
        })
        await first!.ocpi('/2.3.0/receiver/locations/NL/CPO/L1', {
          method: 'PUT',
          token: cpo.platform.tokenToHub!,
          body: aLocation({ id: 'L1', evses: [anEvse('E1', {}, cpo.party)] }, cpo.party),
        })

        const stamp = (change: number) => `2026-12-01T10:${String(change).padStart(2, '0')}:00Z`
        for (let change = 0; change < CHANGES; change++) {
          const token = await via(change).ocpi(tokenPath, {
            method: 'PATCH',
            token: emsp.platform.tokenToHub!,
            body: { visual_number: `V${change}`, last_updated: stamp(change) },
            headers: routeHeaders(emsp.party, HUB_PARTY),
          })
          expect(token.status).toBe(200)
          const status = await via(change + 1).ocpi('/2.3.0/receiver/locations/NL/CPO/L1/E1', {
            method: 'PATCH',
            token: cpo.platform.tokenToHub!,
            body: { status: change % 2 === 0 ? 'CHARGING' : 'AVAILABLE', last_updated: stamp(change) },
          })
          expect(status.status).toBe(200)
        }

        const tokenPatches = await eventually(() => {
          const patches = cpo.inbox('tokens').filter((r) => r.method === 'PATCH')
          expect(patches).toHaveLength(CHANGES)
          return patches
        })
        expect(tokenPatches.map((r) => (r.body as { visual_number: string }).visual_number)).toEqual(
          Array.from({ length: CHANGES }, (_, change) => `V${change}`),
        )
        expect(cpo.inbox('tokens')[0]!.method).toBe('PUT')

        const statusStamps = await eventually(() => {
          const stamps = emsp
            .inbox('locations')
            .filter((r) => r.method === 'PATCH')
            .map((r) => (r.body as { last_updated: string }).last_updated)
          expect(stamps.at(-1)).toBe(stamp(CHANGES - 1))
          return stamps
        })
        expect(statusStamps).toEqual([...new Set(statusStamps)].sort())
        expect(emsp.inbox('locations')[0]!.method).toBe('PUT')
        // Nothing is left behind in the queue.
        await eventually(async () => {
          const left = await first!.admin<{ deliveries: unknown[] }>('GET', '/deliveries')
          expect(left.body.deliveries).toEqual([])
        })
      },
    )
  })
}
