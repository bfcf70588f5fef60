import { Type, type Static } from '@sinclair/typebox'
import { OcpiError } from '../../core/errors.ts'
import { BusinessDetails, CountryCode, OcpiUrl, PartyId } from '../../core/ocpi-types.schema.ts'
import { sameParty } from '../../core/party.ts'
import { TOKEN_PATTERN } from '../../core/tokens.ts'
import type { PartyRow } from '../../storage/tables.ts'
import type { Credentials, CredentialsRole } from './credentials.schema.ts'

/**
 * The OCPI 2.1.1 Credentials object: one party, without a role (2.1.1 credentials). Credentials are
 * transport, not a routed object: they are translated here, next to the handshake, not by the converters.
 */
export const Credentials211 = Type.Object({
  token: Type.String({ pattern: TOKEN_PATTERN }),
  url: OcpiUrl,
  business_details: BusinessDetails,
  party_id: PartyId,
  country_code: CountryCode,
})
export type Credentials211 = Static<typeof Credentials211>

/**
 * A 2.1.1 partner's credentials as the hub's canonical ones. Its role comes from its invitation, which for
 * a 2.1.1 platform names exactly one party (2001 otherwise, or when the credentials name another party).
 */
export function credentialsFrom211(body: Credentials211, allowed: readonly PartyRow[]): Credentials {
  const [party, ...others] = allowed
  if (!party || others.length > 0) {
    throw new OcpiError(
      'HUB_ERR_ROLE_NOT_ALLOWED',
      `an OCPI 2.1.1 platform has exactly one party, but this invitation allows ${allowed.length}: register in 2.2.1 or later, or ask the operator for an invitation with one role`,
    )
  }
  if (!sameParty(party, body)) {
    throw new OcpiError(
      'HUB_ERR_ROLE_NOT_ALLOWED',
      `${body.country_code}/${body.party_id} is not the party of this invitation (${party.country_code}/${party.party_id})`,
    )
  }
  return {
    token: body.token,
    url: body.url,
    roles: [withRole(body, party.role as CredentialsRole['role'])],
  }
}

/** A 2.1.1 party's credentials with the role the hub knows it by. */
export function withRole(body: Credentials211, role: CredentialsRole['role']): CredentialsRole {
  return {
    role,
    business_details: body.business_details,
    party_id: body.party_id.toUpperCase(),
    country_code: body.country_code.toUpperCase(),
  }
}

/** The hub's canonical credentials in 2.1.1: the hub itself is the one party (its first role). */
export function credentialsTo211(credentials: Credentials): Credentials211 {
  const hub = credentials.roles[0]!
  return {
    token: credentials.token,
    url: credentials.url,
    business_details: hub.business_details,
    party_id: hub.party_id,
    country_code: hub.country_code,
  }
}
