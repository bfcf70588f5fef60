import { Type, type Static } from '@sinclair/typebox'
import {
  CiString,
  ClosedEnum,
  CountryAlpha3,
  CountryCode,
  CurrencyCode,
  DateTime,
  fieldIsSet,
  GeoLocation,
  OcpiString,
  Optional,
  PartyId,
  Price,
} from '../../core/ocpi-types.schema.ts'
import { ConnectorFormat, ConnectorType, PowerType } from '../locations/locations.schema.ts'
import { Tariff } from '../tariffs/tariffs.schema.ts'
import { TokenType } from '../tokens/tokens.schema.ts'

/**
 * The CDRs module (mod_cdrs.asciidoc, OCPI 2.3.0) with the edition-2 erratum SignedValue.plain_data
 * string(5000). CdrToken, AuthMethod, ChargingPeriod and CdrDimension are defined here, where the spec
 * defines them, and Sessions imports them: in core they would need TokenType from Tokens, and core
 * importing a module that imports core is an ES-module cycle.
 */

// ----- Enums

export const AUTH_METHODS = ['AUTH_REQUEST', 'COMMAND', 'WHITELIST'] as const
export const AuthMethod = ClosedEnum(AUTH_METHODS)
export type AuthMethod = Static<typeof AuthMethod>

export const CDR_DIMENSION_TYPES = [
  'CURRENT',
  'ENERGY',
  'ENERGY_EXPORT',
  'ENERGY_IMPORT',
  'MAX_CURRENT',
  'MIN_CURRENT',
  'MAX_POWER',
  'MIN_POWER',
  'PARKING_TIME',
  'POWER',
  'RESERVATION_TIME',
  'STATE_OF_CHARGE',
  'TIME',
  // Bookings add-on (Booking 1.1, mod_cdrs of 2.3.0/release/bookings): time reserved but not used, and
  // charging after the booked slot.
  'RESERVATION_EXPIRES',
  'RESERVATION_OVERTIME',
] as const
export const CdrDimensionType = ClosedEnum(CDR_DIMENSION_TYPES)
export type CdrDimensionType = Static<typeof CdrDimensionType>

/**
 * Dimensions the spec says SHALL only be used in Sessions. The CDR schema still accepts them: a hub that
 * refuses a billing record over an informative dimension would do more harm than the extra value does.
 */
export const SESSION_ONLY_CDR_DIMENSION_TYPES = [
  'CURRENT',
  'ENERGY_EXPORT',
  'ENERGY_IMPORT',
  'POWER',
  'STATE_OF_CHARGE',
] as const satisfies readonly CdrDimensionType[]

// ----- Classes (shared with Sessions)

export const CdrDimension = Type.Object({
  type: CdrDimensionType,
  volume: Type.Number(),
})
export type CdrDimension = Static<typeof CdrDimension>

export const ChargingPeriod = Type.Object({
  start_date_time: DateTime,
  dimensions: Type.Array(CdrDimension, { minItems: 1 }),
  tariff_id: Optional(CiString(36)),
})
export type ChargingPeriod = Static<typeof ChargingPeriod>

/** The token of a Session or CDR; country_code/party_id name the eMSP that owns it (the routing target). */
export const CdrToken = Type.Object({
  country_code: CountryCode,
  party_id: PartyId,
  uid: CiString(36),
  type: TokenType,
  contract_id: CiString(36),
})
export type CdrToken = Static<typeof CdrToken>

/**
 * The Location as it was at the start of the session. `address` and `state` accept the edition-2
 * Location lengths (255 / 45) although the CdrLocation table kept 45 / 20: a CDR copies them from a
 * Location that may legally use the longer values, and refusing the billing record for it helps nobody.
 */
