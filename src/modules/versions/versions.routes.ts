import type { FastifyInstance } from 'fastify'
import type { HubContext } from '../../hub-context.ts'
import { partnerOf } from '../../transport/authorization.ts'
import { successEnvelope } from '../../core/envelope.ts'
import { SUPPORTED_VERSIONS, type OcpiVersion } from '../../core/ocpi-versions.ts'
import { hasModule, hubInterfaceFor211 } from '../../core/modules.ts'
import { claimableParties } from '../credentials/credentials.service.ts'
import { interfacePath, MODULE_ENDPOINTS } from '../registry.ts'

/** The versions this hub speaks, highest first, with the URL of each one's details. */
export function listVersions(context: HubContext): { version: string; url: string }[] {
  return SUPPORTED_VERSIONS.map((version) => ({ version, url: `${context.hub.ocpiBaseUrl}/${version}` }))
}

/**
 * 2.2.1 and 2.3.0 details: every endpoint of MODULE_ENDPOINTS whose module the version has. The hub's
 * hubclientinfo Receiver is only for peer hubs (docs/bridges/peering.md): a party may not tell the hub of
 * other parties, so it is not listed to one.
 */
function versionDetails(context: HubContext, version: OcpiVersion, forPeerHub: boolean) {
  const listed = (e: (typeof MODULE_ENDPOINTS)[number]) =>
    hasModule(version, e.identifier) &&
    (forPeerHub || e.identifier !== 'hubclientinfo' || e.role !== 'RECEIVER')
  return {
    version,
    endpoints: MODULE_ENDPOINTS.filter(listed).map((e) => ({
      identifier: e.identifier,
      role: e.role,
      url: `${context.hub.ocpiBaseUrl}/${version}/${e.path}`,
    })),
  }
}

/**
 * 2.1.1 details: one URL per module and no roles. Which of the hub's two interfaces that URL is follows
 * from the caller's role: a CPO is given the hub's eMSP side (where it pushes Locations and reads
 * Tokens), an eMSP the CPO side. A caller whose role the hub does not know yet is treated as a CPO.
 */
async function versionDetails211(context: HubContext, platformId: string) {
  const [party] = await claimableParties(context, platformId)
  const role = party?.role ?? 'CPO'
  const modules = [...new Set(MODULE_ENDPOINTS.map((e) => e.identifier))].filter((m) => hasModule('2.1.1', m))
  return {
    version: '2.1.1',
    endpoints: modules.map((identifier) => ({
      identifier,
      url:
        identifier === 'credentials'
          ? `${context.hub.ocpiBaseUrl}/2.1.1/credentials`
          : `${context.hub.ocpiBaseUrl}/2.1.1/${interfacePath(identifier, hubInterfaceFor211(identifier, role))}`,
    })),
  }
}

/** The OpenAPI tag of these routes; the document prefixes the OCPI version of the details (docs/openapi.md). */
const TAGS = ['versions']

/** Versions module (version_information_endpoint.asciidoc): open to partners still in their handshake. */
export async function versionsRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const config = { allowUnregistered: true }
  const listSchema = { summary: 'The OCPI versions the hub speaks', tags: TAGS }
  app.get('/versions', { config, schema: listSchema }, async () => successEnvelope(listVersions(context)))
  for (const version of ['2.3.0', '2.2.1'] as const) {
    const details = versionDetails(context, version, false)
    const peerDetails = versionDetails(context, version, true)
    const detailsSchema = { summary: `The hub's endpoints in OCPI ${version}`, tags: TAGS }
    app.get(`/${version}`, { config, schema: detailsSchema }, async (request) => {
      const { platformId } = partnerOf(request)
      // A peer invited a moment ago by another hub process may not be in this one's snapshot yet.
      if (!context.directory.platform(platformId)) await context.directory.catchUp()
      return successEnvelope(context.directory.platform(platformId)?.peer_hub ? peerDetails : details)
    })
  }
  const details211Schema = { summary: "The hub's endpoints in OCPI 2.1.1, for the caller's role", tags: TAGS }
  app.get('/2.1.1', { config, schema: details211Schema }, async (request) =>
    successEnvelope(await versionDetails211(context, partnerOf(request).platformId)),
  )
}
