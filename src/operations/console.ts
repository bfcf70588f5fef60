import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import type { HubConfig } from '../config/config.ts'
import { frontEndSecurityPolicy, serveBuiltFrontEnd } from '../front-end-serving/built-front-end.ts'

/**
 * The operator console's files, built by `vite build` (vite.config.ts) into dist/web/console/. The same
 * path from src/operations/ (tests, tsx) and from dist/operations/ (the compiled hub).
 */
export const CONSOLE_FILES = fileURLToPath(new URL('../../dist/web/console/', import.meta.url))

/** What the console's pages need to know about the hub that their built files cannot hold. */
export interface ConsoleSettings {
  readonly map: { readonly tile_url: string | null; readonly attribution: string }
}

/**
 * GET /console/*: the console, a single-page front end (src/front-end-serving/built-front-end.ts). Files come
 * from dist/web/console/; any other path under /console is one of its pages and gets index.html. Every answer
 * carries a Content-Security-Policy that allows only the hub's own scripts, styles and calls (and the map's
 * tile server, when one is configured). Register on the listener that serves /admin: the console calls it.
 */
export async function consolePlugin(
  app: FastifyInstance,
  options: { readonly config: HubConfig; readonly root?: string },
): Promise<void> {
  const { tileUrl, attribution } = options.config.consoleMap
  const settings: ConsoleSettings = { map: { tile_url: tileUrl ?? null, attribution } }
  await serveBuiltFrontEnd(app, {
    root: options.root ?? CONSOLE_FILES,
    settings,
    securityPolicy: frontEndSecurityPolicy(tileUrl),
    name: 'the console',
  })
}
