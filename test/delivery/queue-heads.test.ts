import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { outboundPath } from '../../src/core/outbound-path.ts'
import type { ModuleId } from '../../src/core/modules.ts'
import {
  claimDue,
  enqueue,
  markDelivered,
  markFailed,
  retryNow,
  type OutboundMessage,
} from '../../src/delivery/outbox.ts'
import type { Db } from '../../src/storage/database.ts'
import { createTestStore, STORE_VARIANTS, type TestStore } from '../support/test-store.ts'

const LIMITS = { limit: 100, perReceiver: 100, waitingReceivers: [] }
const LEASE_MS = 30_000

/** One message to receiver `em1` about object `NL/CP1/{object}`, with the parts a test cares about. */
function message(
  object: string,
  overrides: Partial<
    Pick<OutboundMessage, 'method' | 'body' | 'targetPath' | 'module' | 'correlationId' | 'to'>
  > = {},
): OutboundMessage {
  const method = overrides.method ?? 'PATCH'
  return {
    receiverPlatformId: 'em1',
    to: { country_code: 'DE', party_id: 'EM1' },
    from: { country_code: 'NL', party_id: 'CP1' },
    module: 'locations',
    method,
    path: outboundPath(['NL', 'CP1', ...(overrides.targetPath ?? object).split('/')]),
    body: { status: 'AVAILABLE' },
    correlationId: 'c',
    objectKey: `NL/CP1/${object}`,
    targetPath: object,
    replacesTarget: method === 'PUT' || method === 'DELETE',
    ...overrides,
  }
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: queue heads`, () => {
    let testStore: TestStore
    let db: Db
    beforeEach(async () => {
      testStore = await createTestStore(engine)
      db = testStore.store.db
      await db
        .insertInto('platforms')
        .values({ id: 'em1', name: 'eMSP 1', status: 'CONNECTED', initiated_by: 'partner', endpoints: '[]' })
        .execute()
    })
    afterEach(() => testStore.dispose())

    const queue = (trxMessages: OutboundMessage[]) =>
      db.transaction().execute((trx) => enqueue(trx, trxMessages))
    const waiting = () =>
      db.selectFrom('deliveries').select(['correlation_id', 'head', 'state', 'lane']).orderBy('id').execute()
    const claim = async () => (await claimDue(db, 'w1', LIMITS, LEASE_MS)).map((row) => row.correlation_id)

    it('only the oldest message of a key is claimable; completing it makes the next one the head', async () => {
      await queue([
        message('L1', { method: 'PUT', correlationId: 'put', body: {} }),
        message('L1', { targetPath: 'L1/E1', correlationId: 'patch-1' }),
        message('L2', { targetPath: 'L2/E1', correlationId: 'other-object' }),
      ])
      expect((await waiting()).map((row) => [row.correlation_id, row.head, row.lane])).toEqual([
        ['put', true, 'NL/CP1'],
        ['patch-1', false, 'NL/CP1'],
        ['other-object', true, 'NL/CP1'],
      ])
      const first = await claimDue(db, 'w1', LIMITS, LEASE_MS)
      expect(first.map((row) => row.correlation_id).sort()).toEqual(['other-object', 'put'])
      expect(await claim()).toEqual([])
      await markDelivered(db, 'w1', first)
      expect(await claim()).toEqual(['patch-1'])
    })

    it('a message parked as dead passes the head on; an operator retry waits behind the head of its key', async () => {
      await queue([
        message('L1', { correlationId: 'first', body: { a: 1 } }),
        message('L1', { correlationId: 'second', body: { b: 1 } }),
        message('L1', { correlationId: 'third', body: { c: 1 } }),
      ])
      const [first] = await claimDue(db, 'w1', LIMITS, LEASE_MS)
      await markFailed(db, first!, 'w1', { error: 'refused', httpStatus: 400, retryAt: undefined })
      const [second] = await claimDue(db, 'w1', LIMITS, LEASE_MS)
      expect(second!.correlation_id).toBe('second')

      expect(await retryNow(db, first!.id)).toBe(true)
      expect(await claim()).toEqual([])
      await markDelivered(db, 'w1', [second!])
      // The retried message is the oldest one left: it goes before `third`.
      expect(await claim()).toEqual(['first'])
    })

    it('a retried dead message whose key has nothing else waiting is the head again', async () => {
      await queue([message('L1', { correlationId: 'only' })])
      const [only] = await claimDue(db, 'w1', LIMITS, LEASE_MS)
      await markFailed(db, only!, 'w1', { error: 'refused', httpStatus: 400, retryAt: undefined })
      expect(await waiting()).toEqual([
        { correlation_id: 'only', head: false, state: 'dead', lane: 'NL/CP1' },
      ])
      expect(await retryNow(db, only!.id)).toBe(true)
      expect(await claim()).toEqual(['only'])
    })

    it('a failed try keeps the head: the next message of the key waits for the retry', async () => {
      await queue([
        message('L1', { correlationId: 'put', method: 'PUT', body: {} }),
        message('L1', { targetPath: 'L1/E1', correlationId: 'patch' }),
      ])
      const [put] = await claimDue(db, 'w1', LIMITS, LEASE_MS)
      await markFailed(db, put!, 'w1', {
        error: '503',
        httpStatus: 503,
        retryAt: new Date(Date.now() + 60_000),
      })
      expect(await claim()).toEqual([])
    })

    it('a PATCH of a latest-state object replaces waiting PATCHes of the same target whose fields it carries', async () => {
      await queue([
        message('L1', {
          targetPath: 'L1/E1',
          correlationId: 'status-1',
          body: { status: 'CHARGING', last_updated: '1' },
        }),
        message('L1', { targetPath: 'L1/E1', correlationId: 'fewer-fields', body: { status: 'BLOCKED' } }),
        message('L1', {
          targetPath: 'L1/E1',
          correlationId: 'more-fields',
          body: { status: 'BLOCKED', max_power: 1 },
        }),
        message('L1', { targetPath: 'L1/E2', correlationId: 'other-evse', body: { status: 'BLOCKED' } }),
      ])
      await queue([
        message('L1', {
          targetPath: 'L1/E1',
          correlationId: 'status-2',
          body: { status: 'AVAILABLE', last_updated: '2' },
        }),
      ])
      // Each message of the first batch was queued before the later ones of that batch could drop it.
      expect((await waiting()).map((row) => row.correlation_id)).toEqual([
        'more-fields',
        'other-evse',
        'status-2',
      ])
      expect((await waiting())[0]!.head).toBe(true)
    })

    it('a PATCH being sent is not replaced, and sessions, tokens and the other modules never coalesce', async () => {
      await queue([message('L1', { targetPath: 'L1/E1', correlationId: 'in-flight' })])
      expect(await claim()).toEqual(['in-flight'])
      await queue([message('L1', { targetPath: 'L1/E1', correlationId: 'newer' })])
      for (const module of ['sessions', 'tokens'] as ModuleId[]) {
        await queue([message('S1', { module, correlationId: `${module}-1` })])
        await queue([message('S1', { module, correlationId: `${module}-2` })])
      }
      expect((await waiting()).map((row) => [row.correlation_id, row.head])).toEqual([
        ['in-flight', true],
        ['newer', false],
        ['sessions-1', true],
        ['sessions-2', false],
        ['tokens-1', true],
        ['tokens-2', false],
      ])
    })

    it("a write addressed to one party of the receiver drops nothing addressed to another (a peer hub's parties)", async () => {
      const other = { country_code: 'FR', party_id: 'EM2' }
      await queue([
        message('L1', {
          method: 'PUT',
          correlationId: 'withdrawn-from-em2',
          body: { publish: false },
          to: other,
        }),
        message('L1', {
          targetPath: 'L1/E1',
          correlationId: 'patch-to-em2',
          body: { status: 'BLOCKED' },
          to: other,
        }),
      ])
      await queue([
        message('L1', { method: 'PUT', correlationId: 'put-to-em1', body: { publish: true } }),
        message('L1', { targetPath: 'L1/E1', correlationId: 'patch-to-em1', body: { status: 'BLOCKED' } }),
      ])
      expect((await waiting()).map((row) => row.correlation_id)).toEqual([
        'withdrawn-from-em2',
        'patch-to-em2',
        'put-to-em1',
        'patch-to-em1',
      ])
    })

    it('a full write that drops the head of its key hands the head to what is left', async () => {
      await queue([
        message('L1', { targetPath: 'L1/E1', correlationId: 'evse-patch' }),
        message('L1', { targetPath: 'L1/E2', correlationId: 'kept', body: { other: 1 } }),
      ])
      await queue([
        message('L1', { targetPath: 'L1/E1', method: 'PUT', correlationId: 'evse-put', body: {} }),
      ])
      expect((await waiting()).map((row) => [row.correlation_id, row.head])).toEqual([
        ['kept', true],
        ['evse-put', false],
      ])
    })
  })
}
