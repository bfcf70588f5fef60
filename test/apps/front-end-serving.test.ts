import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { frontEndPlugin } from '../../marketplace/src/web/front-end.ts'

/** How the marketplace serves a built front end under its path (the owner portal under /owner). */
describe('a front end served by the marketplace', () => {
  let app: FastifyInstance
  let root: string

  beforeAll(async () => {
    const tmp = fileURLToPath(new URL('../../.tmp/', import.meta.url))
    mkdirSync(tmp, { recursive: true })
    root = mkdtempSync(join(tmp, 'front-end-'))
    mkdirSync(join(root, 'assets'))
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>portal</title>')
    writeFileSync(join(root, 'assets', 'index-abc.js'), 'console.log(1)')
    app = Fastify()
    await app.register(frontEndPlugin, {
      prefix: '/owner',
      root,
      settings: {
        currency: 'EUR',
        map: { tile_url: null, attribution: '' },
        card_payments: false,
        payments: { mode: 'test' },
        cpo: { country_code: 'NL', party_id: 'SHR' },
      },
    })
    app.get('/api/me', async () => ({ id: 'x' }))
  })

  afterAll(async () => {
    await app.close()
    rmSync(root, { recursive: true, force: true })
  })

  it("answers a page's own path with the single page, under a strict policy", async () => {
    const page = await app.inject({ url: '/owner/listings/0123456789abcdef0123456789abcdef' })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('<title>portal</title>')
    expect(page.headers['cache-control']).toBe('no-cache')
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    expect(page.headers['content-security-policy']).not.toContain('unsafe-inline')
    expect(page.headers['content-security-policy']).not.toContain('stripe')
  })

  it('serves hashed assets for good, and a missing asset as a 404, not the page', async () => {
    const asset = await app.inject({ url: '/owner/assets/index-abc.js' })
    expect(asset.statusCode).toBe(200)
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect((await app.inject({ url: '/owner/assets/gone.js' })).statusCode).toBe(404)
    expect((await app.inject({ method: 'POST', url: '/owner/listings' })).statusCode).toBe(404)
  })

  it("tells the pages the marketplace's currency, and leaves the API's answers alone", async () => {
    const settings = await app.inject({ url: '/owner/settings.json' })
    expect(settings.json()).toEqual({
      currency: 'EUR',
      map: { tile_url: null, attribution: '' },
      card_payments: false,
      payments: { mode: 'test' },
      cpo: { country_code: 'NL', party_id: 'SHR' },
    })
    const api = await app.inject({ url: '/api/me' })
    expect(api.headers['content-security-policy']).toBeUndefined()
  })
})
