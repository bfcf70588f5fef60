/**
 * Times one claim of the outbox with a backlog waiting (docs/decisions/0006-outbox-queue-heads.md).
 *
 *   npx tsx bench/probes/claim-cost.ts [pglite|postgres] [sizes, e.g. 1000,10000,100000]
 *
 * postgres uses TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) and a database of its
 * own, dropped afterwards. The backlog is a broadcast-like queue: RECEIVERS receivers, 5 sending CPOs,
 * chains of CHAIN messages per object (Session PATCHes: never coalesced), all due. Each figure is the
 * median of a few claims of 64 messages, each released again so the next claim sees the same queue.
 */
import { sql } from 'kysely'
import type { Store } from '../../src/storage/database.ts'
import { claimDue, enqueue, type OutboundMessage } from '../../src/delivery/outbox.ts'
import { outboundPath } from '../../src/core/outbound-path.ts'
import { addReceivers, withProbeStore } from './probe-store.ts'

const RECEIVERS = 50
const SENDERS = 5
const CHAIN = 4
const CLAIMS = 9

const engine = process.argv[2] === 'postgres' ? 'postgres' : 'pglite'
const sizes = (process.argv[3] ?? '1000,10000,100000').split(',').map(Number)

/** One change of one session, sent to every receiver: RECEIVERS rows in one enqueue. */
function broadcast(change: number): OutboundMessage[] {
  const object = Math.floor(change / CHAIN)
  const sender = `CP${object % SENDERS}`
  return Array.from({ length: RECEIVERS }, (_, receiver) => ({
    receiverPlatformId: `em${receiver}`,
    to: { country_code: 'DE', party_id: `EM${receiver}` },
    from: { country_code: 'NL', party_id: sender },
    module: 'sessions',
    method: 'PATCH',
    path: outboundPath(['NL', sender, `S${object}`]),
    body: { kwh: change },
    correlationId: `c${change}`,
    objectKey: `NL/${sender}/S${object}`,
    targetPath: `S${object}`,
    replacesTarget: false,
  }))
}

async function fill(store: Store, rows: number): Promise<void> {
  const changes = rows / RECEIVERS
  for (let change = 0; change < changes; change += 20) {
    const batch = Array.from({ length: Math.min(20, changes - change) }, (_, i) => broadcast(change + i))
    await store.db.transaction().execute((trx) => enqueue(trx, batch.flat()))
  }
  await sql`analyze deliveries`.execute(store.db)
}

async function timeClaims(store: Store): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < CLAIMS; i++) {
    const started = performance.now()
    const claimed = await claimDue(
      store.db,
      'measure',
      { limit: 64, perReceiver: 8, waitingReceivers: [] },
      30_000,
    )
    times.push(performance.now() - started)
    if (claimed.length === 0) throw new Error('nothing claimed')
    await store.db
      .updateTable('deliveries')
      .set({ locked_until: null, locked_by: null })
      .where('locked_by', '=', 'measure')
      .execute()
  }
  return times.sort((a, b) => a - b)
}

await withProbeStore(engine, { poolSize: 2 }, async (store) => {
  await addReceivers(store, RECEIVERS)
  let filled = 0
  for (const size of sizes) {
    await fill(store, size - filled)
    filled = size
    const times = await timeClaims(store)
    console.log(
      `${engine}: ${size} waiting: claim median ${times[Math.floor(times.length / 2)]!.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, max ${times.at(-1)!.toFixed(1)})`,
    )
  }
})
