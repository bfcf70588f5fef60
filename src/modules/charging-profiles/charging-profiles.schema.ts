import { Type, type Static } from '@sinclair/typebox'
import { ClosedEnum, DateTime, OcpiUrl, Optional } from '../../core/ocpi-types.schema.ts'

/**
 * The ChargingProfiles module (mod_charging_profiles.asciidoc, OCPI 2.3.0): an eMSP or SCSP sets, reads
 * or clears the limits of a running session at the CPO; answers arrive asynchronously at `response_url`.
 *
 * Not checked: "at most one digit fraction" of `limit` and `min_charging_rate`. JSON Schema can only say
 * it as `multipleOf: 0.1`, which fails on binary floating point (8.1 / 0.1 = 80.99999999999999).
 */

// ----- Enums

export const CHARGING_RATE_UNITS = ['W', 'A'] as const
export const ChargingRateUnit = ClosedEnum(CHARGING_RATE_UNITS)
export type ChargingRateUnit = Static<typeof ChargingRateUnit>

export const CHARGING_PROFILE_RESPONSE_TYPES = [
  'ACCEPTED',
  'NOT_SUPPORTED',
  'REJECTED',
  'TOO_OFTEN',
  'UNKNOWN_SESSION',
] as const
export const ChargingProfileResponseType = ClosedEnum(CHARGING_PROFILE_RESPONSE_TYPES)
export type ChargingProfileResponseType = Static<typeof ChargingProfileResponseType>

export const CHARGING_PROFILE_RESULT_TYPES = ['ACCEPTED', 'REJECTED', 'UNKNOWN'] as const
export const ChargingProfileResultType = ClosedEnum(CHARGING_PROFILE_RESULT_TYPES)
export type ChargingProfileResultType = Static<typeof ChargingProfileResultType>

// ----- Classes

export const ChargingProfilePeriod = Type.Object({
  // Seconds from the start of the profile; also ends the previous period.
  start_period: Type.Integer(),
  limit: Type.Number(),
})
export type ChargingProfilePeriod = Static<typeof ChargingProfilePeriod>

export const ChargingProfile = Type.Object({
  // Absent: relative to the start of charging.
  start_date_time: Optional(DateTime),
  // Seconds; absent: the last period lasts until the end of the session.
  duration: Optional(Type.Integer()),
  charging_rate_unit: ChargingRateUnit,
  min_charging_rate: Optional(Type.Number()),
  charging_profile_period: Optional(Type.Array(ChargingProfilePeriod)),
})
export type ChargingProfile = Static<typeof ChargingProfile>

export const ActiveChargingProfile = Type.Object({
  // When the Charge Point calculated the profile; all its times are relative to this.
  start_date_time: DateTime,
  charging_profile: ChargingProfile,
})
export type ActiveChargingProfile = Static<typeof ActiveChargingProfile>

// ----- Request bodies

/** Body of PUT {chargingprofiles_url}/{session_id} from the eMSP/SCSP to the CPO. */
export const SetChargingProfile = Type.Object({
  charging_profile: ChargingProfile,
  response_url: OcpiUrl,
})
export type SetChargingProfile = Static<typeof SetChargingProfile>

// ----- Responses

/** The CPO's synchronous answer to GET, PUT and DELETE. */
export const ChargingProfileResponse = Type.Object({
  result: ChargingProfileResponseType,
  // Seconds the sender should wait for the asynchronous result.
  timeout: Type.Integer(),
})
export type ChargingProfileResponse = Static<typeof ChargingProfileResponse>

/**
 * Result of a GET, POSTed to its `response_url`. The spec says `profile` comes with ACCEPTED but keeps it
 * optional (`?`), so an ACCEPTED result without a profile is not rejected.
 */
export const ActiveChargingProfileResult = Type.Object({
  result: ChargingProfileResultType,
  profile: Optional(ActiveChargingProfile),
})
export type ActiveChargingProfileResult = Static<typeof ActiveChargingProfileResult>

/** Result of a PUT (SetChargingProfile), POSTed to its `response_url`. */
export const ChargingProfileResult = Type.Object({
  result: ChargingProfileResultType,
})
export type ChargingProfileResult = Static<typeof ChargingProfileResult>

/** Result of a DELETE (clear profile), POSTed to its `response_url`. */
export const ClearProfileResult = Type.Object({
  result: ChargingProfileResultType,
})
export type ClearProfileResult = Static<typeof ClearProfileResult>
