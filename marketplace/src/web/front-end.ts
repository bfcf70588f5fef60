import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

/** Vite names every built asset after its content: a changed file is a new URL, so browsers may keep one for good. */
const HASHED_ASSET_CACHE = 'public, max-age=31536000, immutable'

/** Only the marketplace's own scripts, styles, calls and images (listing photos are served by it too). */
const SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join('; ')

/**
 * dist/web/<app>/ of a front end built by `vite build` (vite.config.ts): reached from marketplace/src/web/
 * (tsx, tests) and from its compiled copy in dist/marketplace/marketplace/src/web/ (`npm start`).
 */
export function frontEndFiles(app: string): string {
  const fromSource = fileURLToPath(new URL(`../../../dist/web/${app}/`, import.meta.url))
  const fromBuild = fileURLToPath(new URL(`../../../../web/${app}/`, import.meta.url))
  return !existsSync(`${fromSource}/index.html`) && existsSync(`${fromBuild}/index.html`)
    ? fromBuild
    : fromSource
}

/** What the pages need to know that their built files cannot hold. */
export interface FrontEndSettings {
  /** The marketplace's currency (ISO 4217): every price is in it. */
  readonly currency: string
}

/**
 * One single-page front end of the marketplace (the owner portal under /owner), same origin as /api so its
 * calls carry the session cookie. Files come from its build; any other path below it is one of its pages
 * and gets index.html. Register with the prefix the app was built for (vite.config.ts `base`).
 */
export async function frontEndPlugin(
  app: FastifyInstance,
  options: { readonly root: string; readonly settings: FrontEndSettings },
): Promise<void> {
  const hidden = { schema: { hide: true } }
  app.get('/settings.json', hidden, async (_request, reply) =>
    reply.header('cache-control', 'no-cache').send(options.settings),
  )
  app.addHook('onSend', async (_request, reply, payload) => {
    void reply
      .header('content-security-policy', SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
    return payload
  })
  if (!existsSync(`${options.root}/index.html`)) {
    app.log.warn({ root: options.root }, 'a front end is not built: it answers 503 until `npm run build`')
    app.get('/*', hidden, async (_request, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('Not built yet. Run `npm run build` and reload.'),
    )
    return
  }
  await app.register(fastifyStatic, {
    root: options.root,
    cacheControl: false,
    setHeaders: (reply, path) => {
      void reply.header('cache-control', path.includes('/assets/') ? HASHED_ASSET_CACHE : 'no-cache')
    },
  })
  app.setNotFoundHandler(async (request, reply) => {
    const isPage = request.method === 'GET' || request.method === 'HEAD'
    if (!isPage || request.url.startsWith(`${app.prefix}/assets/`)) {
      return reply.code(404).type('text/plain; charset=utf-8').send('Not found')
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html')
  })
}
