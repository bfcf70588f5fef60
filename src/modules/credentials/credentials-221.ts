import type { OcpiVersion } from '../../core/ocpi-versions.ts'
import { credentialsTo211, type Credentials211 } from './credentials-211.ts'
import type { Credentials, CredentialsRole } from './credentials.schema.ts'

/**
 * The hub's Credentials as an OCPI 2.2.1 partner expects them. 2.2.1 has no `hub_party_id`: a hub names
 * itself with the role HUB (removed in 2.3.0), and its roles do not list the parties reachable through it
 * (2.3.0's note on roaming hubs added that); 2.2.1 partners learn those from HubClientInfo.
 */
export interface Credentials221 {
  readonly token: string
  readonly url: string
  readonly roles: readonly (Omit<CredentialsRole, 'role'> & { readonly role: 'HUB' })[]
}

/** The hub's canonical (2.3.0) credentials in 2.2.1: the hub's own role, as HUB. */
export function credentialsTo221(credentials: Credentials): Credentials221 {
  const hub = credentials.roles[0]!
  return { token: credentials.token, url: credentials.url, roles: [{ ...hub, role: 'HUB' }] }
}

/** The hub's canonical credentials as a partner of `version` expects them. */
export function hubCredentialsIn(
  version: OcpiVersion,
  credentials: Credentials,
): Credentials | Credentials221 | Credentials211 {
  if (version === '2.1.1') return credentialsTo211(credentials)
  return version === '2.2.1' ? credentialsTo221(credentials) : credentials
}
