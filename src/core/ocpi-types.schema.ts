import {
  FormatRegistry,
  Kind,
  Type,
  TypeRegistry,
  type Static,
  type TObject,
  type TSchema,
} from '@sinclair/typebox'
import { isOcpiDateTime, OCPI_DATE_TIME_PATTERN } from './date-time.ts'
import { ROLES } from './party.ts'

/**
 * Types shared by every module (types.asciidoc). Objects stay open: OCPI says unknown fields SHALL NOT be
 * rejected, so no schema here sets additionalProperties: false.
 */

/** `?` fields may be absent or null (terminology: cardinality). */
export const Optional = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]))

// Lets TypeBox's own checkers (Value, TypeCompiler) understand ClosedEnum; Ajv only reads `enum`.
TypeRegistry.Set<{ enum: readonly string[] }>(
  'OcpiClosedEnum',
  (schema, value) => typeof value === 'string' && schema.enum.includes(value),
)

/**
 * Closed enum (types.asciidoc "enum"): a value outside the list is invalid. Built from an `as const` list
 * so the list documents the values and the static type is their union. Emitted as JSON Schema `enum`
 * (not a union of literals) so a rejection on the wire lists the allowed values.
 */
export const ClosedEnum = <const T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>({ [Kind]: 'OcpiClosedEnum', type: 'string', enum: [...values] })

/**
 * The Ajv format of DateTime: a date-time on a day the calendar has. Registered in every Ajv of the hub
 * through OCPI_AJV_OPTIONS (src/transport/schema-validation.ts), and here for TypeBox's own checkers.
 */
export const OCPI_DATE_TIME_FORMAT = 'ocpi-date-time'
FormatRegistry.Set(OCPI_DATE_TIME_FORMAT, isOcpiDateTime)

const PRINTABLE_ASCII = '^[\\x20-\\x7E]*$'

/** CiString(n): case-insensitive printable ASCII, at most n characters (no n: unbounded). */
export const CiString = (maxLength?: number) =>
  Type.String(
    maxLength === undefined ? { pattern: PRINTABLE_ASCII } : { maxLength, pattern: PRINTABLE_ASCII },
  )

/** string(n): printable UTF-8, at most n characters (no n: unbounded). Ajv counts code points, not bytes. */
export const OcpiString = (maxLength?: number) => Type.String(maxLength === undefined ? {} : { maxLength })

/** URL: an absolute http(s) URL of at most 255 characters. */
export const OcpiUrl = Type.String({ maxLength: 255, pattern: '^[hH][tT][tT][pP][sS]?://[^\\s]+$' })

/** ISO 3166-1 alpha-2 country code of a party. */
export const CountryCode = Type.String({ minLength: 2, maxLength: 2, pattern: '^[A-Za-z]{2}$' })

/** ISO 15118 party id: three letters or digits. */
export const PartyId = Type.String({ minLength: 3, maxLength: 3, pattern: '^[A-Za-z0-9]{3}$' })

/** ISO 3166-1 alpha-3 country of an address (Location.country, CdrLocation.country, Terminal.country). */
export const CountryAlpha3 = Type.String({ minLength: 3, maxLength: 3, pattern: '^[A-Za-z]{3}$' })

/** ISO 4217 currency code, string(3). */
export const CurrencyCode = Type.String({ minLength: 3, maxLength: 3, pattern: '^[A-Za-z]{3}$' })

/** ISO 639-1 language code, string(2). */
export const LanguageCode = Type.String({ minLength: 2, maxLength: 2, pattern: '^[A-Za-z]{2}$' })

/** OpenEnum: known values are listed in docs; any other printable value is accepted too. */
export const OpenEnum = (maxLength = 255) => Type.String({ minLength: 1, maxLength })

/**
 * DateTime (types.asciidoc): RFC 3339 in UTC, `Z` or no zone designator, optional fraction. Offsets such
 * as `+00:00` are rejected: the spec says they are not UTC and the hub must forward timestamps untouched,
 * so it cannot normalise them. Lenient on one point: up to 9 fraction digits (the spec's string(25)
 * allows only 6 with `Z`), because micro/nanosecond timestamps are common from Java and Python peers.
 * The format checks the calendar: `2026-02-31` or year `0000` match the pattern but are no dates (2001,
 * never a database error).
 */
export const DateTime = Type.String({ pattern: OCPI_DATE_TIME_PATTERN, format: OCPI_DATE_TIME_FORMAT })

/**
 * PATCH body of a functional-module object (transport_and_format PATCH): any subset of the object's
 * fields, each validated like in the full object when present, but `last_updated` is always required.
 */
export const PatchOf = <T extends TObject>(object: T) =>
  Type.Composite([Type.Partial(Type.Omit(object, ['last_updated'])), Type.Object({ last_updated: DateTime })])

