import { Type, type TSchema } from '@sinclair/typebox'

/**
 * Types shared by every module (types.asciidoc). Objects stay open: OCPI says unknown fields SHALL NOT be
 * rejected, so no schema here sets additionalProperties: false.
 */

/** `?` fields may be absent or null (terminology: cardinality). */
export const Optional = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]))

/** CiString(n): case-insensitive printable ASCII, at most n characters. */
export const CiString = (maxLength: number) => Type.String({ maxLength, pattern: '^[\\x20-\\x7E]*$' })

/** string(n): printable UTF-8, at most n characters. */
export const OcpiString = (maxLength: number) => Type.String({ maxLength })

/** URL: an absolute http(s) URL of at most 255 characters. */
export const OcpiUrl = Type.String({ maxLength: 255, pattern: '^[hH][tT][tT][pP][sS]?://[^\\s]+$' })

/** ISO 3166-1 alpha-2 country code of a party. */
export const CountryCode = Type.String({ minLength: 2, maxLength: 2, pattern: '^[A-Za-z]{2}$' })

/** ISO 15118 party id: three letters or digits. */
export const PartyId = Type.String({ minLength: 3, maxLength: 3, pattern: '^[A-Za-z0-9]{3}$' })

/** OpenEnum: known values are listed in docs; any other printable value is accepted too. */
export const OpenEnum = (maxLength = 255) => Type.String({ minLength: 1, maxLength })

export const Image = Type.Object({
  url: OcpiUrl,
  thumbnail: Optional(OcpiUrl),
  category: OpenEnum(),
  type: CiString(4),
  width: Optional(Type.Integer({ minimum: 0, maximum: 99999 })),
  height: Optional(Type.Integer({ minimum: 0, maximum: 99999 })),
})

export const BusinessDetails = Type.Object({
  name: OcpiString(100),
  website: Optional(OcpiUrl),
  logo: Optional(Image),
})