export const CdrLocation = Type.Object({
  id: CiString(36),
  name: Optional(OcpiString(255)),
  address: OcpiString(255),
  city: OcpiString(45),
  postal_code: Optional(OcpiString(10)),
  state: Optional(OcpiString(45)),
  country: CountryAlpha3,
  coordinates: GeoLocation,
  // `#NA` is allowed in the three ids below for a reservation that never became a session.
  evse_uid: CiString(36),
  evse_id: CiString(48),
  connector_id: CiString(36),
  connector_standard: ConnectorType,
  connector_format: ConnectorFormat,
  connector_power_type: PowerType,
})
export type CdrLocation = Static<typeof CdrLocation>

export const SignedValue = Type.Object({
  // Start, End, Intermediate, or later additions: free text, not an enum.
  nature: CiString(32),
  // Edition-2 erratum: 5000, not the 512 printed in v2.3.0.
  plain_data: OcpiString(5000),
  signed_data: OcpiString(5000),
})
export type SignedValue = Static<typeof SignedValue>

export const SignedData = Type.Object({
  // OCMF, "Alfen Eichrecht", "EDL40 E-Mobility Extension", "EDL40 Mennekes" or others: not an enum.
  encoding_method: CiString(36),
  encoding_method_version: Optional(Type.Integer()),
  public_key: Optional(OcpiString(512)),
  signed_values: Type.Array(SignedValue, { minItems: 1 }),
  // Typed string(512), not URL, in the spec: a link for the driver, not called by OCPI peers.
  url: Optional(OcpiString(512)),
})
export type SignedData = Static<typeof SignedData>

// ----- The CDR object

/**
 * The sentinel the spec allows for an unknown start/end time, only by bilateral agreement. It is written
 * exactly like this in the spec, with one-digit month and day, so it does not match DateTime.
 */
export const UNKNOWN_CDR_DATE_TIME = '1970-1-1T00:00:00Z'
const CdrDateTime = Type.Union([DateTime, Type.Literal(UNKNOWN_CDR_DATE_TIME)])

const isCreditCdr = { required: ['credit'], properties: { credit: { const: true } } }

/**
 * The CDR object (mod_cdrs), owned by the CPO and final once sent. A credit CDR (`credit: true`) must
 * name the CDR it credits in `credit_reference_id` and may use the 39-character id (original id plus a
 * suffix); a normal CDR's id stays within 36 characters (both SHALL rules of the spec).
 */
export const Cdr = Type.Object(
  {
    country_code: CountryCode,
    party_id: PartyId,
    id: CiString(39),
    start_date_time: CdrDateTime,
    end_date_time: CdrDateTime,
    session_id: Optional(CiString(36)),
    cdr_token: CdrToken,
    auth_method: AuthMethod,
    authorization_reference: Optional(CiString(36)),
    // Bookings add-on: the Booking this charge was made under.
    booking_id: Optional(CiString(36)),
    cdr_location: CdrLocation,
    meter_id: Optional(OcpiString(255)),
    currency: CurrencyCode,
    tariffs: Optional(Type.Array(Tariff)),
    charging_periods: Type.Array(ChargingPeriod, { minItems: 1 }),
    signed_data: Optional(SignedData),
    total_cost: Price,
    total_fixed_cost: Optional(Price),
    total_energy: Type.Number(),
    total_energy_cost: Optional(Price),
    total_time: Type.Number(),
    total_time_cost: Optional(Price),
    total_parking_time: Optional(Type.Number()),
    total_parking_cost: Optional(Price),
    total_reservation_cost: Optional(Price),
    remark: Optional(OcpiString(255)),
    // Set by the CPO when it invoices the session itself (Payments).
    invoice_reference_id: Optional(CiString(39)),
    credit: Optional(Type.Boolean()),
    credit_reference_id: Optional(CiString(39)),
    home_charging_compensation: Optional(Type.Boolean()),
    last_updated: DateTime,
  },
  {
    if: isCreditCdr,
    then: fieldIsSet('credit_reference_id'),
    else: { properties: { id: { type: 'string', maxLength: 36 } } },
  },
)
export type Cdr = Static<typeof Cdr>
