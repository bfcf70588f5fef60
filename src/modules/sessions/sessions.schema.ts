import { Type, type Static } from '@sinclair/typebox'
import {
  CiString,
  ClosedEnum,
  CountryCode,
  CurrencyCode,
  DateTime,
  OcpiString,
  Optional,
  PartyId,
  PatchOf,
  Price,
} from '../../core/ocpi-types.schema.ts'
import { AuthMethod, CdrToken, ChargingPeriod } from '../cdrs/cdrs.schema.ts'
import { ProfileType } from '../tokens/tokens.schema.ts'

/**
 * The Sessions module (mod_sessions.asciidoc, OCPI 2.3.0). CdrToken, AuthMethod and ChargingPeriod are
 * defined by mod_cdrs; ProfileType is defined here by the spec but lives in Tokens, which needs it too.
 */

// The module text once says RESERVED; the enum value is RESERVATION (digest §7).
export const SESSION_STATUSES = ['ACTIVE', 'COMPLETED', 'INVALID', 'PENDING', 'RESERVATION'] as const
export const SessionStatus = ClosedEnum(SESSION_STATUSES)
export type SessionStatus = Static<typeof SessionStatus>

export const CHARGING_PREFERENCES_RESPONSES = [
  'ACCEPTED',
  'DEPARTURE_REQUIRED',
  'ENERGY_NEED_REQUIRED',
  'NOT_POSSIBLE',
  'PROFILE_TYPE_NOT_SUPPORTED',
] as const
export const ChargingPreferencesResponse = ClosedEnum(CHARGING_PREFERENCES_RESPONSES)
export type ChargingPreferencesResponse = Static<typeof ChargingPreferencesResponse>

/** Body of the eMSP's PUT {sessions_url}/{session_id}/charging_preferences. */
export const ChargingPreferences = Type.Object({
  profile_type: ProfileType,
  departure_time: Optional(DateTime),
  // kWh.
  energy_need: Optional(Type.Number()),
  // Absent means false.
  discharge_allowed: Optional(Type.Boolean()),
})
export type ChargingPreferences = Static<typeof ChargingPreferences>

/** The Session object (mod_sessions), owned by the CPO and sent to the eMSP named in `cdr_token`. */
export const Session = Type.Object({
  country_code: CountryCode,
  party_id: PartyId,
  id: CiString(36),
  start_date_time: DateTime,
  end_date_time: Optional(DateTime),
  kwh: Type.Number(),
  cdr_token: CdrToken,
  auth_method: AuthMethod,
  authorization_reference: Optional(CiString(36)),
  location_id: CiString(36),
  // `#NA` allowed for a reservation without an assigned EVSE / connector yet.
  evse_uid: CiString(36),
  connector_id: CiString(36),
  meter_id: Optional(OcpiString(255)),
  currency: CurrencyCode,
  charging_periods: Optional(Type.Array(ChargingPeriod)),
  // Absent does not mean free of charge; 0 does.
  total_cost: Optional(Price),
  status: SessionStatus,
  last_updated: DateTime,
})
export type Session = Static<typeof Session>

/** PATCH body of a Session. Its `charging_periods` are appended to the stored list, not a replacement. */
export const SessionPatch = PatchOf(Session)
export type SessionPatch = Static<typeof SessionPatch>
