import { performance } from 'node:perf_hooks'
import { Pool } from 'undici'
import { serveRpc } from '../lib/rpc.ts'
import { round, summarise } from '../lib/stats.ts'
import type { LoadJob, LoadResult, PullResult, RequestTemplate } from './load-contract.ts'

/**
 * The load generator: its own process, keep-alive undici pools, templates rendered by string splicing
 * (a few microseconds per request) so that it is not what limits a figure; its CPU use is reported with
 * every result so that this can be checked.
 */

const now = () => performance.timeOrigin + performance.now()
/** `{ts}` of request n: a fixed origin plus n milliseconds, so each one is unique and later than the last. */
const TIME_ORIGIN_MS = Date.parse('2026-01-01T00:00:00.000Z')
let nextSeq = 1

const pools = new Map<string, Pool>()
function poolFor(origin: string, connections: number): Pool {
  const key = `${origin} ${connections}`
  let pool = pools.get(key)
  if (!pool) {
    pool = new Pool(origin, { connections, keepAliveTimeout: 60_000, pipelining: 1 })
    pools.set(key, pool)
  }
  return pool
}

/** A template split at its placeholders once, filled in per request. */
interface CompiledTemplate {
  readonly pool: Pool
  readonly method: RequestTemplate['method']
  readonly headers: Readonly<Record<string, string>>
  readonly path: (seq: number, ts: string) => string
  readonly body: ((seq: number, ts: string) => string) | undefined
  readonly key: ((seq: number, ts: string) => string) | undefined
}

function filler(text: string): (seq: number, ts: string) => string {
  const parts = text.split(/(\{seq\}|\{ts\})/)
  if (parts.length === 1) return () => text
  return (seq, ts) => {
    let out = ''
    for (const part of parts) out += part === '{seq}' ? String(seq) : part === '{ts}' ? ts : part
    return out
  }
}

function compile(template: RequestTemplate, connections: number): CompiledTemplate {
  return {
    pool: poolFor(template.origin, connections),
    method: template.method,
    headers:
      template.body === undefined
        ? template.headers
        : { 'content-type': 'application/json', ...template.headers },
    path: filler(template.path),
    body: template.body === undefined ? undefined : filler(template.body),
    key: template.key === undefined ? undefined : filler(template.key),
  }
}

const OCPI_SUCCESS = /"status_code"\s*:\s*1000\b/

async function runJob(job: LoadJob): Promise<LoadResult> {
  const templates = job.templates.map((t) => compile(t, job.connections))
  const latencies: number[] = []
  const accepts: [string, number][] = []
  const failureSamples: string[] = []
  let sent = 0
  let ok = 0
  let failed = 0
  let skipped = 0
  let inFlight = 0
  const cpuBefore = process.cpuUsage()

  /** Sends request number `n` of the job; `intendedStart` is when it should have started. */
  const fire = async (n: number, intendedStart: number): Promise<void> => {
    const template = templates[n % templates.length]!
    const seq = nextSeq++
    const ts = new Date(TIME_ORIGIN_MS + seq).toISOString()
    sent++
    inFlight++
    try {
      const response = await template.pool.request({
        method: template.method,
        path: template.path(seq, ts),
        headers: template.headers,
        body: template.body?.(seq, ts),
      })
      const text = await response.body.text()
      const answeredAt = now()
      if (response.statusCode >= 200 && response.statusCode < 300 && OCPI_SUCCESS.test(text)) {
        ok++
        latencies.push(answeredAt - intendedStart)
        if (template.key) accepts.push([template.key(seq, ts), answeredAt])
      } else {
        failed++
        if (failureSamples.length < 5)
          failureSamples.push(`HTTP ${response.statusCode}: ${text.slice(0, 200)}`)
      }
    } catch (error) {
      failed++
      if (failureSamples.length < 5) failureSamples.push(String(error))
    } finally {
      inFlight--
    }
  }

  const started = now()
  if (job.mode.kind === 'open') {
    const { rate, durationMs } = job.mode
    const total = Math.max(1, Math.round((rate * durationMs) / 1000))
    const maxInFlight = job.maxInFlight ?? 10_000
    const inFlightPromises = new Set<Promise<void>>()
    let n = 0
    await new Promise<void>((resolve) => {
      const tick = () => {
        const due = Math.min(total, Math.floor(((now() - started) * rate) / 1000) + 1)
        for (; n < due; n++) {
          if (inFlight >= maxInFlight) {
            skipped++
            continue
          }
          const promise = fire(n, started + (n * 1000) / rate)
          inFlightPromises.add(promise)
          void promise.finally(() => inFlightPromises.delete(promise))
        }
        if (n < total) setTimeout(tick, 1)
        else resolve()
      }
      tick()
    })
    await Promise.all(inFlightPromises)
  } else {
    const { concurrency, durationMs, count } = job.mode
    const deadline = started + durationMs
    let n = 0
    const worker = async () => {
      while (now() < deadline && (count === undefined || n < count)) await fire(n++, now())
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
  }
  const durationMs = now() - started
  const cpu = process.cpuUsage(cpuBefore)
  return {
    sent,
    ok,
    failed,
    skipped,
    durationMs: round(durationMs),
    okPerSecond: round((ok / durationMs) * 1000, 1),
    latencyMs: summarise(latencies),
    failureSamples,
    cpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / durationMs) * 100),
    accepts,
  }
}

/** Reads a whole GET All list through its `Link: <…>; rel="next"` chain, one page after the other. */
async function pullAll(params: { url: string; token: string; limit: number }): Promise<PullResult> {
  const pageMs: number[] = []
  let objects = 0
  let url: string | undefined = `${params.url}${params.url.includes('?') ? '&' : '?'}limit=${params.limit}`
  const started = now()
  const authorization = `Token ${Buffer.from(params.token).toString('base64')}`
  while (url) {
    const pageStart = now()
    const response = await fetch(url, { headers: { authorization } })
    const text = await response.text()
    pageMs.push(round(now() - pageStart))
    if (response.status !== 200)
      return {
        pages: pageMs.length,
        objects,
        totalMs: round(now() - started),
        pageMs,
        limit: params.limit,
        failure: `HTTP ${response.status}: ${text.slice(0, 200)}`,
      }
    objects += ((JSON.parse(text) as { data?: unknown[] }).data ?? []).length
    url = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1]
  }
  return { pages: pageMs.length, objects, totalMs: round(now() - started), pageMs, limit: params.limit }
}

const handlers = {
  run: (job: LoadJob) => runJob(job),
  pull: (params: { url: string; token: string; limit: number }) => pullAll(params),
  /** Closes the keep-alive connections (before the hub they point to goes away). */
  async closePools(_params: null): Promise<null> {
    await Promise.all([...pools.values()].map((pool) => pool.close()))
    pools.clear()
    return null
  },
}

export type LoadGeneratorHandlers = typeof handlers

serveRpc(handlers)
