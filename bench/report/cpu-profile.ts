import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { repoRoot } from '../lib/hub-under-test.ts'
import { round } from '../lib/stats.ts'

/** The top self-time functions of the V8 CPU profiles (`node --cpu-prof`) in a folder. */

interface ProfileNode {
  readonly id: number
  readonly callFrame: { functionName: string; url: string; lineNumber: number }
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

export interface SelfTime {
  readonly function: string
  readonly where: string
  readonly selfMs: number
  readonly percent: number
}

function where(url: string, line: number): string {
  if (!url) return ''
  const path = url.startsWith('file://') ? relative(repoRoot, new URL(url).pathname) : url
  return `${path.replace(/^node_modules\//, '')}:${line + 1}`
}

/** Where a function's self time goes, in words an operator can act on. */
function areaOf(functionName: string, url: string): string {
  if (functionName === '(idle)') return 'idle'
  if (functionName === '(garbage collector)') return 'garbage collection'
  if (url.startsWith('wasm://') || url.includes('@electric-sql/pglite'))
    return 'PGlite (the store, in the hub process)'
  if (/node_modules\/(kysely|pg|pg-[a-z-]+)\//.test(url))
    return 'Kysely and pg (query building, PostgreSQL protocol)'
  if (
    /node_modules\/(fastify|@fastify|avvio|find-my-way|ajv|fast-json-stringify|secure-json-parse)/.test(url)
  )
    return 'Fastify, Ajv (HTTP server, schema checks)'
  if (url.includes('node_modules/undici')) return 'undici (outbound HTTP)'
  if (/node_modules\/(pino|sonic-boom)/.test(url)) return 'pino (logging)'
  if (url.includes('node_modules/prom-client')) return 'prom-client (metrics)'
  // The bench runs the compiled hub: its code is under dist/, the sources' mirror.
  if (!url.includes('node_modules/') && /\/(src|dist)\//.test(url)) return 'hub code (src/)'
  if (url.includes('node:internal/modules') || url.includes('node_modules/tsx'))
    return 'module loading (start-up)'
  if (url === '')
    return functionName.startsWith('(') ? functionName : 'native calls (socket and file system calls)'
  return url.includes('node_modules/') ? 'other packages' : 'Node internals (http, streams, timers)'
}

export function summariseCpuProfiles(
  folder: string,
  top = 20,
): { totalMs: number; areas: { area: string; selfMs: number; percent: number }[]; top: SelfTime[] } {
  const areaUs = new Map<string, number>()
  const selfUs = new Map<string, { function: string; where: string; us: number }>()
  let totalUs = 0
  for (const file of readdirSync(folder).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(folder, file), 'utf8')) as CpuProfile
    const byId = new Map(profile.nodes.map((node) => [node.id, node]))
    profile.samples.forEach((id, i) => {
      const node = byId.get(id)
      if (!node) return
      const us = profile.timeDeltas[i] ?? 0
      const name = node.callFrame.functionName || '(anonymous)'
      const place = where(node.callFrame.url, node.callFrame.lineNumber)
      const key = `${name} ${place}`
      const area = areaOf(name, node.callFrame.url)
      areaUs.set(area, (areaUs.get(area) ?? 0) + us)
      const entry = selfUs.get(key) ?? { function: name, where: place, us: 0 }
      entry.us += us
      selfUs.set(key, entry)
      totalUs += us
    })
  }
  const busyUs = totalUs - (selfUs.get('(idle) ')?.us ?? 0)
  const share = (us: number) => round((us / Math.max(busyUs, 1)) * 100, 1)
  return {
    totalMs: round(totalUs / 1000, 0),
    areas: [...areaUs]
      .filter(([area]) => area !== 'idle')
      .sort((a, b) => b[1] - a[1])
      .map(([area, us]) => ({ area, selfMs: round(us / 1000, 0), percent: share(us) })),
    top: [...selfUs.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((e) => ({
        function: e.function,
        where: e.where,
        selfMs: round(e.us / 1000, 0),
        // Of the busy time (idle excluded), so the shares say where the CPU went.
        percent: e.function === '(idle)' ? 0 : round((e.us / Math.max(busyUs, 1)) * 100, 1),
      })),
  }
}
