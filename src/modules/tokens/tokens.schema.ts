import { Type, type Static } from '@sinclair/typebox'
import {
  CiString,
  ClosedEnum,
  CountryCode,
  DateTime,
  DisplayText,
  LanguageCode,
  OcpiString,
  OpenEnum,
  Optional,
  PartyId,
  PatchOf,
} from '../../core/ocpi-types.schema.ts'

// mod_tokens: an OpenEnum since 2.3.0 (EMAID added); unknown types must pass through.
export const TOKEN_TYPES = ['AD_HOC_USER', 'APP_USER', 'EMAID', 'OTHER', 'RFID'] as const
export const TokenType = OpenEnum()
export type TokenType = Static<typeof TokenType>

export const WHITELIST_TYPES = ['ALWAYS', 'ALLOWED', 'ALLOWED_OFFLINE', 'NEVER'] as const
export const WhitelistType = ClosedEnum(WHITELIST_TYPES)
export type WhitelistType = Static<typeof WhitelistType>

export const ALLOWED_TYPES = ['ALLOWED', 'BLOCKED', 'EXPIRED', 'NO_CREDIT', 'NOT_ALLOWED'] as const
export const AllowedType = ClosedEnum(ALLOWED_TYPES)
export type AllowedType = Static<typeof AllowedType>

// Defined in mod_sessions; kept here because Token.default_profile_type needs it and Sessions imports Tokens.
export const PROFILE_TYPES = ['CHEAP', 'FAST', 'GREEN', 'REGULAR'] as const
export const ProfileType = ClosedEnum(PROFILE_TYPES)
export type ProfileType = Static<typeof ProfileType>

export const EnergyContract = Type.Object({
  supplier_name: OcpiString(64),
  contract_id: Optional(OcpiString(64)),
})
export type EnergyContract = Static<typeof EnergyContract>

/** The Token object (mod_tokens). Owned by the eMSP, pushed to CPOs. */
export const Token = Type.Object({
  country_code: CountryCode,
  party_id: PartyId,
  uid: CiString(36),
  type: TokenType,
  contract_id: CiString(36),
  visual_number: Optional(OcpiString(64)),
  issuer: OcpiString(64),
  group_id: Optional(CiString(36)),
  valid: Type.Boolean(),
  whitelist: WhitelistType,
  language: Optional(LanguageCode),
  default_profile_type: Optional(ProfileType),
  energy_contract: Optional(EnergyContract),
  last_updated: DateTime,
})
export type Token = Static<typeof Token>

/** PATCH body for a Token: any subset of fields, but last_updated is mandatory (mod_tokens PATCH). */
export const TokenPatch = PatchOf(Token)
export type TokenPatch = Static<typeof TokenPatch>

/** Optional body of the real-time authorize request. */
export const LocationReferences = Type.Object({
  location_id: CiString(36),
  evse_uids: Optional(Type.Array(CiString(36))),
})
export type LocationReferences = Static<typeof LocationReferences>

/** Response data of the real-time authorize request. */
export const AuthorizationInfo = Type.Object({
  allowed: AllowedType,
  token: Token,
  location: Optional(LocationReferences),
  authorization_reference: Optional(CiString(36)),
  info: Optional(DisplayText),
})
export type AuthorizationInfo = Static<typeof AuthorizationInfo>
