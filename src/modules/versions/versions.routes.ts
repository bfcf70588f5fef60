import type { FastifyInstance } from 'fastify'
import type { HubContext } from '../../hub-context.ts'
import { successEnvelope } from '../../transport/envelope.ts'
import { MODULE_ENDPOINTS } from '../registry.ts'

/** The versions this hub speaks, with the URL of each one's details. */
export function listVersions(context: HubContext): { version: string; url: string }[] {
  return [{ version: '2.3.0', url: context.hub.baseUrl230 }]
}

/** Versions module (version_information_endpoint.asciidoc): open to partners still in their handshake. */
export async function versionsRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const details = {
    version: '2.3.0',
    endpoints: MODULE_ENDPOINTS.map((e) => ({
      identifier: e.identifier,
      role: e.role,
      url: `${context.hub.baseUrl230}/${e.path}`,
    })),
  }
  app.get('/versions', { config: { allowUnregistered: true } }, async () =>
    successEnvelope(listVersions(context)),
  )
  app.get('/2.3.0', { config: { allowUnregistered: true } }, async () => successEnvelope(details))
}
