import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
// `hide` on a route schema (@fastify/swagger declares it): the console's files are not API, so not in /openapi.json.
import type { FastifyInstance } from 'fastify'
import type { HubConfig } from '../config/config.ts'

/**
 * The operator console's files, built by `vite build` (vite.config.ts) into dist/web/console/. The same
 * path from src/operations/ (tests, tsx) and from dist/operations/ (the compiled hub).
 */
export const CONSOLE_FILES = fileURLToPath(new URL('../../dist/web/console/', import.meta.url))

/** Vite names every built asset after its content: a changed file is a new URL, so browsers may keep one for good. */
const HASHED_ASSET_CACHE = 'public, max-age=31536000, immutable'

/** What the console's pages need to know about the hub that their built files cannot hold. */
export interface ConsoleSettings {
  readonly map: { readonly tile_url: string | null; readonly attribution: string }
}

/**
 * GET /console/*: the console, a single-page front end. Files come from dist/web/console/; any other path
 * under /console is one of its pages and gets index.html (the page's router shows it). Every answer carries a
 * Content-Security-Policy that allows only the hub's own scripts, styles and calls (and the map's tile
 * server, when one is configured). Register on the listener that serves /admin: the console calls it.
 */
export async function consolePlugin(
  app: FastifyInstance,
  options: { readonly config: HubConfig; readonly root?: string },
): Promise<void> {
  const root = options.root ?? CONSOLE_FILES
  const { tileUrl, attribution } = options.config.consoleMap
  const securityPolicy = contentSecurityPolicy(tileUrl)
  app.addHook('onSend', async (_request, reply, payload) => {
    void reply
      .header('content-security-policy', securityPolicy)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
    return payload
  })

  const settings: ConsoleSettings = { map: { tile_url: tileUrl ?? null, attribution } }
  const hidden = { schema: { hide: true } }
  app.get('/settings.json', hidden, async (_request, reply) =>
    reply.header('cache-control', 'no-cache').send(settings),
  )

  if (!existsSync(`${root}/index.html`)) {
    // Started from a tree where only tsc ran: the API works, the console says how to get it.
    app.log.warn({ root }, 'the console is not built: /console answers 503 until `npm run build` builds it')
    app.get('/*', hidden, async (_request, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The console is not built. Run `npm run build` (or `npm start`, which builds it) and reload.'),
    )
    return
  }

  await app.register(fastifyStatic, {
    root,
    // Set below, per file: @fastify/static's own header would say max-age=0 for all of them.
    cacheControl: false,
    // index.html is read for every unknown path below (the not-found handler), so it must never be cached.
    setHeaders: (reply, path) => {
      void reply.header('cache-control', path.includes('/assets/') ? HASHED_ASSET_CACHE : 'no-cache')
    },
  })
  // A page's own URL (/console/parties/…, a reload or a bookmark): the single page, which routes itself.
  app.setNotFoundHandler(async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return reply.code(404).type('text/plain; charset=utf-8').send('Not found')
    }
    // A missing asset is a 404: answering it with the page would hide a broken build.
    if (request.url.startsWith(`${app.prefix}/assets/`)) {
      return reply.code(404).type('text/plain; charset=utf-8').send('Not found')
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html')
  })
}

/**
 * No inline script or style, no eval, no frames, nothing from elsewhere but the map tiles. Leaflet and uPlot
 * style their elements through the DOM (element.style), which a policy does not restrict.
 */
function contentSecurityPolicy(tileUrl: string | undefined): string {
  // {s} is a subdomain Leaflet picks per tile (a, b, c): the policy allows them all.
  const tileOrigin = tileUrl
    ? new URL(tileUrl.replace(/\{s\}/g, 'subdomain').replace(/\{[a-z]+\}/g, '0')).origin.replace(
        '//subdomain.',
        '//*.',
      )
    : ''
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data:${tileOrigin ? ` ${tileOrigin}` : ''}`,
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}
