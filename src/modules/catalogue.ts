import type { FastifyInstance } from 'fastify'
import { hasModule, MODULE_FACTS, MODULE_IDS, type ModuleId } from '../core/modules.ts'
import { CANONICAL_VERSION, SUPPORTED_VERSIONS, type OcpiVersion } from '../core/ocpi-versions.ts'
import { type HubContext } from '../hub-context.ts'
import { hubParty } from '../core/hub-identity.ts'
import { answerWithRoutingHeaders } from '../transport/routing-headers.ts'
import { registerVersionAdapters } from '../version-adapters/inbound.ts'
import { bookingsRoutes } from './bookings/bookings.routes.ts'
import { cdrsRoutes } from './cdrs/cdrs.routes.ts'
import { chargingProfilesRoutes } from './charging-profiles/charging-profiles.routes.ts'
import { commandsRoutes } from './commands/commands.routes.ts'
import { credentialsRoutes } from './credentials/credentials.routes.ts'
import { hubClientInfoRoutes } from './hub-client-info/hub-client-info.routes.ts'
import { locationsRoutes } from './locations/locations.routes.ts'
import { paymentsRoutes } from './payments/payments.routes.ts'
import { sessionsRoutes } from './sessions/sessions.routes.ts'
import { tariffsRoutes } from './tariffs/tariffs.routes.ts'
import { tokensRoutes } from './tokens/tokens.routes.ts'
import { versionsRoutes } from './versions/versions.routes.ts'

/** A module's Fastify routes, registered once per version that has the module. */
type ModuleRoutes = (
  app: FastifyInstance,
  options: { context: HubContext; version: OcpiVersion },
) => Promise<void>

/** The routes of every module of the catalogue (src/core/modules.ts holds the facts about each). */
const MODULE_ROUTES: Readonly<Record<ModuleId, ModuleRoutes>> = {
  credentials: credentialsRoutes,
  locations: locationsRoutes,
  tariffs: tariffsRoutes,
  tokens: tokensRoutes,
  sessions: sessionsRoutes,
  cdrs: cdrsRoutes,
  commands: commandsRoutes,
  chargingprofiles: chargingProfilesRoutes,
  hubclientinfo: hubClientInfoRoutes,
  payments: paymentsRoutes,
  bookings: bookingsRoutes,
}

/** The versions module, and under `/{version}` every module that version has. */
export async function registerModules(app: FastifyInstance, context: HubContext): Promise<void> {
  await app.register(versionsRoutes, { context })
  for (const version of SUPPORTED_VERSIONS) {
    await app.register(versionScope, { prefix: `/${version}`, context, version })
  }
}

/**
 * One version's endpoints under `/ocpi/{version}`: the same module handlers in every version; older
 * versions add the adapters that convert at the edge (src/version-adapters/inbound.ts). Functional modules
 * answer with routing headers; configuration modules are between a partner and the hub.
 */
async function versionScope(
  app: FastifyInstance,
  { context, version }: { context: HubContext; version: OcpiVersion },
): Promise<void> {
  if (version !== CANONICAL_VERSION) registerVersionAdapters(app, context, version)
  const hub = hubParty(context.hub)
  for (const module of MODULE_IDS) {
    if (!hasModule(version, module)) continue
    await app.register(async (scope) => {
      if (MODULE_FACTS[module].kind === 'functional') answerWithRoutingHeaders(scope, hub)
      await scope.register(MODULE_ROUTES[module], { context, version })
    })
  }
}
