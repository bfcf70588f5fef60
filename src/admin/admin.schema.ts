import { Type, type Static } from '@sinclair/typebox'
import { MAX_INVITATION_TTL_HOURS } from '../config/config.ts'
import { CountryCode, OcpiUrl, PartyId } from '../core/ocpi-types.schema.ts'
import { ROLES } from '../core/party.ts'
import { TOKEN_PATTERN } from '../core/tokens.ts'

const RoleName = Type.Union(ROLES.map((role) => Type.Literal(role)))

export const RoleRequest = Type.Object(
  { role: RoleName, country_code: CountryCode, party_id: PartyId },
  { additionalProperties: false },
)
export type RoleRequest = Static<typeof RoleRequest>

/** Hours token A opens the hub (fractions allowed: 0.5 is 30 minutes); 0: it never expires. */
const ExpiresInHours = Type.Number({ minimum: 0, maximum: MAX_INVITATION_TTL_HOURS })

export const InvitationRequest = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  roles: Type.Array(
    Type.Object({
      role: RoleName,
      country_code: CountryCode,
      party_id: PartyId,
    }),
    { minItems: 1, maxItems: 1000 },
  ),
  expires_in_hours: Type.Optional(ExpiresInHours),
})
export type InvitationRequest = Static<typeof InvitationRequest>

/** Sent without a body, it is `{}`: the INVITATION_TTL_HOURS default. */
export const ReissueTokenARequest = Type.Object(
  { expires_in_hours: Type.Optional(ExpiresInHours) },
  { additionalProperties: false },
)
export type ReissueTokenARequest = Static<typeof ReissueTokenARequest>

export const ConnectionRequest = Type.Object({
  versions_url: OcpiUrl,
  token_a: Type.String({ pattern: TOKEN_PATTERN }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
  /** The partner's role when it speaks only OCPI 2.1.1, whose credentials carry none. */
  role: Type.Optional(Type.Union(ROLES.map((role) => Type.Literal(role)))),
})
export type ConnectionRequest = Static<typeof ConnectionRequest>

export const PlatformParams = Type.Object({ id: Type.String({ maxLength: 64 }) })

export const PlatformRoleParams = Type.Object({
  id: Type.String({ maxLength: 64 }),
  country_code: Type.String({ pattern: '^[A-Za-z]{2}$' }),
  party_id: Type.String({ pattern: '^[A-Za-z0-9]{3}$' }),
  role: RoleName,
})

/** Who to reach at the partner; every field optional, none other allowed. */
export const Contact = Type.Object(
  {
    email: Type.Optional(Type.String({ maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$' })),
    phone: Type.Optional(Type.String({ pattern: '^\\+?[0-9][0-9 ()./-]{2,31}$' })),
    person: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
)

export const NOTES_MAX_LENGTH = 10_000

/** A change to a platform: an absent field stays as it is, `null` clears contact or notes. */
export const PlatformPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    contact: Type.Optional(Type.Union([Contact, Type.Null()])),
    notes: Type.Optional(Type.Union([Type.String({ maxLength: NOTES_MAX_LENGTH }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type PlatformPatch = Static<typeof PlatformPatch>

export const PlatformsQuery = Type.Object(
  {
    status: Type.Optional(
      Type.Union([
        Type.Literal('PLANNED'),
        Type.Literal('CONNECTED'),
        Type.Literal('OFFLINE'),
        Type.Literal('SUSPENDED'),
      ]),
    ),
    role: Type.Optional(RoleName),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
    cursor: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,200}$' })),
  },
  { additionalProperties: false },
)
export type PlatformsQuery = Static<typeof PlatformsQuery>
