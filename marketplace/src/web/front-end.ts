import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { frontEndSecurityPolicy, serveBuiltFrontEnd } from '../../../src/front-end-serving/built-front-end.ts'

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
 * its build; any other GET below it is one of its pages and gets index.html
 * (src/front-end-serving/built-front-end.ts). Every answer carries a Content-Security-Policy that allows only
 * the marketplace's own scripts, styles, calls and service worker (and the map's tile server, when one is
 * configured). Register with the prefix the app was built for (vite.config.ts `base`).
 */
export async function frontEndPlugin(
  app: FastifyInstance,
  options: { readonly root: string; readonly settings: FrontEndSettings },
): Promise<void> {
  await serveBuiltFrontEnd(app, {
    root: options.root,
    settings: options.settings,
    securityPolicy: contentSecurityPolicy(
      options.settings.map.tile_url,
      options.settings.payments.mode === 'stripe',
    ),
    name: 'this page',
  })
}

/**
 * Beyond the front ends' common policy: images over HTTPS (CPOs' photos of their Locations are on their own
 * servers) and blob:, service workers from the app's own path and, taking cards with Stripe.js, what Stripe's
 * security guide lists for it (its script, its card frames, its API).
 */
function contentSecurityPolicy(tileUrl: string | null, stripe: boolean): string {
  return frontEndSecurityPolicy(tileUrl, {
    'img-src': ['blob:', 'https:'],
    'worker-src': ["'self'"],
    ...(stripe && {
      'script-src': ['https://js.stripe.com'],
      'connect-src': ['https://api.stripe.com'],
      'frame-src': ['https://js.stripe.com', 'https://hooks.stripe.com'],
    }),
  })
}
