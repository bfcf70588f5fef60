import { existsSync } from 'node:fs'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

/**
 * Serving a single-page front end built by `vite build` (vite.config.ts): the hub's console
 * (src/operations/console.ts) and the marketplace's driver app and owner portal (marketplace/src/web/front-end.ts).
 * It imports nothing of the hub, so the marketplace may use it too (eslint.config.js).
 */

/** Vite names every built asset after its content: a changed file is a new URL, so browsers may keep one for good. */
const HASHED_ASSET_CACHE = 'public, max-age=31536000, immutable'

export interface BuiltFrontEnd {
  /** Its build folder (dist/web/<name>/): index.html and assets/. */
  readonly root: string
  /** What GET <prefix>/settings.json answers: what the pages need to know that their built files cannot hold. */
  readonly settings: object
  /** The Content-Security-Policy of every answer below the prefix (frontEndSecurityPolicy). */
  readonly securityPolicy: string
  /** How the 503 and the log name it while it is not built: "the console", "this page". */
  readonly name: string
}

/**
 * Register with the prefix the front end was built for (vite.config.ts `base`). Files come from its build;
 * any other GET below the prefix is one of its pages and gets index.html (the page's router shows it).
 * `hide` on a route schema (@fastify/swagger declares it): these files are not API, so not in /openapi.json.
 */
export async function serveBuiltFrontEnd(app: FastifyInstance, frontEnd: BuiltFrontEnd): Promise<void> {
  app.addHook('onSend', async (_request, reply, payload) => {
    void reply
      .header('content-security-policy', frontEnd.securityPolicy)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
    return payload
  })
  const hidden = { schema: { hide: true } }
  app.get('/settings.json', hidden, async (_request, reply) =>
    reply.header('cache-control', 'no-cache').send(frontEnd.settings),
  )

  if (!existsSync(`${frontEnd.root}/index.html`)) {
    // Started from a tree where only tsc ran: the API works, the page says how to get it.
    app.log.warn(
      { root: frontEnd.root, prefix: app.prefix },
      `${frontEnd.name} is not built: it answers 503 until \`npm run build\` builds it`,
    )
    const name = frontEnd.name.charAt(0).toUpperCase() + frontEnd.name.slice(1)
    app.get('/*', hidden, async (_request, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send(`${name} is not built. Run \`npm run build\` (or \`npm start\`, which builds it) and reload.`),
    )
    return
  }

  await app.register(fastifyStatic, {
    root: frontEnd.root,
    // Set below, per file: @fastify/static's own header would say max-age=0 for all of them.
    cacheControl: false,
    // index.html (and a service worker) must be checked on every load so that a new build reaches people.
    setHeaders: (reply, path) => {
      void reply.header('cache-control', path.includes('/assets/') ? HASHED_ASSET_CACHE : 'no-cache')
    },
  })
  // A page's own URL (a reload or a bookmark): the single page, which routes itself.
  app.setNotFoundHandler(async (request, reply) => {
    const isPage = request.method === 'GET' || request.method === 'HEAD'
    // A missing asset is a 404: answering it with the page would hide a broken build.
    if (!isPage || request.url.startsWith(`${app.prefix}/assets/`)) {
      return reply.code(404).type('text/plain; charset=utf-8').send('Not found')
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html')
  })
}

/** The directives a front end may widen beyond its own origin. */
type WidenedDirective = 'script-src' | 'img-src' | 'connect-src' | 'frame-src' | 'worker-src'

/**
 * No inline script or style, no eval, nothing from elsewhere but the map tiles (`tileUrl`, a Leaflet URL
 * template; none: the basemap shipped with the front ends) and the sources in `more`. frame-src and
 * worker-src are there only when `more` names sources for them. Leaflet and uPlot style their elements
 * through the DOM (element.style), which a policy does not restrict.
 */
export function frontEndSecurityPolicy(
  tileUrl: string | null | undefined,
  more: Partial<Record<WidenedDirective, readonly string[]>> = {},
): string {
  // {s} is a subdomain Leaflet picks per tile (a, b, c): the policy allows them all.
  const tileOrigin = tileUrl
    ? new URL(tileUrl.replace(/\{s\}/g, 'subdomain').replace(/\{[a-z]+\}/g, '0')).origin.replace(
        '//subdomain.',
        '//*.',
      )
    : undefined
  const directive = (name: WidenedDirective, own: readonly string[]) => {
    const sources = [...own, ...(more[name] ?? [])]
    return sources.length > 0 ? `${name} ${sources.join(' ')}` : undefined
  }
  return [
    "default-src 'none'",
    directive('script-src', ["'self'"]),
    "style-src 'self'",
    `img-src ${["'self'", 'data:', ...(more['img-src'] ?? []), tileOrigin].filter(Boolean).join(' ')}`,
    "font-src 'self'",
    directive('connect-src', ["'self'"]),
    directive('frame-src', []),
    "manifest-src 'self'",
    directive('worker-src', []),
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ]
    .filter(Boolean)
    .join('; ')
}
