import { afterEach, describe, expect, it } from 'vitest'
import { parseModuleRateLimits } from '../../src/config/rate-limit-settings.ts'
import { RateLimiter } from '../../src/transport/rate-limit.ts'
import { call } from '../support/http.ts'
import { connectParty } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { startTestHub } from '../support/test-hub.ts'

describe('RateLimiter (token bucket per platform and module)', () => {
  it('allows the burst, then one request per refill interval, per platform and module', () => {
    let now = 0
    const limiter = new RateLimiter(
      { perMinute: 60, burst: 2, moduleOverrides: { sessions: 120 } },
      () => now,
    )
    expect(limiter.take('p1', 'locations').allowed).toBe(true)
    expect(limiter.take('p1', 'locations').allowed).toBe(true)
    expect(limiter.take('p1', 'locations')).toEqual({ allowed: false, retryAfterSeconds: 1 })
    // Other platform, other module: their own buckets.
    expect(limiter.take('p2', 'locations').allowed).toBe(true)
    expect(limiter.take('p1', 'tariffs').allowed).toBe(true)
    now += 1000
    expect(limiter.take('p1', 'locations').allowed).toBe(true)
    expect(limiter.take('p1', 'locations').allowed).toBe(false)
    // The override doubles the rate and the burst.
    for (let i = 0; i < 4; i++) expect(limiter.take('p1', 'sessions').allowed).toBe(true)
    expect(limiter.take('p1', 'sessions').allowed).toBe(false)
  })

  it('never limits when the rate is 0, and a module override of 0 switches that module off', () => {
    const off = new RateLimiter({ perMinute: 0, burst: 1, moduleOverrides: {} })
    expect(off.enabled).toBe(false)
    const limiter = new RateLimiter({ perMinute: 60, burst: 1, moduleOverrides: { cdrs: 0 } })
    for (let i = 0; i < 100; i++) expect(limiter.take('p1', 'cdrs').allowed).toBe(true)
  })

  it('costs a few microseconds at most per request (no database, O(1))', () => {
    const limiter = new RateLimiter({ perMinute: 6000, burst: 1000, moduleOverrides: {} })
    const rounds = 200_000
    const started = performance.now()
    for (let i = 0; i < rounds; i++) limiter.take(`platform-${i % 50}`, i % 2 ? 'locations' : 'sessions')
    const perCallMicros = ((performance.now() - started) * 1000) / rounds
    expect(perCallMicros).toBeLessThan(20)
  })

  it('reads RATE_LIMITS and finds the module of a route', () => {
    expect(parseModuleRateLimits('sessions=12000, Locations=60000')).toEqual({
      sessions: 12000,
      locations: 60000,
    })
    expect(parseModuleRateLimits('')).toEqual({})
    expect(() => parseModuleRateLimits('sessions:12000')).toThrow(/module=requests_per_minute/)
  })
})

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: partner rate limits`, () => {
    const cleanups: (() => Promise<void>)[] = []
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    })

    it('answers 429 with Retry-After and an OCPI envelope over the limit; per platform and module; admin and health never limited', async () => {
      // Registration (2 versions GETs, 1 credentials POST) stays within each module's burst of 3.
      const hub = await startTestHub(engine, {
        RATE_LIMIT_PER_MINUTE: '60',
        RATE_LIMIT_BURST: '3',
        RATE_LIMITS: 'tariffs=600',
      })
      cleanups.push(() => hub.close())
      const cpo = await connectParty(hub, 'CPO', 'NL', 'CPO')
      const emsp = await connectParty(hub, 'EMSP', 'DE', 'EMP')
      cleanups.push(
        () => cpo.platform.close(),
        () => emsp.platform.close(),
      )

      for (let i = 0; i < 3; i++) expect((await emsp.call('/sender/locations')).status).toBe(200)
      const limited = await emsp.call('/sender/locations')
      expect(limited.status).toBe(429)
      expect(limited.headers.get('retry-after')).toBe('1')
      expect(limited.body.status_code).toBe(2000)
      expect(limited.body.status_message).toMatch(/Rate limit reached for module locations/)
      expect(typeof limited.body.timestamp).toBe('string')

      // Another platform, another module, a module with a higher override: not limited.
      expect((await cpo.call('/sender/locations')).status).toBe(200)
      for (let i = 0; i < 10; i++) expect((await emsp.call('/sender/tariffs')).status).toBe(200)
      // Admin and operations endpoints are outside partner limits.
      for (let i = 0; i < 10; i++) {
        expect((await hub.admin('GET', '/platforms')).status).toBe(200)
        expect((await call(`${hub.url}/health`)).status).toBe(200)
      }

      // The bucket refills: one request a second at 60 per minute.
      await new Promise((resolve) => setTimeout(resolve, 1100))
      expect((await emsp.call('/sender/locations')).status).toBe(200)
    })
  })
}
