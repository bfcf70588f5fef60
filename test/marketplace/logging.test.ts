import { describe, expect, it } from 'vitest'
import { buildMarketplace } from '../../marketplace/src/app.ts'
import { BookingRefused } from '../../marketplace/src/bookings/bookings.ts'
import { loadMarketplaceConfig } from '../../marketplace/src/config.ts'
import { capturedLog } from '../support/captured-log.ts'
import { freePort } from '../support/test-hub.ts'

describe("the marketplace's log", () => {
  it('takes its level from MARKETPLACE_LOG_LEVEL (info by default) and refuses an unknown one', () => {
    expect(loadMarketplaceConfig({}).logLevel).toBe('info')
    expect(loadMarketplaceConfig({ MARKETPLACE_LOG_LEVEL: 'debug' }).logLevel).toBe('debug')
    expect(() => loadMarketplaceConfig({ MARKETPLACE_LOG_LEVEL: 'loud' })).toThrow(
      /MARKETPLACE_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/,
    )
  })

  it('logs why a request failed with a 500, while the member reads only that it failed', async () => {
    const { lines, logger } = capturedLog()
    const port = await freePort()
    const marketplace = await buildMarketplace(
      loadMarketplaceConfig({ MARKETPLACE_PORT: String(port), MARKETPLACE_DATA_DIR: 'memory' }),
      { logger },
    )
    // A route that fails as a broken store would: the error handler is the marketplace's own.
    marketplace.app.get('/api/broken', async () => {
      throw new Error('the disk is full')
    })
    await marketplace.start()
    try {
      const answer = await fetch(`http://127.0.0.1:${port}/api/broken`)
      expect(answer.status).toBe(500)
      expect(await answer.json()).toEqual({
        error: 'Internal Server Error',
        message: 'Something went wrong on our side',
      })
      const failed = lines.find((line) => line['msg'] === 'request failed')
      expect(failed).toMatchObject({ level: 50, err: { message: 'the disk is full' } })
    } finally {
      await marketplace.close()
    }
  })

  it('answers a refusal for a service that is away with its status, Retry-After and words, logged with its cause', async () => {
    const { lines, logger } = capturedLog()
    const port = await freePort()
    const marketplace = await buildMarketplace(
      loadMarketplaceConfig({ MARKETPLACE_PORT: String(port), MARKETPLACE_DATA_DIR: 'memory' }),
      { logger },
    )
    // As the bookings refuse while Stripe is away, and as a library's error that happens to carry a 503.
    marketplace.app.get('/api/payment-away', async () => {
      throw new BookingRefused(503, 'The payment could not be checked just now: try again in a minute', {
        retryAfterSeconds: 60,
        cause: new Error('connect ECONNREFUSED api.stripe.com'),
      })
    })
    marketplace.app.get('/api/library-503', async () => {
      throw Object.assign(new Error('pool exhausted at db-7.internal'), { statusCode: 503 })
    })
    await marketplace.start()
    try {
      const away = await fetch(`http://127.0.0.1:${port}/api/payment-away`)
      expect(away.status).toBe(503)
      expect(away.headers.get('retry-after')).toBe('60')
      expect(await away.json()).toEqual({
        error: 'Service Unavailable',
        message: 'The payment could not be checked just now: try again in a minute',
      })
      const refused = lines.find(
        (line) => line['msg'] === 'request refused: a service it needs is unavailable',
      )
      expect(refused).toMatchObject({
        level: 40,
        status: 503,
        refusal: 'The payment could not be checked just now: try again in a minute',
        err: { message: 'connect ECONNREFUSED api.stripe.com' },
      })
      // Words the marketplace did not write for members: a bug's 500, logged as one.
      const library = await fetch(`http://127.0.0.1:${port}/api/library-503`)
      expect(library.status).toBe(500)
      expect(library.headers.get('retry-after')).toBeNull()
      expect(await library.json()).toEqual({
        error: 'Internal Server Error',
        message: 'Something went wrong on our side',
      })
      expect(lines.find((line) => line['msg'] === 'request failed')).toMatchObject({
        level: 50,
        err: { message: 'pool exhausted at db-7.internal' },
      })
    } finally {
      await marketplace.close()
    }
  })
})
