import type { FastifyInstance } from 'fastify'
import type { HubContext } from '../hub-context.ts'
import type { OicpBridge } from '../bridges/oicp/oicp-bridge.ts'
import { oicpBridgeRoutes } from '../bridges/oicp/oicp-bridge.routes.ts'
import { registerAdminAuthentication } from './admin-auth.ts'
import { AdminError, adminErrorHandler } from './admin-errors.ts'
import { agreementsRoutes } from './agreements.routes.ts'
import { auditRoutes } from './audit.routes.ts'
import { clearingRoutes } from './clearing.routes.ts'
import { priceDiscrepanciesRoutes } from './price-discrepancies.routes.ts'
import { priceQuotesAdminRoutes } from './price-quotes.routes.ts'
import { deliveriesRoutes } from './deliveries.routes.ts'
import { eventsRoutes } from './events.routes.ts'
import { locationsRoutes } from './locations.routes.ts'
import { messagesRoutes } from './messages.routes.ts'
import { operatorsRoutes } from './operators.routes.ts'
import { peersRoutes } from './peers.routes.ts'
import { platformsRoutes } from './platforms.routes.ts'
import { webhooksRoutes, type WebhooksRoutesOptions } from './webhooks.routes.ts'
import { statsRoutes } from './stats.routes.ts'
import { sessionRoutes } from './session.routes.ts'

/**
 * The admin API under /admin: the admin bearer token or an operator's session cookie, and its own error
 * format (problem details).
 */
export async function adminPlugin(
  app: FastifyInstance,
  options: {
    context: HubContext
    adminTokenHash: string
    webhooks: Omit<WebhooksRoutesOptions, 'context'>
    oicpBridge: OicpBridge
  },
): Promise<void> {
  app.setErrorHandler(adminErrorHandler)
  await registerAdminAuthentication(app, { context: options.context, tokenHash: options.adminTokenHash })
  // Unknown admin paths are answered after the token check: without the token nothing is revealed.
  app.setNotFoundHandler(async (request) => {
    throw new AdminError('ADMIN_NOT_FOUND', `no such admin resource: ${request.method} ${request.url}`)
  })
  await app.register(platformsRoutes, { context: options.context })
  await app.register(peersRoutes, { context: options.context })
  await app.register(deliveriesRoutes, {
    context: options.context,
    subscriptions: options.webhooks.subscriptions,
  })
  await app.register(messagesRoutes, { context: options.context })
  await app.register(webhooksRoutes, { context: options.context, ...options.webhooks })
  await app.register(eventsRoutes, { context: options.context })
  await app.register(statsRoutes, { context: options.context })
  await app.register(locationsRoutes, { context: options.context })
  await app.register(sessionRoutes, { context: options.context })
  await app.register(operatorsRoutes, { context: options.context })
  await app.register(auditRoutes, { context: options.context })
  await app.register(clearingRoutes, { context: options.context })
  await app.register(priceDiscrepanciesRoutes, { context: options.context })
  await app.register(priceQuotesAdminRoutes, { context: options.context })
  await app.register(agreementsRoutes, { context: options.context })
  await app.register(oicpBridgeRoutes, { context: options.context, bridge: options.oicpBridge })
}
