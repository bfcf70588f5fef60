import fastifySwagger from '@fastify/swagger'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { SESSION_COOKIE } from '../accounts/account-routes.ts'

/** The members' API version the document states; raise it with a change of the API. */
const API_VERSION = '0.2.0'

/**
 * Collects the OpenAPI 3.1 document of the members' API (/api) from the routes' own schemas, as the hub
 * does for its APIs (@fastify/swagger). Registered before the routes: it sees each one as it is added.
 * The OCPI endpoints (/ocpi, for the hub only) and /health are left out.
 */
export async function collectApiDocument(
  app: FastifyInstance,
  options: { readonly publicUrl: string; readonly businessName: string },
): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: `${options.businessName}: members' API`,
        version: API_VERSION,
        description:
          `One account per person (owner, driver or both). Sign in with POST /api/sessions: the session ` +
          `travels in the HttpOnly \`${SESSION_COOKIE}\` cookie. Errors are \`{ error, message }\`.`,
      },
      servers: [{ url: options.publicUrl }],
      components: {
        securitySchemes: { memberSession: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE } },
      },
    },
    transform: ({ schema, url }) =>
      url.startsWith('/api/') ? { schema, url } : { schema: { ...schema, hide: true }, url },
  })
}

/** GET /api/openapi.json: the document itself. */
export function apiDocumentRoute(): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/openapi.json',
      {
        schema: {
          summary: "This API's OpenAPI 3.1 document",
          tags: ['Reference'],
          description: 'Served as it is (no response schema: the document describes itself).',
        },
      },
      async () => app.swagger(),
    )
  }
}