/** Local time of day `HH:MM` (mod_locations RegularHours, mod_tariffs TariffRestrictions). */
export const LocalTime = Type.String({ maxLength: 5, pattern: '^([0-1][0-9]|2[0-3]):[0-5][0-9]$' })

/** Local date `YYYY-MM-DD` (mod_tariffs TariffRestrictions). */
export const LocalDate = Type.String({
  maxLength: 10,
  pattern: '^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$',
})

/** Role (types.asciidoc), plus PTP which Payments uses although the enum lacks it. */
export const Role = ClosedEnum(ROLES)
export type Role = Static<typeof Role>

export const DisplayText = Type.Object({
  language: LanguageCode,
  text: OcpiString(512),
})
export type DisplayText = Static<typeof DisplayText>

export const TaxAmount = Type.Object({
  name: OcpiString(),
  account_number: Optional(OcpiString()),
  percentage: Optional(Type.Number()),
  amount: Type.Number(),
})
export type TaxAmount = Static<typeof TaxAmount>

/** Price as redefined in 2.3.0: before_taxes + taxes (2.2.1's excl_vat/incl_vat are gone). */
export const Price = Type.Object({
  before_taxes: Type.Number(),
  taxes: Optional(Type.Array(TaxAmount)),
})
export type Price = Static<typeof Price>

/** mod_tariffs PriceLimit, new in 2.3.0 for Tariff.min_price / max_price. */
export const PriceLimit = Type.Object({
  before_taxes: Type.Number(),
  after_taxes: Optional(Type.Number()),
})
export type PriceLimit = Static<typeof PriceLimit>

/**
 * mod_locations GeoLocation: strings matching the spec's regexes. No maxLength: the regexes allow a sign
 * plus 7 decimals, one character more than the stated string(10)/string(11), so the regex is the bound.
 */
export const Latitude = Type.String({ pattern: '^-?[0-9]{1,2}\\.[0-9]{5,7}$' })
export const Longitude = Type.String({ pattern: '^-?[0-9]{1,3}\\.[0-9]{5,7}$' })

export const GeoLocation = Type.Object({
  latitude: Latitude,
  longitude: Longitude,
})
export type GeoLocation = Static<typeof GeoLocation>

export const IMAGE_CATEGORIES = [
  'CHARGER',
  'ENTRANCE',
  'LOCATION',
  'NETWORK',
  'OPERATOR',
  'OTHER',
  'OWNER',
] as const
export const ImageCategory = OpenEnum()

export const Image = Type.Object({
  url: OcpiUrl,
  thumbnail: Optional(OcpiUrl),
  category: ImageCategory,
  type: CiString(4),
  width: Optional(Type.Integer({ minimum: 0, maximum: 99999 })),
  height: Optional(Type.Integer({ minimum: 0, maximum: 99999 })),
})
export type Image = Static<typeof Image>

export const BusinessDetails = Type.Object({
  name: OcpiString(100),
  website: Optional(OcpiUrl),
  logo: Optional(Image),
})
export type BusinessDetails = Static<typeof BusinessDetails>

// EnergyMix lives in mod_locations but Tariffs use it too, hence shared here.
export const ENERGY_SOURCE_CATEGORIES = [
  'NUCLEAR',
  'GENERAL_FOSSIL',
  'COAL',
  'GAS',
  'GENERAL_GREEN',
  'SOLAR',
  'WIND',
  'WATER',
] as const
export const EnergySourceCategory = ClosedEnum(ENERGY_SOURCE_CATEGORIES)

export const ENVIRONMENTAL_IMPACT_CATEGORIES = ['NUCLEAR_WASTE', 'CARBON_DIOXIDE'] as const
export const EnvironmentalImpactCategory = OpenEnum()

export const EnergySource = Type.Object({
  source: EnergySourceCategory,
  percentage: Type.Number({ minimum: 0, maximum: 100 }),
})
export type EnergySource = Static<typeof EnergySource>

export const EnvironmentalImpact = Type.Object({
  category: EnvironmentalImpactCategory,
  amount: Type.Number(),
})
export type EnvironmentalImpact = Static<typeof EnvironmentalImpact>

export const EnergyMix = Type.Object({
  is_green_energy: Type.Boolean(),
  energy_sources: Optional(Type.Array(EnergySource)),
  environ_impact: Optional(Type.Array(EnvironmentalImpact)),
  supplier_name: Optional(OcpiString(64)),
  energy_product_name: Optional(OcpiString(64)),
})
export type EnergyMix = Static<typeof EnergyMix>

/**
 * JSON Schema fragment for `if`/`then` rules between fields: matches an object whose string `field` is
 * present and not null (`?` fields may be sent as null, which counts as absent), e.g. StartSession's
 * "evse_uid is required when connector_id is set".
 */
export const fieldIsSet = (field: string) => ({
  required: [field],
  properties: { [field]: { type: 'string' } },
})
