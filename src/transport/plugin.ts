import type { FastifyInstance } from 'fastify'
import { OcpiError } from '../core/errors.ts'
import type { HubContext } from '../hub-context.ts'
import { credentialsRoutes } from '../modules/credentials/credentials.routes.ts'
import { versionsRoutes } from '../modules/versions/versions.routes.ts'
import { findPartnerByToken } from '../routing/platforms.store.ts'
import { registerPartnerAuthentication } from './authorization.ts'
import { ocpiErrorHandler } from './error-handler.ts'

/** Everything under /ocpi: partner authentication, OCPI errors, and the modules. */
export async function ocpiPlugin(app: FastifyInstance, { context }: { context: HubContext }): Promise<void> {
  app.setErrorHandler(ocpiErrorHandler)
  registerPartnerAuthentication(app, (candidates) => findPartnerByToken(context.db, candidates))
  // Unknown paths are answered after authentication: a caller without a valid token learns nothing.
  app.setNotFoundHandler(async (request) => {
    throw new OcpiError('HUB_ERR_NOT_FOUND', `Unknown resource: ${request.method} ${request.url}`)
  })
  await app.register(versionsRoutes, { context })
  await app.register(credentialsRoutes, { context })
}
