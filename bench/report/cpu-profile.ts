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

export function summariseCpuProfiles(folder: string, top = 20): { totalMs: number; top: SelfTime[] } {
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
      const entry = selfUs.get(key) ?? { function: name, where: place, us: 0 }
      entry.us += us
      selfUs.set(key, entry)
      totalUs += us
    })
  }
  const busyUs = totalUs - (selfUs.get('(idle) ')?.us ?? 0)
  return {
    totalMs: round(totalUs / 1000, 0),
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
