import { quoteCharge } from '../../../src/pricing/quote.ts'
import type { PricedTariff } from '../../../src/pricing/pricing-types.ts'
import type { Bounds, NetworkCatalogue } from '../network/catalogue.ts'
import type { NetworkConnector, NetworkLocation } from '../network/network-objects.ts'
import { locationKey, type Reviews } from '../reviews/reviews.ts'
import type { FoundLocation, SearchQuery } from './discovery.schema.ts'
import { locationDetails } from './location-details.ts'

/** The typical charge a price filter and quote are for (docs/decisions/0027). */
export const TYPICAL_CHARGE_KWH = 20

const EARTH_RADIUS_KM = 6371
const KM_PER_DEGREE = (Math.PI * EARTH_RADIUS_KM) / 180

function radians(degrees: number): number {
  return (degrees * Math.PI) / 180
}

/** Great-circle distance (haversine). */
export function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const a =
    Math.sin(radians(lat2 - lat1) / 2) ** 2 +
    Math.cos(radians(lat1)) * Math.cos(radians(lat2)) * Math.sin(radians(lon2 - lon1) / 2) ** 2
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)))
}

/** The box around a circle, to read the catalogue with; the distance then picks what is inside the circle. */
export function boundsAround(lat: number, lon: number, radiusKm: number): Bounds {
  const dLat = radiusKm / KM_PER_DEGREE
  // The circle's widest longitudes are where meridians touch it, poleward of its centre: asin(sin d / cos φ),
  // wider than d / cos φ; a circle that reaches a pole spans every longitude.
  const reach = Math.sin(radiusKm / EARTH_RADIUS_KM) / Math.cos(radians(lat))
  const dLon = reach >= 1 ? 180 : (Math.asin(reach) * 180) / Math.PI
  return {
    min_lat: Math.max(-90, lat - dLat),
    max_lat: Math.min(90, lat + dLat),
    min_lon: Math.max(-180, lon - dLon),
    max_lon: Math.min(180, lon + dLon),
  }
}

/** A search's area: the map's bounds, or a circle; a message naming the fields when it is neither. */
export function areaOf(
  query: SearchQuery,
): { bounds: Bounds; centre?: { lat: number; lon: number; radius_km: number } } | string {
  const { min_lat, min_lon, max_lat, max_lon, lat, lon, radius_km } = query
  const corners = [min_lat, min_lon, max_lat, max_lon].filter((v) => v !== undefined).length
  const circle = [lat, lon, radius_km].filter((v) => v !== undefined).length
  if (corners === 4 && circle === 0) {
    if (min_lat! > max_lat! || min_lon! > max_lon!)
      return 'min_lat and min_lon must not be above max_lat and max_lon'
    return { bounds: { min_lat: min_lat!, min_lon: min_lon!, max_lat: max_lat!, max_lon: max_lon! } }
  }
  if (circle === 3 && corners === 0)
    return {
      bounds: boundsAround(lat!, lon!, radius_km!),
      centre: { lat: lat!, lon: lon!, radius_km: radius_km! },
    }
  return 'Give either the map bounds (min_lat, min_lon, max_lat, max_lon) or a circle (lat, lon, radius_km)'
}

function powerKw(connector: NetworkConnector): number | undefined {
  return connector.max_electric_power === undefined ? undefined : connector.max_electric_power / 1000
}

/**
 * Searches the network catalogue: Locations in the area whose EVSEs have a connector that fits the
 * filters, each with its live EVSE statuses and a price for a typical charge from the hub's tariff engine.
 */
export class Discovery {
  readonly #catalogue: NetworkCatalogue
  readonly #reviews: Reviews
  /** Where the marketplace serves its listings' photos: shown on a charger's page like HTTPS ones. */
  readonly #ownPhotosUrl: string

  constructor(catalogue: NetworkCatalogue, reviews: Reviews, ownPhotosUrl: string) {
    this.#ownPhotosUrl = ownPhotosUrl
    this.#catalogue = catalogue
    this.#reviews = reviews
  }

