import { Type, type Static } from '@sinclair/typebox'

/**
 * What the marketplace reads of the Locations and Tariffs the hub sends its eMSP (mod_locations,
 * mod_tariffs). The hub checked them against the full schemas; the rest of each object is kept as it came.
 */
export const NetworkConnector = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 36 }),
  standard: Type.String(),
  power_type: Type.String(),
  max_electric_power: Type.Optional(Type.Number()),
  max_voltage: Type.Optional(Type.Number()),
  max_amperage: Type.Optional(Type.Number()),
  tariff_ids: Type.Optional(Type.Array(Type.String())),
})
export type NetworkConnector = Static<typeof NetworkConnector>

export const NetworkEvse = Type.Object({
  uid: Type.String({ minLength: 1, maxLength: 36 }),
  status: Type.String(),
  connectors: Type.Array(NetworkConnector),
})
export type NetworkEvse = Static<typeof NetworkEvse>

export const NetworkLocation = Type.Object({
  country_code: Type.String({ pattern: '^[A-Z]{2}$' }),
  party_id: Type.String({ pattern: '^[A-Z0-9]{3}$' }),
  id: Type.String({ minLength: 1, maxLength: 36 }),
  publish: Type.Optional(Type.Boolean()),
  name: Type.Optional(Type.String()),
  address: Type.Optional(Type.String()),
  city: Type.Optional(Type.String()),
  time_zone: Type.Optional(Type.String()),
  coordinates: Type.Object({
    latitude: Type.String({ pattern: '^-?[0-9]{1,2}\\.[0-9]{5,7}$' }),
    longitude: Type.String({ pattern: '^-?[0-9]{1,3}\\.[0-9]{5,7}$' }),
  }),
  evses: Type.Optional(Type.Array(NetworkEvse)),
})
export type NetworkLocation = Static<typeof NetworkLocation>

export const NetworkTariff = Type.Object({
  country_code: Type.String({ pattern: '^[A-Z]{2}$' }),
  party_id: Type.String({ pattern: '^[A-Z0-9]{3}$' }),
  id: Type.String({ minLength: 1, maxLength: 36 }),
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  elements: Type.Array(Type.Object({ price_components: Type.Array(Type.Object({ type: Type.String() })) })),
})
export type NetworkTariff = Static<typeof NetworkTariff>

/** A CPO party of the network. */
export interface CpoRef {
  readonly country_code: string
  readonly party_id: string
}

/** Where a PUT or PATCH of the Locations receiver points: a Location, one of its EVSEs, or a Connector. */
export interface LocationPath extends CpoRef {
  readonly location_id: string
  readonly evse_uid?: string
  readonly connector_id?: string
}

/** An EVSE whose status changed, with where it is: what the discovery stream sends. */
export interface EvseStatusChange {
  readonly country_code: string
  readonly party_id: string
  readonly location_id: string
  readonly evse_uid: string
  readonly status: string
  readonly latitude: number
  readonly longitude: number
}
