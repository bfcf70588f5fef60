import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

/**
 * Where `vite build` (WEB_APP=app) puts the driver app: dist/web/app/ of the project. From the sources
 * (marketplace/src/web/) and from the compiled marketplace (dist/marketplace/marketplace/src/web/) that is a
 * different climb, so both are tried (decision 0031).
 */
const DRIVER_APP_FILES = [
  fileURLToPath(new URL('../../../dist/web/app/', import.meta.url)),
  fileURLToPath(new URL('../../../../web/app/', import.meta.url)),
].find((folder) => existsSync(`${folder}index.html`))

/** Vite names every built asset after its content: a changed file is a new URL, kept for good. */
const HASHED_ASSET_CACHE = 'public, max-age=31536000, immutable'

/** What the built files cannot know: the map's tile source (none: the basemap shipped with the app). */
export interface DriverAppSettings {
  readonly map: { readonly tile_url: string | null; readonly attribution: string }
}

/**
 * GET /app/*: the drivers' progressive web app, served by the marketplace so that it calls /api on the same
 * origin with the member's session cookie. Any path under /app that is not a file is one of its pages and
 * gets index.html. Every answer carries a Content-Security-Policy that allows only the marketplace's own
 * scripts, styles, calls and service worker (and the map's tile server, when one is configured).
 */
export async function driverAppPlugin(
  app: FastifyInstance,
  options: { readonly settings: DriverAppSettings; readonly root?: string },
): Promise<void> {
  const root = options.root ?? DRIVER_APP_FILES
  const policy = contentSecurityPolicy(options.settings.map.tile_url)
  app.addHook('onSend', async (_request, reply, payload) => {
    void reply
      .header('content-security-policy', policy)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
    return payload
  })
  const hidden = { schema: { hide: true } }
  app.get('/settings.json', hidden, async (_request, reply) =>
    reply.header('cache-control', 'no-cache').send(options.settings),
  )

  if (!root) {
    app.log.warn('the driver app is not built: /app answers 503 until `npm run build` builds it')
    app.get('/*', hidden, async (_request, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send(
          'The driver app is not built. Run `npm run build` (or `npm start`, which builds it) and reload.',
        ),
    )
    return
  }

  await app.register(fastifyStatic, {
    root,
    cacheControl: false,
    // The page and the service worker must be checked on every load so that a new build reaches drivers.
    setHeaders: (reply, path) => {
      void reply.header('cache-control', path.includes('/assets/') ? HASHED_ASSET_CACHE : 'no-cache')
    },
  })
  app.setNotFoundHandler(async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return reply.code(404).type('text/plain; charset=utf-8').send('Not found')
    }
    if (request.url.startsWith(`${app.prefix}/assets/`)) {
      return reply.code(404).type('text/plain; charset=utf-8').send('Not found')
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html')
  })
}

/** No inline code, nothing from elsewhere but the map tiles; the service worker from the app's own path. */
function contentSecurityPolicy(tileUrl: string | null): string {
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
    `img-src 'self' data: blob:${tileOrigin ? ` ${tileOrigin}` : ''}`,
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "worker-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}