  async search(
    query: SearchQuery,
    area: Exclude<ReturnType<typeof areaOf>, string>,
  ): Promise<FoundLocation[]> {
    const found: FoundLocation[] = []
    const locations = await this.#catalogue.within(area.bounds)
    const ratings = await this.#reviews.ratingsOf(locations)
    for (const location of locations) {
      if (location.publish === false) continue
      const rating = ratings.get(locationKey(location)) ?? { average: 0, count: 0 }
      if (query.rating_over !== undefined && !(rating.count > 0 && rating.average > query.rating_over))
        continue
      const latitude = Number(location.coordinates.latitude)
      const longitude = Number(location.coordinates.longitude)
      const distance = area.centre && distanceKm(area.centre.lat, area.centre.lon, latitude, longitude)
      if (area.centre && distance! > area.centre.radius_km) continue
      const fits = (connector: NetworkConnector) =>
        (query.connector === undefined || connector.standard === query.connector) &&
        (query.min_power_kw === undefined || (powerKw(connector) ?? 0) >= query.min_power_kw)
      const evses = (location.evses ?? [])
        .filter((evse) => evse.status !== 'REMOVED')
        .filter((evse) => !query.available_now || evse.status === 'AVAILABLE')
        .map((evse) => ({ ...evse, connectors: evse.connectors.filter(fits) }))
        .filter((evse) => evse.connectors.length > 0)
      if (evses.length === 0) continue
      const typical = await this.#typicalCharge(
        location,
        evses.flatMap((evse) => evse.connectors),
      )
      if (query.price_under !== undefined && (typical === undefined || typical.price > query.price_under))
        continue
      found.push({
        country_code: location.country_code,
        party_id: location.party_id,
        id: location.id,
        ...(location.name !== undefined && { name: location.name }),
        ...(location.address !== undefined && { address: location.address }),
        ...(location.city !== undefined && { city: location.city }),
        latitude,
        longitude,
        ...(location.time_zone !== undefined && { time_zone: location.time_zone }),
        ...(distance !== undefined && { distance_km: Math.round(distance * 1000) / 1000 }),
        evses: evses.map((evse) => ({
          uid: evse.uid,
          status: evse.status,
          connectors: evse.connectors.map((connector) => ({
            id: connector.id,
            standard: connector.standard,
            power_type: connector.power_type,
            ...(powerKw(connector) !== undefined && { max_power_kw: powerKw(connector) }),
          })),
        })),
        available_evses: evses.filter((evse) => evse.status === 'AVAILABLE').length,
        ...locationDetails(location, this.#ownPhotosUrl),
        rating,
        ...(typical && { typical_charge: typical }),
      })
    }
    if (area.centre) found.sort((a, b) => a.distance_km! - b.distance_km!)
    return found.slice(0, query.limit ?? 50)
  }

  /**
   * The cheapest of the connectors' prices for TYPICAL_CHARGE_KWH charged now at the connector's power,
   * with VAT where the Tariff tells it. A Tariff the engine cannot price gives no price.
   */
  async #typicalCharge(location: NetworkLocation, connectors: readonly NetworkConnector[]) {
    let cheapest: { energy_kwh: number; currency: string; price: number } | undefined
    for (const connector of connectors) {
      // The hub checked these Tariffs against its full schema before it sent them.
      const tariffs = (await this.#catalogue.tariffs(
        location,
        connector.tariff_ids ?? [],
      )) as unknown as PricedTariff[]
      if (tariffs.length === 0) continue
      try {
        const quote = quoteCharge({
          tariffs,
          time_zone: location.time_zone ?? 'UTC',
          start_date_time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
          energy_kwh: TYPICAL_CHARGE_KWH,
          power_kw: powerKw(connector) ?? 11,
        })
        if (quote.notes.length > 0) continue
        const price = quote.incl_vat_known ? quote.total.incl_vat : quote.total.excl_vat
        if (cheapest === undefined || price < cheapest.price)
          cheapest = {
            energy_kwh: TYPICAL_CHARGE_KWH,
            currency: quote.currency,
            price: Math.round(price * 100) / 100,
          }
      } catch {
        continue
      }
    }
    return cheapest
  }
}
