import { Type, type Static } from '@sinclair/typebox'
import { FoundDirection, FoundImage, FoundOpeningTimes } from './location-details.ts'

const Latitude = Type.Number({ minimum: -90, maximum: 90 })
const Longitude = Type.Number({ minimum: -180, maximum: 180 })

/** The visible map: south-west and north-east corners (no wrap over the antimeridian). */
export const BoundsQuery = Type.Object({
  min_lat: Type.Optional(Latitude),
  min_lon: Type.Optional(Longitude),
  max_lat: Type.Optional(Latitude),
  max_lon: Type.Optional(Longitude),
})

export const SearchQuery = Type.Object(
  {
    ...BoundsQuery.properties,
    lat: Type.Optional(Latitude),
    lon: Type.Optional(Longitude),
    radius_km: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100 })),
    connector: Type.Optional(
      Type.String({ pattern: '^[A-Z0-9_]{1,40}$', description: 'OCPI ConnectorType' }),
    ),
    min_power_kw: Type.Optional(Type.Number({ minimum: 0 })),
    available_now: Type.Optional(Type.Boolean()),
    price_under: Type.Optional(
      Type.Number({ minimum: 0, description: 'At most this price for a typical charge (20 kWh)' }),
    ),
    rating_over: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 5,
        description: 'Average rating above this (rated locations only)',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
)
export type SearchQuery = Static<typeof SearchQuery>

const FoundConnector = Type.Object({
  id: Type.String(),
  standard: Type.String(),
  power_type: Type.String(),
  max_power_kw: Type.Optional(Type.Number()),
})

export const FoundLocation = Type.Object({
  country_code: Type.String(),
  party_id: Type.String(),
  id: Type.String(),
  name: Type.Optional(Type.String()),
  address: Type.Optional(Type.String()),
  city: Type.Optional(Type.String()),
  latitude: Type.Number(),
  longitude: Type.Number(),
  time_zone: Type.Optional(
    Type.String({
      description: "The Location's IANA time zone: a home charger's schedule and slots are in it",
    }),
  ),
  distance_km: Type.Optional(Type.Number()),
  /** EVSEs with a connector that fits the filters, with their live status. */
  evses: Type.Array(
    Type.Object({ uid: Type.String(), status: Type.String(), connectors: Type.Array(FoundConnector) }),
  ),
  available_evses: Type.Integer(),
  /** Photos (HTTPS, or the marketplace's own), access instructions and opening times, for the charger's page. */
  images: Type.Array(FoundImage),
  directions: Type.Array(FoundDirection),
  opening_times: Type.Optional(FoundOpeningTimes),
  /** Drivers' average rating (1–5) and the number of ratings; 0 and 0 when nobody rated it yet. */
  rating: Type.Object({ average: Type.Number(), count: Type.Integer() }),
  /** The cheapest fitting connector's price for a typical charge, from the tariff engine; absent: no Tariff. */
  typical_charge: Type.Optional(
    Type.Object({ energy_kwh: Type.Number(), currency: Type.String(), price: Type.Number() }),
  ),
})
export type FoundLocation = Static<typeof FoundLocation>
