/**
 * The benchmarks (docs/benchmarks.md): the hub as its own process on a fresh store, simulated partners,
 * a load generator and a bare forwarder, each in a process of its own, all on 127.0.0.1.
 *
 * @example
 * npm run bench                                  # every scenario on PGlite and PostgreSQL
 * npm run bench -- broadcast --store postgres    # one scenario, one store
 * npm run bench -- --smoke                       # tiny sizes, seconds (CI)
 * npm run bench -- party-to-party --profile      # also a CPU profile of the hub (bench/results/profile.json)
 * npm run bench -- scale --set scale.evses=200000
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { StoreEngine } from '../src/storage/database.ts'
import type { LoadGeneratorHandlers } from './load/load-generator.ts'
import { loadAverage1m, type BenchContext, type Scenario, type ScenarioResult } from './lib/bench-context.ts'
import { repoRoot } from './lib/hub-under-test.ts'
import { RpcChild } from './lib/rpc.ts'
import { FULL, SMOKE, withOverrides } from './lib/sizes.ts'
import type { PartnerHandlers } from './partners/partner-host.ts'
import type { FanOutHandlers } from './passthrough/fan-out.ts'
import type { ForwarderHandlers } from './passthrough/forwarder.ts'
import { summariseCpuProfiles } from './report/cpu-profile.ts'
import { writeResults } from './report/results.ts'
import { authorize } from './scenarios/authorize.ts'
import { backlog } from './scenarios/backlog.ts'
import { broadcast } from './scenarios/broadcast.ts'
import { partyToParty } from './scenarios/party-to-party.ts'
import { restart } from './scenarios/restart.ts'
import { scale } from './scenarios/scale.ts'
import { start } from './scenarios/start.ts'
import { twoProcesses } from './scenarios/two-processes.ts'

const SCENARIOS: readonly Scenario[] = [
  partyToParty,
  broadcast,
  backlog,
  authorize,
  scale,
  restart,
  start,
  twoProcesses,
]

const USAGE = `usage: npm run bench -- [${SCENARIOS.map((s) => s.name).join('|')} ...] [--smoke] [--store pglite|postgres|both] [--profile] [--set group.size=value ...]`

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      smoke: { type: 'boolean', default: false },
      store: { type: 'string', default: 'both' },
      profile: { type: 'boolean', default: false },
      set: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  const unknown = positionals.filter((name) => !SCENARIOS.some((s) => s.name === name))
  const stores: StoreEngine[] =
    values.store === 'both' ? ['pglite', 'postgres'] : [values.store as StoreEngine]
  if (unknown.length > 0 || !stores.every((s) => s === 'pglite' || s === 'postgres')) {
    console.error(`${unknown.length > 0 ? `unknown scenario ${unknown.join(', ')}\n` : ''}${USAGE}`)
    return 2
  }
  const scenarios = positionals.length > 0 ? SCENARIOS.filter((s) => positionals.includes(s.name)) : SCENARIOS
  const sizes = withOverrides(values.smoke ? SMOKE : FULL, values.set)

  const partners = new RpcChild<PartnerHandlers>(
    new URL('./partners/partner-host.ts', import.meta.url),
    'partners',
  )
  const load = new RpcChild<LoadGeneratorHandlers>(
    new URL('./load/load-generator.ts', import.meta.url),
    'load generator',
  )
  const forwarder = new RpcChild<ForwarderHandlers>(
    new URL('./passthrough/forwarder.ts', import.meta.url),
    'forwarder',
  )
  const fanOut = new RpcChild<FanOutHandlers>(new URL('./passthrough/fan-out.ts', import.meta.url), 'fan-out')
  const results: ScenarioResult[] = []
  const profiles: Record<string, unknown> = {}
  let failed = false
  try {
    for (const store of stores) {
      for (const scenario of scenarios) {
        const tmp = join(repoRoot, '.tmp')
        mkdirSync(tmp, { recursive: true })
        const cpuProfileDir = values.profile ? mkdtempSync(join(tmp, 'bench-profile-')) : undefined
        const context: BenchContext = {
          engine: store,
          sizes,
          partners,
          load,
          forwarder,
          fanOut,
          cpuProfileDir,
          log: (line) => console.log(line),
        }
        console.log(`▶ ${scenario.name} on ${store} (load average ${loadAverage1m()})`)
        const before = loadAverage1m()
        const started = Date.now()
        try {
          const { figures, details } = await scenario.run(context)
          results.push({
            scenario: scenario.name,
            store,
            date: new Date().toISOString(),
            loadAverage1m: { before, after: loadAverage1m() },
            figures,
            details,
          })
          for (const f of figures)
            console.log(
              `  ${f.label}: ${f.value} ${f.unit}${f.target ? ` (target ${f.target}: ${f.met ? 'met' : 'missed'})` : ''}`,
            )
          console.log(`  done in ${Math.round((Date.now() - started) / 1000)} s`)
        } catch (error) {
          failed = true
          console.error(`✗ ${scenario.name} on ${store} failed:`, error)
        }
        if (cpuProfileDir) {
          profiles[`${scenario.name}/${store}`] = summariseCpuProfiles(cpuProfileDir)
          rmSync(cpuProfileDir, { recursive: true, force: true })
        }
      }
    }
  } finally {
    await Promise.all([partners.close(), load.close(), forwarder.close(), fanOut.close()])
  }
  const written = await writeResults({
    smoke: values.smoke,
    sizes,
    results,
    profiles: values.profile ? profiles : undefined,
  })
  console.log(`results: ${written.join(', ')}`)
  return failed ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
