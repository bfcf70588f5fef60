import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

/** Vite names every built asset after its content: a changed file is a new URL, kept for good. */
const HASHED_ASSET_CACHE = 'public, max-age=31536000, immutable'

/**
 * dist/web/<app>/ of a front end built by `vite build` (vite.config.ts): reached from marketplace/src/web/
 * (tsx, tests) and from its compiled copy in dist/marketplace/marketplace/src/web/ (`npm start`), a
 * different climb (decision 0031).
 */
export function frontEndFiles(app: string): string {
  const fromSource = fileURLToPath(new URL(`../../../dist/web/${app}/`, import.meta.url))
  const fromBuild = fileURLToPath(new URL(`../../../../web/${app}/`, import.meta.url))
  return !existsSync(`${fromSource}/index.html`) && existsSync(`${fromBuild}/index.html`)
    ? fromBuild
    : fromSource
}

/** What the pages need to know that their built files cannot hold (GET <prefix>/settings.json). */
export interface FrontEndSettings {
  /** The marketplace's currency (ISO 4217): every owner's price is in it. */
  readonly currency: string
  /** The map's tile source; none: the basemap shipped with the front ends. */
  readonly map: { readonly tile_url: string | null; readonly attribution: string }
  /** Whether the marketplace takes cards (a payment provider is set): a charge's start then needs one. */
  readonly card_payments: boolean
  /**
   * How the app takes a card: in Stripe.js's Card Element with the publishable key (`live` from its
   * prefix), or from Stripe's test cards (decisions 0038, 0044).
   */
  readonly payments:
    | { readonly mode: 'stripe'; readonly live: boolean; readonly publishable_key: string }
    | { readonly mode: 'test' }
  /** The marketplace's CPO party: a listing's Location (and its reviews) is under it. */
  readonly cpo: { readonly country_code: string; readonly party_id: string }
}

/**
 * One single-page front end of the marketplace (the drivers' app under /app, the owner portal under
 * /owner), on the same origin as /api so that its calls carry the member's session cookie. Files come from
 * its build; any other GET below it is one of its pages and gets index.html. Every answer carries a
 * Content-Security-Policy that allows only the marketplace's own scripts, styles, calls and service worker
 * (and the map's tile server, when one is configured). Register with the prefix the app was built for
 * (vite.config.ts `base`).
 */
export async function frontEndPlugin(
  app: FastifyInstance,
  options: { readonly root: string; readonly settings: FrontEndSettings },
): Promise<void> {
  const policy = contentSecurityPolicy(
    options.settings.map.tile_url,
    options.settings.payments.mode === 'stripe',
  )
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

  if (!existsSync(`${options.root}/index.html`)) {
    app.log.warn({ root: options.root }, 'a front end is not built: it answers 503 until `npm run build`')
    app.get('/*', hidden, async (_request, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('This page is not built. Run `npm run build` (or `npm start`, which builds it) and reload.'),
    )
    return
  }

  await app.register(fastifyStatic, {
    root: options.root,
    cacheControl: false,
    // The page and the service worker must be checked on every load so that a new build reaches people.
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

/**
 * No inline code, nothing from elsewhere but the map tiles and, taking cards with Stripe.js, what Stripe's
 * security guide lists for it (its script, its card frames, its API); service workers from the app's own path.
 */
function contentSecurityPolicy(tileUrl: string | null, stripe: boolean): string {
  const tileOrigin = tileUrl
    ? new URL(tileUrl.replace(/\{s\}/g, 'subdomain').replace(/\{[a-z]+\}/g, '0')).origin.replace(
        '//subdomain.',
        '//*.',
      )
    : ''
  return [
    "default-src 'none'",
    `script-src 'self'${stripe ? ' https://js.stripe.com' : ''}`,
    "style-src 'self'",
    // CPOs' photos of their Locations are on their own servers: any over HTTPS.
    `img-src 'self' data: blob: https:${tileOrigin ? ` ${tileOrigin}` : ''}`,
    "font-src 'self'",
    `connect-src 'self'${stripe ? ' https://api.stripe.com' : ''}`,
    ...(stripe ? ['frame-src https://js.stripe.com https://hooks.stripe.com'] : []),
    "manifest-src 'self'",
    "worker-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}
