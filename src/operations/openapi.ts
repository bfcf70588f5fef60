import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import { documentRoute, OPENAPI_COMPONENTS, referErrorResponses } from './openapi-document.ts'
import { HUB_VERSION } from './version.ts'

const DESCRIPTION = [
  'The OCPI endpoints (2.3.0, 2.2.1, 2.1.1) and the admin API of this listener, generated from the TypeBox',
  'schemas the routes validate with. OCPI answers carry the OCPI envelope; admin errors are problem details.',
].join(' ')

/** Per listener: the routes that ask to stay out of the document (`hide: true`), as `GET /docs/static/*`. */
const hiddenRoutes = new WeakMap<FastifyInstance, Set<string>>()

/** The routes of a listener the document leaves out on purpose: the files of pages (`hide: true`). */
export function routesHiddenFromReference(app: FastifyInstance): ReadonlySet<string> {
  return hiddenRoutes.get(app) ?? new Set()
}

/**
 * `GET /openapi.json` (the OpenAPI 3.1 document of every route of this listener) and `GET /docs` (an
 * interactive reference, its assets served by the hub itself). Call on the root instance before any route
 * is added: @fastify/swagger collects the routes as they are registered. The document is built on its first
 * request, not while the hub starts, and kept.
 */
export async function registerApiReference(app: FastifyInstance): Promise<void> {
  const hidden = new Set<string>()
  hiddenRoutes.set(app, hidden)
  app.addHook('onRoute', (route) => {
    if (route.schema?.hide) for (const method of [route.method].flat()) hidden.add(`${method} ${route.url}`)
  })
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Open OCPI hub', version: HUB_VERSION, description: DESCRIPTION },
      components: OPENAPI_COMPONENTS,
    },
    transform: documentRoute,
    transformObject: referErrorResponses,
  })
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // No request leaves the page: the online validator is off, and the policy allows the hub's own assets only.
    validatorUrl: false,
    staticCSP: {
      'default-src': "'self'",
      'img-src': "'self' data:",
      'script-src': "'self'",
      'style-src': "'self'",
      'object-src': "'none'",
      'base-uri': "'self'",
      'frame-ancestors': "'self'",
    },
  })
  app.get(
    '/openapi.json',
    { schema: { summary: 'This OpenAPI 3.1 document', tags: ['Operations'] } },
    async () => app.swagger(),
  )
}
