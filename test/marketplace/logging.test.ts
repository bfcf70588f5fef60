import { describe, expect, it } from 'vitest'
import { buildMarketplace } from '../../marketplace/src/app.ts'
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
})
