import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/config.ts'
import { consolePlugin } from '../../src/operations/console.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'

/** How the hub serves the built console (src/operations/console.ts): pages, assets, caching, the policy. */

async function get(url: string) {
  const response = await fetch(url, { redirect: 'manual' })
  return { response, text: await response.text() }
}

describe.each(STORE_VARIANTS)('the console served by the hub (%s)', (engine) => {
  let hub: TestHub
  let assetPath: string

  beforeAll(async () => {
    hub = await startTestHub(engine, {
      CONSOLE_MAP_TILE_URL: 'https://{s}.tiles.example.org/{z}/{x}/{y}.png',
    })
    const page = await get(`${hub.url}/console/`)
    assetPath = /src="(\/console\/assets\/[^"]+\.js)"/.exec(page.text)?.[1] ?? ''
  })
  afterAll(() => hub.close())

  it('serves the page at /console/, never cached, with a strict Content-Security-Policy', async () => {
    const { response, text } = await get(`${hub.url}/console/`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    expect(text).toContain('<div id="app">')
    expect(response.headers.get('cache-control')).toBe('no-cache')
    const policy = response.headers.get('content-security-policy') ?? ''
    expect(policy).toContain("default-src 'none'")
    expect(policy).toContain("script-src 'self'")
    expect(policy).not.toContain('unsafe-inline')
    expect(policy).toContain("frame-ancestors 'none'")
    // The configured tile server, with any of its {s} subdomains, is the one outside source allowed.
    expect(policy).toMatch(/img-src 'self' data: https:\/\/\*\.tiles\.example\.org(;|$)/)
  })

  it('serves the page at /console too (its assets are addressed from the root)', async () => {
    const { response, text } = await get(`${hub.url}/console`)
    expect(response.status).toBe(200)
    expect(text).toContain('<div id="app">')
  })

  it("answers a page's own URL (a reload, a bookmark) with the single page", async () => {
    const { response, text } = await get(`${hub.url}/console/parties/some-platform-id`)
    expect(response.status).toBe(200)
    expect(text).toContain('<div id="app">')
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'")
  })

  it('lets browsers keep the hashed assets for good, and answers a missing one with 404', async () => {
    expect(assetPath).not.toBe('')
    const asset = await get(`${hub.url}${assetPath}`)
    expect(asset.response.status).toBe(200)
    expect(asset.response.headers.get('content-type')).toMatch(/javascript/)
    expect(asset.response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    const missing = await get(`${hub.url}/console/assets/index-missing.js`)
    expect(missing.response.status).toBe(404)
  })

  it('tells the page the map settings', async () => {
    const { response, text } = await get(`${hub.url}/console/settings.json`)
    expect(response.status).toBe(200)
    expect(JSON.parse(text)).toEqual({
      map: { tile_url: 'https://{s}.tiles.example.org/{z}/{x}/{y}.png', attribution: '' },
    })
  })

  it('refuses changes to the console paths', async () => {
    const response = await fetch(`${hub.url}/console/`, { method: 'POST', body: '{}' })
    expect(response.status).toBe(404)
  })
})

describe('a hub whose console was not built', () => {
  const folder = mkdtempSync(join(tmpdir(), 'console-'))
  const app = Fastify()

  beforeAll(async () => {
    writeFileSync(join(folder, 'not-the-page.txt'), '')
    await app.register(consolePlugin, { prefix: '/console', config: loadConfig({}), root: folder })
  })
  afterAll(async () => {
    await app.close()
    rmSync(folder, { recursive: true, force: true })
  })

  it('says how to build it instead of failing', async () => {
    const response = await app.inject({ method: 'GET', url: '/console/overview' })
    expect(response.statusCode).toBe(503)
    expect(response.body).toContain('npm run build')
  })
})

describe('CONSOLE_MAP_TILE_URL', () => {
  it('takes an http or https URL template and refuses anything else at start-up', () => {
    expect(
      loadConfig({ CONSOLE_MAP_TILE_URL: 'https://tile.example.org/{z}/{x}/{y}.png' }).consoleMap,
    ).toEqual({
      tileUrl: 'https://tile.example.org/{z}/{x}/{y}.png',
      attribution: '',
    })
    expect(loadConfig({}).consoleMap.tileUrl).toBeUndefined()
    expect(() => loadConfig({ CONSOLE_MAP_TILE_URL: 'javascript:alert(1)//{z}' })).toThrow(
      /CONSOLE_MAP_TILE_URL/,
    )
    expect(() => loadConfig({ CONSOLE_MAP_TILE_URL: 'tiles/{z}/{x}/{y}.png' })).toThrow(/http or https/)
  })
})
