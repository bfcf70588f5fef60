import { Type, type Static } from '@sinclair/typebox'
import { CountryCode, OcpiUrl, PartyId } from '../core/ocpi-types.schema.ts'
import { ROLES } from '../core/party.ts'
import { TOKEN_PATTERN } from '../core/tokens.ts'

export const InvitationRequest = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  roles: Type.Array(
    Type.Object({
      role: Type.Union(ROLES.map((role) => Type.Literal(role))),
      country_code: CountryCode,
      party_id: PartyId,
    }),
    { minItems: 1, maxItems: 1000 },
  ),
})
export type InvitationRequest = Static<typeof InvitationRequest>

export const ConnectionRequest = Type.Object({
  versions_url: OcpiUrl,
  token_a: Type.String({ pattern: TOKEN_PATTERN }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
  /** The partner's role when it speaks only OCPI 2.1.1, whose credentials carry none. */
  role: Type.Optional(Type.Union(ROLES.map((role) => Type.Literal(role)))),
})
export type ConnectionRequest = Static<typeof ConnectionRequest>

export const PlatformParams = Type.Object({ id: Type.String({ maxLength: 64 }) })
