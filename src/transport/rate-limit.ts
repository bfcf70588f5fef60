import type { FastifyInstance, FastifyRequest } from 'fastify'
import { OcpiStatus } from '../core/status-codes.ts'
import { errorEnvelope } from '../core/envelope.ts'
import { ocpiModuleOfRoute } from '../core/route-module.ts'
import type { RateLimitSettings } from '../config/rate-limit-settings.ts'

interface Bucket {
  tokens: number
  /** performance.now() of the last refill. */
  refilledAt: number
  readonly perMs: number
  readonly capacity: number
}

/** Outcome of one request: allowed, or refused with the seconds until a token is back. */
export type RateDecision =
  { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number }

/**
 * Token buckets per (platform, module), in this process's memory: O(1) per request, no database. With N
 * hub processes behind a load balancer a partner gets up to N times the configured rate; the limit guards
 * each process, not the cluster.
 */
export class RateLimiter {
  readonly #settings: RateLimitSettings
  readonly #buckets = new Map<string, Bucket>()
  readonly #now: () => number

  constructor(settings: RateLimitSettings, now: () => number = () => performance.now()) {
    this.#settings = settings
    this.#now = now
  }

  get enabled(): boolean {
    return (
      this.#settings.perMinute > 0 || Object.values(this.#settings.moduleOverrides).some((rate) => rate > 0)
    )
  }

  take(platformId: string, module: string): RateDecision {
    const key = `${platformId}\u0000${module}`
    const now = this.#now()
    let bucket = this.#buckets.get(key)
    if (!bucket) {
      const perMinute = this.#settings.moduleOverrides[module] ?? this.#settings.perMinute
      if (perMinute <= 0) return { allowed: true }
      // A module with a higher override gets a proportionally larger burst.
      const scale = this.#settings.perMinute > 0 ? perMinute / this.#settings.perMinute : 1
      const capacity = Math.max(1, Math.round(this.#settings.burst * scale))
      bucket = { tokens: capacity, refilledAt: now, perMs: perMinute / 60_000, capacity }
      this.#buckets.set(key, bucket)
    }
    bucket.tokens = Math.min(bucket.capacity, bucket.tokens + (now - bucket.refilledAt) * bucket.perMs)
    bucket.refilledAt = now
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return { allowed: true }
    }
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / bucket.perMs / 1000)),
    }
  }
}

/**
 * Refuses a partner's request over its limit with HTTP 429, Retry-After and an OCPI envelope (2000). Runs
 * after authentication inside the /ocpi scope only: admin, /health, /ready and /metrics are never limited.
 */
export function registerRateLimit(app: FastifyInstance, limiter: RateLimiter): void {
  if (!limiter.enabled) return
  // A callback hook (no promise per request); a refusal is answered here and the request goes no further.
  app.addHook('onRequest', (request: FastifyRequest, reply, done) => {
    const platformId = request.partner?.platformId
    const module = platformId ? (ocpiModuleOfRoute(request.routeOptions.url) ?? 'unknown') : ''
    const decision = platformId ? limiter.take(platformId, module) : undefined
    if (!decision || decision.allowed) {
      done()
      return
    }
    request.log.info({ platformId, module, retryAfter: decision.retryAfterSeconds }, 'rate limit reached')
    void reply
      .code(429)
      .header('retry-after', String(decision.retryAfterSeconds))
      .send(
        errorEnvelope(
          OcpiStatus.ClientError,
          `Rate limit reached for module ${module}: retry after ${decision.retryAfterSeconds} s (RATE_LIMIT_PER_MINUTE)`,
        ),
      )
  })
}
