import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { CountryCode, PartyId } from '../../core/ocpi-types.schema.ts'

/** The OICP bridge as the operator configures it (`PUT /admin/bridges/oicp`, docs/bridges/oicp.md). */
export const OicpBridgeSettings = Type.Object(
  {
    /** Off: nothing is pushed to or pulled from HBS; what is queued waits. */
    enabled: Type.Boolean(),
    /** The hub's OperatorID at Hubject (hub operator): in every push path and body. */
    operator_id: Type.String({ pattern: '^[A-Za-z]{2}\\*?[A-Za-z0-9]{3}$' }),
    operator_name: Type.String({ minLength: 1, maxLength: 100 }),
    /** The hub's ProviderID at Hubject (hub provider): in every pull path and body. */
    provider_id: Type.String({ pattern: '^[A-Za-z]{2}[*-]?[A-Za-z0-9]{3}$' }),
    /** Our OCPI CPOs declared at Hubject as sub-operators: only their EVSEs are pushed. */
    represented_cpos: Type.Array(Type.Object({ country_code: CountryCode, party_id: PartyId }), {
      maxItems: 1000,
    }),
    /** OICP's mandatory HotlinePhoneNumber for Locations without a usable `help_phone`. */
    default_hotline_phone: Type.Optional(Type.String({ pattern: '^\\+[0-9]{5,15}$' })),
    /** Language of the station names sent (OCPI's `name` has none). */
    language: Type.String({ pattern: '^[a-z]{2,3}$', default: 'en' }),
  },
  { additionalProperties: false },
)
export type OicpBridgeSettings = Static<typeof OicpBridgeSettings>

/** Settings as stored; undefined when the stored JSON does not match (never trusted blindly). */
export function readSettings(stored: unknown): OicpBridgeSettings | undefined {
  return Value.Check(OicpBridgeSettings, stored) ? stored : undefined
}

/** The protocol name in the bridges tables. */
export const OICP = 'oicp'

/**
 * The `version` of the directory platform that stands for the bridge: the partner channel sends its
 * messages through the OICP channel instead of OCPI (docs/decisions/0021).
 */
export const OICP_PLATFORM_VERSION = 'oicp-2.3'
