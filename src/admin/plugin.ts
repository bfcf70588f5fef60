import type { FastifyInstance } from 'fastify'
import type { HubContext } from '../hub-context.ts'
import { registerAdminAuthentication } from './admin-auth.ts'
import { adminErrorHandler } from './admin-errors.ts'
import { platformsRoutes } from './platforms.routes.ts'

/** The admin API under /admin: its own bearer token and its own error format (problem details). */
export async function adminPlugin(
  app: FastifyInstance,
  options: { context: HubContext; adminTokenHash: string },
): Promise<void> {
  app.setErrorHandler(adminErrorHandler)
  registerAdminAuthentication(app, options.adminTokenHash)
  await app.register(platformsRoutes, { context: options.context })
}
