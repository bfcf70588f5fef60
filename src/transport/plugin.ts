import type { FastifyInstance } from 'fastify'
import { OcpiError } from '../core/errors.ts'
import { hubParty, type HubContext } from '../hub-context.ts'
import { registerMessageLogHooks } from '../message-log/incoming-hooks.ts'
import type { MessageLogWriter } from '../message-log/message-log-writer.ts'
import { credentialsRoutes } from '../modules/credentials/credentials.routes.ts'
import { locationsRoutes } from '../modules/locations/locations.routes.ts'
import { tariffsRoutes } from '../modules/tariffs/tariffs.routes.ts'
import { tokensRoutes } from '../modules/tokens/tokens.routes.ts'
import { sessionsRoutes } from '../modules/sessions/sessions.routes.ts'
import { cdrsRoutes } from '../modules/cdrs/cdrs.routes.ts'
import { commandsRoutes } from '../modules/commands/commands.routes.ts'
import { chargingProfilesRoutes } from '../modules/charging-profiles/charging-profiles.routes.ts'
import { hubClientInfoRoutes } from '../modules/hub-client-info/hub-client-info.routes.ts'
import { LastSeenRecorder } from '../modules/hub-client-info/still-alive.ts'
import { paymentsRoutes } from '../modules/payments/payments.routes.ts'
import { versionsRoutes } from '../modules/versions/versions.routes.ts'
import { registerPartnerAuthentication } from './authorization.ts'
import { ocpiErrorHandler } from './error-handler.ts'
import { SUPPORTED_VERSIONS, type OcpiVersion } from '../version-adapters/contract.ts'
import { registerVersionAdapters } from '../version-adapters/inbound.ts'
import { hasModule } from '../version-adapters/version-modules.ts'
import { registerPathParameterCheck } from './path-params.ts'
import { RateLimiter, registerRateLimit } from './rate-limit.ts'
import { answerWithRoutingHeaders } from './routing-headers.ts'

/** Everything under /ocpi: partner authentication, OCPI errors, and the modules. */
export async function ocpiPlugin(
  app: FastifyInstance,
  { context, messageLog }: { context: HubContext; messageLog?: MessageLogWriter },
): Promise<void> {
  app.setErrorHandler(ocpiErrorHandler)
  // Every request in, refused ones included (src/message-log/).
  if (messageLog) registerMessageLogHooks(app, messageLog)
  registerPartnerAuthentication(app, (candidates) => context.directory.authenticate(candidates))
  // After authentication (limits are per platform), before any work on the request.
  registerRateLimit(app, new RateLimiter(context.config.rateLimit))
  // Before any work on the request: a path parameter that cannot be an id never reaches a partner's URL.
  registerPathParameterCheck(app)
  // Runs after authentication: a registered partner that calls is alive (the still-alive check skips it).
  const lastSeen = new LastSeenRecorder(context.directory, context.log)
  app.addHook('onRequest', async (request) => {
    if (request.partner?.registered) lastSeen.record(request.partner.platformId)
  })
  // Unknown paths are answered after authentication: a caller without a valid token learns nothing.
  app.setNotFoundHandler(async (request) => {
    throw new OcpiError('HUB_ERR_NOT_FOUND', `Unknown resource: ${request.method} ${request.url}`)
  })
  await app.register(versionsRoutes, { context })
  for (const version of SUPPORTED_VERSIONS) {
    await app.register(versionScope, { prefix: `/${version}`, context, version })
  }
}

type ModulePlugin = (app: FastifyInstance, options: { context: HubContext }) => Promise<void>

/**
 * The module plugins with the ModuleID they serve: each version gets the ones it has. Functional modules
 * answer with routing headers; HubClientInfo is a configuration module between a partner and the hub.
 */
const MODULE_PLUGINS: readonly (readonly [string, ModulePlugin, 'functional' | 'configuration'])[] = [
  ['locations', locationsRoutes, 'functional'],
  ['tariffs', tariffsRoutes, 'functional'],
  ['tokens', tokensRoutes, 'functional'],
  ['sessions', sessionsRoutes, 'functional'],
  ['cdrs', cdrsRoutes, 'functional'],
  ['commands', commandsRoutes, 'functional'],
  ['chargingprofiles', chargingProfilesRoutes, 'functional'],
  ['hubclientinfo', hubClientInfoRoutes, 'configuration'],
  ['payments', paymentsRoutes, 'functional'],
]

/**
 * One version's endpoints under `/ocpi/{version}`: the same module handlers in every version; older
 * versions add the adapters that convert at the edge (src/version-adapters/inbound.ts).
 */
async function versionScope(
  app: FastifyInstance,
  { context, version }: { context: HubContext; version: OcpiVersion },
): Promise<void> {
  if (version !== '2.3.0') registerVersionAdapters(app, context, version)
  await app.register(credentialsRoutes, { context, version })
  const hub = hubParty(context.hub)
  for (const [module, plugin, kind] of MODULE_PLUGINS) {
    if (!hasModule(version, module)) continue
    await app.register(async (scope) => {
      if (kind === 'functional') answerWithRoutingHeaders(scope, hub)
      await scope.register(plugin, { context })
    })
  }
}
