import type { OpeningTimes } from '../bookings/schedule.ts'
import type { ListingConnector, ListingDetails } from './listing.schema.ts'

/** The marketplace's CPO party and the price currency: what every Location and Tariff it sends carries. */
export interface CpoIdentity {
  readonly country_code: string
  readonly party_id: string
  readonly currency: string
}

/** Line-to-neutral voltage the connector's power is spread over (OCPI: per phase for AC). */
const VOLTAGE: Record<ListingConnector['power_type'], { volts: number; phases: number }> = {
  AC_1_PHASE: { volts: 230, phases: 1 },
  AC_3_PHASE: { volts: 230, phases: 3 },
  DC: { volts: 500, phases: 1 },
}

/** OCPI coordinates: a decimal string with 5 to 7 decimals (mod_locations GeoLocation). */
function coordinate(value: number): string {
  return value.toFixed(6)
}

/** A listing is one Location with one EVSE whose connectors are the listed ones, all at its Tariff. */
export function locationOfListing(
  cpo: CpoIdentity,
  listingId: string,
  details: ListingDetails,
  lastUpdated: Date,
  openingTimes?: OpeningTimes,
): Record<string, unknown> {
  const last_updated = lastUpdated.toISOString()
  return {
    country_code: cpo.country_code,
    party_id: cpo.party_id,
    id: listingId,
    publish: details.publish,
    name: details.name,
    address: details.address,
    city: details.city,
    ...(details.postal_code === undefined ? {} : { postal_code: details.postal_code }),
    country: details.country,
    coordinates: { latitude: coordinate(details.latitude), longitude: coordinate(details.longitude) },
    time_zone: details.time_zone,
    ...(openingTimes && { opening_times: openingTimes }),
    evses: [
      {
        uid: `${listingId}-1`,
        status: 'AVAILABLE',
        connectors: details.connectors.map((connector, index) => {
          const { volts, phases } = VOLTAGE[connector.power_type]
          const watts = Math.round(connector.max_power_kw * 1000)
          return {
            id: String(index + 1),
            standard: connector.standard,
            format: connector.format,
            power_type: connector.power_type,
            max_voltage: volts,
            max_amperage: Math.round(watts / (volts * phases)),
            max_electric_power: watts,
            tariff_ids: [listingId],
            last_updated,
          }
        }),
        last_updated,
      },
    ],
    last_updated,
  }
}

/** The listing's price per kWh as an OCPI Tariff (same id as the Location; owners are not VAT-registered). */
export function tariffOfListing(
  cpo: CpoIdentity,
  listingId: string,
  details: ListingDetails,
  lastUpdated: Date,
): Record<string, unknown> {
  return {
    country_code: cpo.country_code,
    party_id: cpo.party_id,
    id: listingId,
    currency: cpo.currency,
    type: 'REGULAR',
    elements: [{ price_components: [{ type: 'ENERGY', price: details.price_per_kwh, step_size: 1 }] }],
    tax_included: 'N/A',
    last_updated: lastUpdated.toISOString(),
  }
}
