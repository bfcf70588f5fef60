import { OcpiStatus, type OcpiStatusCode } from '../../core/status-codes.ts'
import type { EndpointRow } from '../../storage/tables.ts'
import { PartnerCallError, type OcpiClient, type PartnerResponse } from '../../partners/ocpi/ocpi-client.ts'
import { rulesOf, type TokenEncoding } from '../../partners/ocpi/version-rules.ts'
import { SUPPORTED_VERSIONS, type OcpiVersion, highestMutualVersion } from '../../core/ocpi-versions.ts'
import { interfaceOfRole211 } from '../../core/modules.ts'

/** Modules a partner must expose for the hub to keep a connection with it. */
const REQUIRED_MODULES = ['credentials']

export type DiscoveryStep = 'versions' | 'version_details'

/** A partner's versions or version details could not be used; carries the OCPI status for the handshake. */
export class DiscoveryError extends Error {
  override name = 'DiscoveryError'
  readonly step: DiscoveryStep
  readonly statusCode: OcpiStatusCode
  /** What the partner is not told but the operator's log gets (the address a host name resolved to). */
  readonly detail: string | undefined
  constructor(step: DiscoveryStep, statusCode: OcpiStatusCode, message: string, detail?: string) {
    super(message)
    this.step = step
    this.statusCode = statusCode
    this.detail = detail
  }
}

export interface DiscoveredPartner {
  readonly version: OcpiVersion
  readonly endpoints: EndpointRow[]
}

export interface DiscoveryOptions {
  /**
   * The version the partner chose by calling that version's credentials endpoint; 3002 when it does not
   * offer it. Without one, the highest version both sides speak.
   */
  readonly version?: OcpiVersion | undefined
  /**
   * The role of a 2.1.1 partner's one party (2.1.1 endpoints have no interface role: it follows from the
   * party's role). Unknown: each 2.1.1 endpoint stands for both interfaces.
   */
  readonly partyRole?: string | undefined
}

async function fetchData(
  client: OcpiClient,
  step: DiscoveryStep,
  url: string,
  token: string,
  correlationId: string,
  tokenEncoding: TokenEncoding,
): Promise<unknown> {
  let response: PartnerResponse
  try {
    response = await client.send({ method: 'GET', url, token, correlationId, tokenEncoding })
    // A 2.1.1 peer reads the token as it is: when the hub does not know the version yet, it tries both.
    if (response.httpStatus === 401 && tokenEncoding === 'base64') {
      response = await client.send({ method: 'GET', url, token, correlationId, tokenEncoding: 'raw' })
    }
  } catch (error) {
    // The caller may not be registered yet: it learns that the address is refused, not what its host
    // name resolves to (that would map the hub's network for anyone holding a token A).
    if (error instanceof PartnerCallError && error.failure === 'address-refused') {
      throw new DiscoveryError(
        step,
        OcpiStatus.UnableToUseClientApi,
        `GET ${step} failed: the ${step === 'versions' ? 'versions' : 'version details'} URL cannot be called: its address is not allowed`,
        error.message,
      )
    }
    const reason = error instanceof PartnerCallError ? error.message : String(error)
    throw new DiscoveryError(step, OcpiStatus.UnableToUseClientApi, `GET ${step} failed: ${reason}`)
  }
  const { envelope } = response
  if (response.httpStatus !== 200 || !envelope || envelope.status_code !== OcpiStatus.Success) {
    const answer = envelope
      ? `status_code ${envelope.status_code}${envelope.status_message ? ` (${envelope.status_message})` : ''}`
      : 'no OCPI envelope'
    throw new DiscoveryError(
      step,
      OcpiStatus.UnableToUseClientApi,
      `GET ${step} at ${url} answered HTTP ${response.httpStatus} with ${answer}`,
    )
  }
  return envelope.data
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Reads a partner's versions and the details of the version to use, with the token the hub presents to
 * it (credentials.asciidoc: registration). 3001 when either cannot be read, 3002 when there is no common
 * version (or the partner does not offer the one it chose), 3003 when a required endpoint is missing.
 */
export async function discoverPartner(
  client: OcpiClient,
  versionsUrl: string,
  token: string,
  correlationId: string,
  options: DiscoveryOptions = {},
): Promise<DiscoveredPartner> {
  const versions = await fetchData(
    client,
    'versions',
    versionsUrl,
    token,
    correlationId,
    options.version ? rulesOf(options.version).tokenEncoding : 'base64',
  )
  if (!Array.isArray(versions)) {
    throw new DiscoveryError(
      'versions',
      OcpiStatus.UnableToUseClientApi,
      'versions: data is not a list of versions',
    )
  }
  const offered = versions.filter(isRecord).filter((v) => typeof v['url'] === 'string')
  const names = offered.map((v) => String(v['version']))
  const version = options.version ?? highestMutualVersion(names)
  const match = offered.find((v) => v['version'] === version)
  if (!version || !match) {
    throw new DiscoveryError(
      'versions',
      OcpiStatus.UnsupportedVersion,
      options.version
        ? `the partner registers in ${options.version} but offers only ${names.join(', ') || 'none'}`
        : `no common version: the partner offers ${names.join(', ') || 'none'}, the hub speaks ${SUPPORTED_VERSIONS.join(', ')}`,
    )
  }
  const details = await fetchData(
    client,
    'version_details',
    String(match['url']),
    token,
    correlationId,
    rulesOf(version).tokenEncoding,
  )
  const rawEndpoints = isRecord(details) ? details['endpoints'] : undefined
  if (!Array.isArray(rawEndpoints)) {
    throw new DiscoveryError(
      'version_details',
      OcpiStatus.UnableToUseClientApi,
      'version details: endpoints missing',
    )
  }
  const endpoints: EndpointRow[] = rawEndpoints
    .filter(isRecord)
    .filter((e) => typeof e['identifier'] === 'string' && typeof e['url'] === 'string')
    // ModuleIDs are matched case-insensitively (Booking / bookings).
    .flatMap((e) => {
      const identifier = String(e['identifier']).toLowerCase()
      const url = String(e['url'])
      if (typeof e['role'] === 'string') return [{ identifier, role: e['role'].toUpperCase(), url }]
      return rolesOf211Endpoint(identifier, version, options.partyRole).map((role) => ({
        identifier,
        role,
        url,
      }))
    })
  const missing = REQUIRED_MODULES.filter((id) => !endpoints.some((e) => e.identifier === id))
  if (missing.length > 0) {
    throw new DiscoveryError(
      'version_details',
      OcpiStatus.NoMatchingEndpoints,
      `the partner's ${version} endpoints lack: ${missing.join(', ')}`,
    )
  }
  return { version, endpoints }
}

/**
 * A 2.1.1 endpoint is one URL per module: the interface the partner's role implements for it, or both
 * when the role is not known yet (the hub registering at a partner).
 */
function rolesOf211Endpoint(
  identifier: string,
  version: OcpiVersion,
  partyRole: string | undefined,
): string[] {
  if (rulesOf(version).endpointsNameTheirInterface || identifier === 'credentials') return ['SENDER']
  return partyRole ? [interfaceOfRole211(identifier, partyRole)] : ['SENDER', 'RECEIVER']
}

export function endpointUrl(endpoints: readonly EndpointRow[], identifier: string): string | undefined {
  return endpoints.find((e) => e.identifier === identifier)?.url
}
