/**
 * What one broadcast delivery costs the store, statement by statement (issue 13, target 2): EVSE status
 * PATCHes to RECEIVERS eMSPs, each change enqueued in its own transaction as the hub does, then drained as
 * the delivery worker drains an almost empty queue: claims of at most the claim limit, each claim's
 * messages completed in one batch.
 *
 *   npx tsx bench/probes/broadcast-cost.ts [pglite|postgres] [changes, default 400] [changes per drain, default 1] [claim limit, default 64]
 *
 * Per delivery it prints the statements, the time the client waited for them and, on a local PostgreSQL,
 * the CPU time of the server process that ran them (/proc/{pid}/schedstat: one connection, so one process).
 * The machine may be busy: compare statements and same-run figures, not single milliseconds.
 */
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { sql, type KyselyPlugin, type RootOperationNode, type QueryId } from 'kysely'
import type { Db } from '../../src/storage/database.ts'
import { claimDue, enqueue, markDelivered, type OutboundMessage } from '../../src/delivery/outbox.ts'
import { outboundPath } from '../../src/core/outbound-path.ts'
import { addReceivers, withProbeStore, type ProbeEngine } from './probe-store.ts'

const RECEIVERS = 50
/** The broadcast benchmark's network: 2 CPOs × 5 Locations × 4 EVSEs. */
const EVSES = 40
const PER_RECEIVER = 4

const engine: ProbeEngine = process.argv[2] === 'postgres' ? 'postgres' : 'pglite'
const changes = Number(process.argv[3] ?? 400)
const changesPerDrain = Number(process.argv[4] ?? 1)
/** The worker claims its free slots: 64 when idle, fewer when it claims again as each delivery ends. */
const claimLimit = Number(process.argv[5] ?? 64)

type Phase = 'enqueue' | 'claim' | 'complete'

interface StatementCost {
  count: number
  ms: number
}

/** Times every statement, by phase and by what it is (its kind, or the start of a raw statement). */
class StatementTimer implements KyselyPlugin {
  phase: Phase = 'enqueue'
  readonly costs = new Map<string, StatementCost>()
  readonly #started = new Map<QueryId, { label: string; at: number }>()

  transformQuery(args: { node: RootOperationNode; queryId: QueryId }): RootOperationNode {
    this.#started.set(args.queryId, { label: `${this.phase}: ${describe(args.node)}`, at: performance.now() })
    return args.node
  }

  async transformResult<R>(args: { result: R; queryId: QueryId }): Promise<R> {
    const started = this.#started.get(args.queryId)
    if (started) {
      this.#started.delete(args.queryId)
      const cost = this.costs.get(started.label) ?? { count: 0, ms: 0 }
      cost.count += 1
      cost.ms += performance.now() - started.at
      this.costs.set(started.label, cost)
    }
    return args.result
  }
}

function describe(node: RootOperationNode): string {
  if (node.kind !== 'RawNode') return node.kind.replace(/QueryNode$/, '').toLowerCase()
  return node.sqlFragments.join('?').replace(/\s+/g, ' ').trim().slice(0, 48)
}

/** CPU time of one server process so far, ms; undefined where it cannot be read (PGlite, remote server). */
function serverCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6
  } catch {
    return undefined
  }
}

function statusChange(change: number): OutboundMessage[] {
  const evse = change % EVSES
  const cpo = `C${evse % 2}`
  const location = `L${Math.floor(evse / 8) + 1}`
  const body = { status: change % 2 === 0 ? 'CHARGING' : 'AVAILABLE', last_updated: new Date().toISOString() }
  return Array.from({ length: RECEIVERS }, (_, receiver) => ({
    receiverPlatformId: `em${receiver}`,
    to: { country_code: 'DE', party_id: `E${receiver}` },
    from: { country_code: 'NL', party_id: 'HUB' },
    module: 'locations',
    method: 'PATCH',
    path: outboundPath(['NL', cpo, location, `EVSE${evse % 4}`]),
    body,
    correlationId: `c${change}`,
    objectKey: `NL/${cpo}/${location}/`,
    targetPath: `${location}/EVSE${evse % 4}`,
    replacesTarget: false,
  }))
}

await withProbeStore(engine, { poolSize: 1 }, async (store) => {
  await addReceivers(store, RECEIVERS)
  const timer = new StatementTimer()
  const db: Db = store.db.withPlugin(timer)
  const pid =
    engine === 'postgres'
      ? (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)).rows[0]!.pid
      : undefined
  timer.costs.clear()
  const cpu = { enqueue: 0, claim: 0, complete: 0 }
  const wall = { enqueue: 0, claim: 0, complete: 0 }
  const transactions = { enqueue: 0, claim: 0, complete: 0 }
  const measure = async <T>(phase: Phase, transactional: boolean, run: () => Promise<T>): Promise<T> => {
    timer.phase = phase
    const cpuBefore = serverCpuMs(pid)
    const started = performance.now()
    const result = await run()
    wall[phase] += performance.now() - started
    const cpuAfter = serverCpuMs(pid)
    if (cpuBefore !== undefined && cpuAfter !== undefined) cpu[phase] += cpuAfter - cpuBefore
    if (transactional) transactions[phase] += 1
    return result
  }
  let delivered = 0
  let claims = 0
  for (let change = 0; change < changes; change += changesPerDrain) {
    for (let i = change; i < Math.min(change + changesPerDrain, changes); i++) {
      await measure('enqueue', true, () => db.transaction().execute((trx) => enqueue(trx, statusChange(i))))
    }
    for (;;) {
      const claimed = await measure('claim', false, () =>
        claimDue(db, 'probe', { limit: claimLimit, perReceiver: PER_RECEIVER, waitingReceivers: [] }, 30_000),
      )
      claims += 1
      if (claimed.length === 0) break
      await measure('complete', true, () => markDelivered(db, 'probe', claimed))
      delivered += claimed.length
    }
  }
  const per = (value: number) => (value / delivered).toFixed(3)
  console.log(
    `${engine}: ${changes} changes to ${RECEIVERS} receivers, ${changesPerDrain} per drain: ${delivered} delivered (coalescing may drop some), ${claims} claims`,
  )
  console.log(
    'phase     statements/delivery  transactions/delivery  client ms/delivery  server CPU ms/delivery',
  )
  for (const phase of ['enqueue', 'claim', 'complete'] as const) {
    const statements = [...timer.costs].filter(([label]) => label.startsWith(phase))
    const count = statements.reduce((sum, [, cost]) => sum + cost.count, 0)
    console.log(
      `${phase.padEnd(9)} ${per(count).padStart(19)}  ${per(transactions[phase]).padStart(21)}  ${per(wall[phase]).padStart(18)}  ${pid === undefined ? '-' : per(cpu[phase]).padStart(22)}`,
    )
  }
  const total = (record: Record<Phase, number>) => record.enqueue + record.claim + record.complete
  const statementsTotal = [...timer.costs.values()].reduce((sum, cost) => sum + cost.count, 0)
  console.log(
    `total     ${per(statementsTotal).padStart(19)}  ${per(total(transactions)).padStart(21)}  ${per(total(wall)).padStart(18)}  ${pid === undefined ? '-' : per(total(cpu)).padStart(22)}`,
  )
  console.log('\nstatement                                                     count   ms each')
  for (const [label, cost] of [...timer.costs].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(
      `${label.padEnd(60)} ${String(cost.count).padStart(6)}  ${(cost.ms / cost.count).toFixed(3).padStart(8)}`,
    )
  }
})
