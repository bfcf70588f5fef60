import { OcpiStatus, type OcpiStatusCode } from '../../core/status-codes.ts'
import type { EndpointRow } from '../../storage/tables.ts'
import { PartnerCallError, type OcpiClient, type PartnerResponse } from '../../transport/ocpi-client.ts'

export const SUPPORTED_VERSION = '2.3.0'

/** Modules a partner must expose for the hub to keep a connection with it. */
const REQUIRED_MODULES = ['credentials']

export type DiscoveryStep = 'versions' | 'version_details'

/** A partner's versions or version details could not be used; carries the OCPI status for the handshake. */
export class DiscoveryError extends Error {
  override name = 'DiscoveryError'
  readonly step: DiscoveryStep
  readonly statusCode: OcpiStatusCode
  constructor(step: DiscoveryStep, statusCode: OcpiStatusCode, message: string) {
    super(message)
    this.step = step
    this.statusCode = statusCode
  }
}

export interface DiscoveredPartner {
  readonly version: string
  readonly endpoints: EndpointRow[]
}

async function fetchData(
  client: OcpiClient,
  step: DiscoveryStep,
  url: string,
  token: string,
  correlationId: string,
): Promise<unknown> {
  let response: PartnerResponse
  try {
    response = await client.send({ method: 'GET', url, token, correlationId })
  } catch (error) {
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
 * Reads a partner's versions and the details of 2.3.0, with the token the hub presents to it
 * (credentials.asciidoc: registration). 3001 when either cannot be read, 3002 when the partner does not
 * speak 2.3.0, 3003 when a required endpoint is missing.
 */
export async function discoverPartner(
  client: OcpiClient,
  versionsUrl: string,
  token: string,
  correlationId: string,
): Promise<DiscoveredPartner> {
  const versions = await fetchData(client, 'versions', versionsUrl, token, correlationId)
  if (!Array.isArray(versions)) {
    throw new DiscoveryError(
      'versions',
      OcpiStatus.UnableToUseClientApi,
      'versions: data is not a list of versions',
    )
  }
  const offered = versions.filter(isRecord)
  const match = offered.find((v) => v['version'] === SUPPORTED_VERSION && typeof v['url'] === 'string')
  if (!match) {
    const names = offered.map((v) => String(v['version'])).join(', ') || 'none'
    throw new DiscoveryError(
      'versions',
      OcpiStatus.UnsupportedVersion,
      `no common version: the partner offers ${names}, the hub speaks ${SUPPORTED_VERSION}`,
    )
  }
  const details = await fetchData(client, 'version_details', String(match['url']), token, correlationId)
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
    .map((e) => ({
      identifier: String(e['identifier']).toLowerCase(),
      role: (typeof e['role'] === 'string' ? e['role'] : 'SENDER').toUpperCase(),
      url: String(e['url']),
    }))
  const missing = REQUIRED_MODULES.filter((id) => !endpoints.some((e) => e.identifier === id))
  if (missing.length > 0) {
    throw new DiscoveryError(
      'version_details',
      OcpiStatus.NoMatchingEndpoints,
      `the partner's ${SUPPORTED_VERSION} endpoints lack: ${missing.join(', ')}`,
    )
  }
  return { version: SUPPORTED_VERSION, endpoints }
}

export function endpointUrl(endpoints: readonly EndpointRow[], identifier: string): string | undefined {
  return endpoints.find((e) => e.identifier === identifier)?.url
}
