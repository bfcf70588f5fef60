import { Type, type Static } from '@sinclair/typebox'
import {
  BusinessDetails,
  CiString,
  CountryCode,
  OcpiUrl,
  Optional,
  PartyId,
} from '../../core/ocpi-types.schema.ts'
import { ROLES } from '../../core/party.ts'
import { TOKEN_PATTERN } from '../../core/tokens.ts'

export const CredentialsRole = Type.Object({
  role: Type.Union(ROLES.map((role) => Type.Literal(role))),
  business_details: BusinessDetails,
  party_id: PartyId,
  country_code: CountryCode,
})

/** The Credentials object (credentials.asciidoc). */
export const Credentials = Type.Object({
  token: Type.String({ pattern: TOKEN_PATTERN }),
  url: OcpiUrl,
  hub_party_id: Optional(CiString(5)),
  roles: Type.Array(CredentialsRole, { minItems: 1 }),
})

export type CredentialsRole = Static<typeof CredentialsRole>
export type Credentials = Static<typeof Credentials>
