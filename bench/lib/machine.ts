import { readdirSync, readFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'

/** What a figure was measured on, and how busy the machine was (other work shares it). */
export interface MachineInfo {
  readonly cpuModel: string
  readonly cores: number
  readonly memoryGiB: number
  readonly node: string
  readonly platform: string
}

export function machineInfo(): MachineInfo {
  const list = cpus()
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  }
}

export function loadAverage1m(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on every Linux the bench runs on). */
const TICKS_PER_SECOND = 100

/** CPU seconds (user + system) a process used so far, or 0 when it is gone or /proc is absent. */
function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name may hold spaces: the fields that follow start after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
  } catch {
    return 0
  }
}

/** PostgreSQL server processes on this machine (all of them: other clients' work is counted too). */
function postgresPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number)
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres'
        } catch {
          return false
        }
      })
  } catch {
    return []
  }
}

/** Busy and total jiffies of the whole machine (/proc/stat). */
function machineTicks(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? ''
    const values = line.trim().split(/\s+/).slice(1).map(Number)
    const idle = (values[3] ?? 0) + (values[4] ?? 0)
    const total = values.reduce((sum, value) => sum + value, 0)
    return { busy: total - idle, total }
  } catch {
    return { busy: 0, total: 0 }
  }
}

/** CPU use over a measured span, in % of one core per process and in % of the whole machine. */
export interface CpuUse {
  readonly hub: number
  /** The second hub process of the two-process runs, on the same database. */
  readonly secondHub?: number
  readonly loadGenerator: number
  readonly partners: number
  /** The yardstick process measured with the figure: the bare forwarder or the bare fan-out. */
  readonly forwarder?: number
  /** Every PostgreSQL process on the machine (0 on PGlite runs, whose store runs inside the hub). */
  readonly postgres: number
  readonly machine: number
}

export interface WatchedPids {
  readonly hub: number
  readonly secondHub?: number
  readonly loadGenerator: number
  readonly partners: number
  readonly forwarder?: number
}

/** Starts measuring; the returned function ends the span and gives the CPU use over it. */
export function measureCpu(pids: WatchedPids): () => CpuUse {
  const started = Date.now()
  /** CPU seconds of each PostgreSQL process: backends come and go, so each is compared with itself. */
  const postgresCpu = () => new Map(postgresPids().map((pid) => [pid, processCpuSeconds(pid)]))
  const sample = () => ({
    hub: processCpuSeconds(pids.hub),
    secondHub: pids.secondHub ? processCpuSeconds(pids.secondHub) : 0,
    loadGenerator: processCpuSeconds(pids.loadGenerator),
    partners: processCpuSeconds(pids.partners),
    forwarder: pids.forwarder ? processCpuSeconds(pids.forwarder) : 0,
    postgres: postgresCpu(),
    machine: machineTicks(),
  })
  const before = sample()
  return () => {
    const after = sample()
    const seconds = Math.max((Date.now() - started) / 1000, 0.001)
    const percent = (delta: number) => Math.round((Math.max(0, delta) / seconds) * 100)
    let postgres = 0
    for (const [pid, cpu] of after.postgres) postgres += Math.max(0, cpu - (before.postgres.get(pid) ?? 0))
    const ticks = after.machine.total - before.machine.total
    return {
      hub: percent(after.hub - before.hub),
      ...(pids.secondHub ? { secondHub: percent(after.secondHub - before.secondHub) } : {}),
      loadGenerator: percent(after.loadGenerator - before.loadGenerator),
      partners: percent(after.partners - before.partners),
      ...(pids.forwarder ? { forwarder: percent(after.forwarder - before.forwarder) } : {}),
      postgres: percent(postgres),
      machine: ticks > 0 ? Math.round(((after.machine.busy - before.machine.busy) / ticks) * 100) : 0,
    }
  }
}

/**
 * What most likely limited a figure, from its CPU use: a Node process is one event loop, so one at
 * ~100% of a core is saturated; a machine near 100% is shared by everything that runs on it.
 */
export function likelyLimit(cpu: CpuUse): string {
  const saturated = (value: number | undefined) => (value ?? 0) >= 90
  const limits: string[] = []
  if (saturated(cpu.hub)) limits.push('hub CPU (its event loop)')
  if (saturated(cpu.secondHub)) limits.push('second hub CPU (its event loop)')
  if (saturated(cpu.postgres)) limits.push('store (PostgreSQL CPU)')
  if (saturated(cpu.loadGenerator)) limits.push('load generator CPU')
  if (saturated(cpu.partners)) limits.push('partners process CPU')
  if (saturated(cpu.forwarder)) limits.push('yardstick (forwarder or fan-out) CPU')
  if (cpu.machine >= 90) limits.push('machine CPU (all cores busy)')
  return limits.length > 0 ? limits.join(' + ') : 'none saturated (latency-bound: round trips, waits)'
}

/** Peak resident memory of a process so far (VmHWM), in MiB; 0 when unknown. */
export function peakRssMiB(pid: number): number {
  return statusMiB(pid, 'VmHWM')
}

/** Resident memory of a process now (VmRSS), in MiB; 0 when unknown. */
export function rssMiB(pid: number): number {
  return statusMiB(pid, 'VmRSS')
}

function statusMiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kib = Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0)
    return Math.round(kib / 1024)
  } catch {
    return 0
  }
}
