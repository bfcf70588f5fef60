import type { PricedTariff } from '../../../src/pricing/pricing-types.ts'
import type { OpeningTimes } from '../bookings/schedule.ts'
import type { ListingConnector, ListingDetails } from './listing.schema.ts'

/** The marketplace's CPO party and the price currency: what every Location and Tariff it sends carries. */
export interface CpoIdentity {
  readonly country_code: string
  readonly party_id: string
  readonly currency: string
  /** Where listing photos are served: `{photosUrl}/{photo id}`. */
  readonly photosUrl: string
}

/** The EVSE ID (eMI3) of a listing's one EVSE: `NL*SHR*E{listing id}`. */
export function evseIdOf(cpo: Pick<CpoIdentity, 'country_code' | 'party_id'>, listingId: string): string {
  return `${cpo.country_code}*${cpo.party_id}*E${listingId}`
}

/** The one EVSE of a listing's Location. */
export function evseUidOf(listingId: string): string {
  return `${listingId}-1`
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

/** What a Location carries beyond the listing's details: its photos and its charger's live status. */
export interface LocationExtras {
  readonly images?: readonly { url: string; category: string; type: string }[]
  /** The OCPI EvseStatus a managed charger last reported; a listing without one is AVAILABLE. */
  readonly evseStatus?: string
  /** When the status last changed, if later than the listing's change. */
  readonly statusUpdated?: Date
  /** The owner's weekly schedule with its exceptions; without one the charger is always open. */
  readonly openingTimes?: OpeningTimes
}

/** A listing is one Location with one EVSE whose connectors are the listed ones, all at its Tariff. */
export function locationOfListing(
  cpo: CpoIdentity,
  listingId: string,
  details: ListingDetails,
  lastUpdated: Date,
  extras: LocationExtras = {},
): Record<string, unknown> {
  const last_updated = lastUpdated.toISOString()
  const evseUpdated =
    extras.statusUpdated && extras.statusUpdated > lastUpdated
      ? extras.statusUpdated.toISOString()
      : last_updated
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
    ...(details.access_instructions?.length ? { directions: details.access_instructions } : {}),
    ...(extras.images?.length ? { images: extras.images } : {}),
    ...(extras.openingTimes && { opening_times: extras.openingTimes }),
    evses: [
      {
        uid: evseUidOf(listingId),
        evse_id: evseIdOf(cpo, listingId),
        status: extras.evseStatus ?? 'AVAILABLE',
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
        last_updated: evseUpdated,
      },
    ],
    last_updated: evseUpdated,
  }
}

/**
 * The listing's prices as one OCPI Tariff (same id as the Location; owners are not VAT-registered): one
 * element with ENERGY per kWh (always, 0 when free), TIME per hour of charging, FLAT per session and
 * PARKING_TIME per idle hour, each only when set above 0, per minute for the time ones; `max_price` caps it.
 */
export function tariffOfListing(
  cpo: CpoIdentity,
  listingId: string,
  details: ListingDetails,
  lastUpdated: Date,
): PricedTariff & Record<string, unknown> {
  const priced = (type: 'TIME' | 'FLAT' | 'PARKING_TIME', price: number | undefined, step_size: number) =>
    price === undefined || price === 0 ? [] : [{ type, price, step_size }]
  return {
    country_code: cpo.country_code,
    party_id: cpo.party_id,
    id: listingId,
    currency: cpo.currency,
    type: 'REGULAR' as const,
    elements: [
      {
        price_components: [
          { type: 'ENERGY' as const, price: details.price_per_kwh, step_size: 1 },
          ...priced('TIME', details.price_per_hour, 60),
          ...priced('FLAT', details.price_per_session, 1),
          ...priced('PARKING_TIME', details.idle_fee_per_hour, 60),
        ],
      },
    ],
    ...(details.max_price_per_session === undefined
      ? {}
      : { max_price: { before_taxes: details.max_price_per_session } }),
    tax_included: 'N/A' as const,
    last_updated: lastUpdated.toISOString(),
  }
}

/** What an OCPI price holds: 4 decimals at most (mod_tariffs PriceComponent.price). */
function hasAtMostFourDecimals(value: number): boolean {
  return Math.abs(value * 10_000 - Math.round(value * 10_000)) < 1e-6
}

const PRICE_FIELDS = [
  'price_per_kwh',
  'price_per_hour',
  'price_per_session',
  'idle_fee_per_hour',
  'max_price_per_session',
] as const

/**
 * Why a listing's prices do not make sense together, with the field at fault; undefined when they do.
 * A cap needs a price that grows (per kWh or per hour) and may not undercut the session fee.
 */
export function pricesProblem(details: ListingDetails): { field: string; message: string } | undefined {
  for (const field of PRICE_FIELDS) {
    const value = details[field]
    if (value !== undefined && !hasAtMostFourDecimals(value))
      return { field, message: `${field} has more than 4 decimals (${value})` }
  }
  const cap = details.max_price_per_session
  if (cap === undefined) return undefined
  if (details.price_per_kwh === 0 && !details.price_per_hour)
    return {
      field: 'max_price_per_session',
      message:
        'max_price_per_session caps a price per kWh or per hour: set one of them, or leave the cap out',
    }
  if (details.price_per_session !== undefined && cap < details.price_per_session)
    return {
      field: 'max_price_per_session',
      message: `max_price_per_session (${cap}) is below price_per_session (${details.price_per_session})`,
    }
  return undefined
}
