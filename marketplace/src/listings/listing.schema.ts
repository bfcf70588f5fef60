import { Type, type Static } from '@sinclair/typebox'

/** The connector standards a home charger has (OCPI ConnectorType values). */
export const CONNECTOR_STANDARDS = [
  'IEC_62196_T1',
  'IEC_62196_T2',
  'IEC_62196_T2_COMBO',
  'IEC_62196_T1_COMBO',
  'CHADEMO',
  'DOMESTIC_F',
  'TESLA_S',
] as const

export const ListingConnector = Type.Object(
  {
    standard: Type.Union(
      CONNECTOR_STANDARDS.map((value) => Type.Literal(value)),
      { description: 'OCPI ConnectorType' },
    ),
    format: Type.Union([Type.Literal('SOCKET'), Type.Literal('CABLE')]),
    power_type: Type.Union([Type.Literal('AC_1_PHASE'), Type.Literal('AC_3_PHASE'), Type.Literal('DC')]),
    max_power_kw: Type.Number({ exclusiveMinimum: 0, maximum: 400 }),
  },
  { additionalProperties: false },
)
export type ListingConnector = Static<typeof ListingConnector>

/** What an owner lists: one charger at one address. */
export const ListingDetails = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255 }),
    address: Type.String({ minLength: 1, maxLength: 255 }),
    city: Type.String({ minLength: 1, maxLength: 45 }),
    postal_code: Type.Optional(Type.String({ minLength: 1, maxLength: 45 })),
    country: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 3166-1 alpha-3' }),
    latitude: Type.Number({ minimum: -90, maximum: 90 }),
    longitude: Type.Number({ minimum: -180, maximum: 180 }),
    time_zone: Type.String({ minLength: 1, maxLength: 255, description: 'IANA time zone' }),
    connectors: Type.Array(ListingConnector, { minItems: 1, maxItems: 8 }),
    price_per_kwh: Type.Number({
      minimum: 0,
      maximum: 10,
      description: 'In the currency of the marketplace',
    }),
    // mkt-chargers: the rest of the price (one OCPI Tariff, listing-tariff.ts) and how to get to the charger.
    price_per_hour: Type.Optional(
      Type.Number({ minimum: 0, maximum: 100, description: 'Per hour of charging (OCPI TIME)' }),
    ),
    price_per_session: Type.Optional(
      Type.Number({ minimum: 0, maximum: 100, description: 'Once per charging session (OCPI FLAT)' }),
    ),
    idle_fee_per_hour: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 100,
        description: 'Per hour plugged in but not charging (OCPI PARKING_TIME)',
      }),
    ),
    max_price_per_session: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 1000,
        description: 'What one session costs at most (OCPI max_price); needs a kWh or hourly price',
      }),
    ),
    access_instructions: Type.Optional(
      Type.Array(
        Type.Object(
          {
            language: Type.String({ pattern: '^[a-z]{2}$', description: 'ISO 639-1' }),
            text: Type.String({ minLength: 1, maxLength: 512 }),
          },
          { additionalProperties: false },
        ),
        { maxItems: 5, description: 'How to reach the charger (OCPI Location directions)' },
      ),
    ),
    publish: Type.Boolean({ default: true }),
  },
  { additionalProperties: false },
)
export type ListingDetails = Static<typeof ListingDetails>

export const Listing = Type.Object({
  id: Type.String(),
  details: ListingDetails,
  location_id: Type.String(),
  tariff_id: Type.String(),
  /** After a change: `delivered` when the hub took the Tariff and the Location; otherwise the words why. */
  hub: Type.Optional(Type.String()),
})
export type Listing = Static<typeof Listing>

export const ListingId = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{32}$' }) })
export type ListingId = Static<typeof ListingId>
