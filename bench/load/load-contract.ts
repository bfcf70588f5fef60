/** Jobs the coordinator gives the load generator, and what it answers. */

/**
 * One kind of request. `{seq}` in `path`, `body` and `key` becomes the request's sequence number (unique
 * over the load generator's life) and `{ts}` a unique RFC 3339 time derived from it, so every push is a
 * change (the hub passes on no unchanged repeat) and can be matched with its arrival at the receivers.
 */
export interface RequestTemplate {
  /** http://127.0.0.1:port */
  readonly origin: string
  readonly method: 'GET' | 'PUT' | 'PATCH' | 'POST'
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body?: string
  /** When set, the time each accepted request was answered is kept under this key (see `accepts`). */
  readonly key?: string
}

export type LoadMode =
  /** Open loop: requests start at `rate` per second whatever the answers do (no coordinated omission). */
  | { readonly kind: 'open'; readonly rate: number; readonly durationMs: number }
  /** Closed loop: `concurrency` requests in flight, each sent when the previous one is answered. */
  | {
      readonly kind: 'closed'
      readonly concurrency: number
      readonly durationMs: number
      readonly count?: number
    }

export interface LoadJob {
  /** Used round robin. */
  readonly templates: readonly RequestTemplate[]
  readonly mode: LoadMode
  /** Keep-alive connections per origin. */
  readonly connections: number
  /** Open loop: requests in flight above which new ones are skipped (counted) rather than queued. */
  readonly maxInFlight?: number
}

export interface LatencySummary {
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
  readonly mean: number
}

export interface LoadResult {
  readonly sent: number
  /** Answered HTTP 2xx with OCPI status 1000. */
  readonly ok: number
  readonly failed: number
  /** Open loop only: not sent because `maxInFlight` requests were still unanswered. */
  readonly skipped: number
  readonly durationMs: number
  /** `ok` per second of `durationMs`. */
  readonly okPerSecond: number
  /** Milliseconds from the intended start (open loop) or the actual start (closed loop) to the full answer. */
  readonly latencyMs: LatencySummary
  /** A few failures as `HTTP status: body start`. */
  readonly failureSamples: readonly string[]
  /** The load generator's own CPU use over the job, in % of one core. */
  readonly cpuPercent: number
  /** [key, answered at (epoch ms)] of accepted requests whose template has a key. */
  readonly accepts: readonly [string, number][]
}

export interface PullResult {
  readonly pages: number
  readonly objects: number
  readonly totalMs: number
  /** Time of each page, request to last byte. */
  readonly pageMs: readonly number[]
  readonly limit: number
  readonly failure?: string
}
