import type { FastifyInstance } from 'fastify'

/** One route the hub serves: `GET /ocpi/2.3.0/sender/locations/:location_id`. */
export interface ServedRoute {
  readonly method: string
  readonly url: string
}

/**
 * Every OCPI route (method and URL pattern) a built hub serves, HEAD left out, read from Fastify's route
 * tree: tests that must cover every endpoint compare their tables with it, so a new route without a row
 * fails them.
 */
export function servedOcpiRoutes(app: FastifyInstance): ServedRoute[] {
  const tree = app.printRoutes({ commonPrefix: false })
  const stack: string[] = []
  const routes: ServedRoute[] = []
  for (const line of tree.split('\n')) {
    const match = /^([│├└─ ]*)(\S[^(]*?)(?: \(([^)]*)\))?$/.exec(line)
    if (!match) continue
    const depth = match[1]!.length / 4
    stack[depth] = match[2]!
    stack.length = depth + 1
    const url = stack.join('')
    if (!match[3] || !url.startsWith('/ocpi/')) continue
    for (const method of match[3].split(', ')) if (method !== 'HEAD') routes.push({ method, url })
  }
  return routes
}
