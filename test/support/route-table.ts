import type { FastifyInstance } from 'fastify'

/** One route the hub serves: `GET /ocpi/2.3.0/sender/locations/:location_id`. */
export interface ServedRoute {
  readonly method: string
  readonly url: string
}

/**
 * Every route (method and URL pattern) a built hub's listener serves, HEAD left out (Fastify adds one to each
 * GET), read from Fastify's route tree: tests that must cover every endpoint compare their tables with it, so
 * a new route without a row fails them.
 */
export function servedRoutes(app: FastifyInstance): ServedRoute[] {
  const tree = app.printRoutes({ commonPrefix: false })
  const stack: string[] = []
  const routes: ServedRoute[] = []
  for (const line of tree.split('\n')) {
    const match = /^([│├└─ ]*)(\S[^(]*?)(?: \(([^)]*)\))?$/.exec(line)
    if (!match) continue
    const depth = match[1]!.length / 4
    stack[depth] = match[2]!
    stack.length = depth + 1
    if (!match[3]) continue
    const url = stack.join('')
    for (const method of match[3].split(', ')) if (method !== 'HEAD') routes.push({ method, url })
  }
  return routes
}

/** Every OCPI route of a built hub (servedRoutes under /ocpi/). */
export function servedOcpiRoutes(app: FastifyInstance): ServedRoute[] {
  return servedRoutes(app).filter((route) => route.url.startsWith('/ocpi/'))
}
