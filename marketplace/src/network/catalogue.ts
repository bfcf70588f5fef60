import { Value } from '@sinclair/typebox/value'
import type { MarketplaceDb, OcpiObject } from '../storage/store.ts'
import {
  NetworkConnector,
  NetworkEvse,
  NetworkLocation,
  NetworkTariff,
  type CpoRef,
  type EvseStatusChange,
  type LocationPath,
} from './network-objects.ts'
import { PushRefusal } from '../hub/ocpi-receiver.ts'

function checked<T>(schema: Parameters<typeof Value.Check>[0], value: unknown, what: string): T {
  const error = Value.Errors(schema, value).First()
  if (error) throw new PushRefusal(2001, `${what}: ${error.path || '/'} ${error.message}`)
  return value as T
}

function sameIds(expected: string, actual: unknown, field: string): void {
  if (actual !== expected)
    throw new PushRefusal(2001, `${field} "${String(actual)}" differs from the URL's "${expected}"`)
}

/** The query of one stored Location or Tariff of a CPO, by id. */
function storedObject(
  db: MarketplaceDb,
  table: 'network_locations' | 'network_tariffs',
  cpo: CpoRef,
  id: string,
) {
  return db
    .selectFrom(table)
    .select('object')
    .where('country_code', '=', cpo.country_code)
    .where('party_id', '=', cpo.party_id)
    .where('id', '=', id)
}

/** Whether the stored `last_updated` is later than the incoming one (both OCPI DateTime strings). */
function isLater(stored: unknown, incoming: unknown): boolean {
  return Date.parse(String(stored)) > Date.parse(String(incoming))
}

/**
 * The Location after a PUT (`replace`) or PATCH (`merge`) at the path's depth; `existing` is the stored one.
 * Pure: the catalogue stores what it returns.
 */
export function locationAfter(
  existing: OcpiObject | undefined,
  path: LocationPath,
  method: 'PUT' | 'PATCH',
  body: OcpiObject,
): NetworkLocation {
  if (path.evse_uid === undefined) {
    if (method === 'PUT') {
      sameIds(path.location_id, body['id'], 'id')
      sameIds(path.country_code, body['country_code'], 'country_code')
      sameIds(path.party_id, body['party_id'], 'party_id')
      return checked(NetworkLocation, body, 'Location')
    }
    if (!existing) throw new PushRefusal(2003, `Unknown location ${path.location_id}`)
    return checked(NetworkLocation, { ...existing, ...body, id: existing['id'] }, 'Location')
  }
  if (!existing) throw new PushRefusal(2003, `Unknown location ${path.location_id}`)
  const location = checked<NetworkLocation>(NetworkLocation, existing, 'stored Location')
  const evses = location.evses ?? []
  const index = evses.findIndex((evse) => evse.uid === path.evse_uid)
  let evse: NetworkEvse
  if (path.connector_id === undefined) {
    if (method === 'PUT') {
      sameIds(path.evse_uid, body['uid'], 'uid')
      evse = checked(NetworkEvse, body, 'EVSE')
    } else {
      if (index < 0) throw new PushRefusal(2003, `Unknown EVSE ${path.evse_uid}`)
      evse = checked(NetworkEvse, { ...evses[index], ...body, uid: path.evse_uid }, 'EVSE')
    }
  } else {
    if (index < 0) throw new PushRefusal(2003, `Unknown EVSE ${path.evse_uid}`)
    const current = evses[index]!
    const at = current.connectors.findIndex((connector) => connector.id === path.connector_id)
    let connector: NetworkConnector
    if (method === 'PUT') {
      sameIds(path.connector_id, body['id'], 'id')
      connector = checked(NetworkConnector, body, 'Connector')
    } else {
      if (at < 0) throw new PushRefusal(2003, `Unknown connector ${path.connector_id}`)
      connector = checked(
        NetworkConnector,
        { ...current.connectors[at], ...body, id: path.connector_id },
        'Connector',
      )
    }
    const connectors = at < 0 ? [...current.connectors, connector] : current.connectors.with(at, connector)
    evse = { ...current, connectors }
  }
  return { ...location, evses: index < 0 ? [...evses, evse] : evses.with(index, evse) }
}

/** EVSEs whose status is new or differs from before (a new Location: all of its EVSEs). */
function statusChanges(before: NetworkLocation | undefined, after: NetworkLocation): EvseStatusChange[] {
  const previous = new Map((before?.evses ?? []).map((evse) => [evse.uid, evse.status]))
  return (after.evses ?? [])
    .filter((evse) => previous.get(evse.uid) !== evse.status)
    .map((evse) => ({
      country_code: after.country_code,
      party_id: after.party_id,
      location_id: after.id,
      evse_uid: evse.uid,
      status: evse.status,
      latitude: Number(after.coordinates.latitude),
      longitude: Number(after.coordinates.longitude),
    }))
}

export interface Bounds {
  readonly min_lat: number
  readonly min_lon: number
  readonly max_lat: number
  readonly max_lon: number
}

/** At most this many Locations are read for one search; a map that shows more is zoomed out too far. */
export const MAX_LOCATIONS_PER_SEARCH = 2000

/**
 * The network catalogue: every CPO's Locations and Tariffs as the hub sends them to the marketplace's
 * eMSP, stored as they came, and the EVSE status changes they bring, told to whoever listens.
 */
export class NetworkCatalogue {
  readonly #db: MarketplaceDb
  readonly #listeners = new Set<(change: EvseStatusChange) => void>()

  constructor(db: MarketplaceDb) {
    this.#db = db
  }

  /** Calls `listener` on every EVSE status change from now on; the returned function stops it. */
  onStatusChange(listener: (change: EvseStatusChange) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /**
   * Applies a PUT or PATCH of the Locations receiver; throws PushRefusal when it cannot. With
   * `keepNewer` (a Location read from the hub's list), a stored copy with a later `last_updated` stays: a
   * push that came while the list was read is newer than the list.
   */
  async writeLocation(
    path: LocationPath,
    method: 'PUT' | 'PATCH',
    body: OcpiObject,
    { keepNewer = false } = {},
  ): Promise<void> {
    const changes = await this.#db.transaction().execute(async (trx) => {
      const row = await storedObject(trx, 'network_locations', path, path.location_id)
        .forUpdate()
        .executeTakeFirst()
      if (keepNewer && row && isLater(row.object['last_updated'], body['last_updated'])) return []
      const after = locationAfter(row?.object, path, method, body)
      const values = {
        country_code: path.country_code,
        party_id: path.party_id,
        id: path.location_id,
        object: JSON.stringify(after),
        latitude: Number(after.coordinates.latitude),
        longitude: Number(after.coordinates.longitude),
        received_at: new Date(),
      }
      await trx
        .insertInto('network_locations')
        .values(values)
        .onConflict((oc) => oc.columns(['country_code', 'party_id', 'id']).doUpdateSet(values))
        .execute()
      return statusChanges(row && (row.object as NetworkLocation), after)
    })
    for (const change of changes) for (const listener of this.#listeners) listener(change)
  }

  async location(cpo: CpoRef, id: string): Promise<NetworkLocation | undefined> {
    const row = await storedObject(this.#db, 'network_locations', cpo, id).executeTakeFirst()
    return row?.object as NetworkLocation | undefined
  }

  /** Locations inside the bounds (no wrap over the antimeridian), at most MAX_LOCATIONS_PER_SEARCH. */
  async within(bounds: Bounds): Promise<NetworkLocation[]> {
    const rows = await this.#db
      .selectFrom('network_locations')
      .select('object')
      .where('latitude', '>=', bounds.min_lat)
      .where('latitude', '<=', bounds.max_lat)
      .where('longitude', '>=', bounds.min_lon)
      .where('longitude', '<=', bounds.max_lon)
      .orderBy('country_code')
      .orderBy('party_id')
      .orderBy('id')
      .limit(MAX_LOCATIONS_PER_SEARCH)
      .execute()
    return rows.map((row) => row.object as NetworkLocation)
  }

  /** Stores a Tariff; with `keepNewer`, a stored copy with a later `last_updated` stays (see writeLocation). */
  async putTariff(cpo: CpoRef, id: string, body: OcpiObject, { keepNewer = false } = {}): Promise<void> {
    sameIds(id, body['id'], 'id')
    sameIds(cpo.country_code, body['country_code'], 'country_code')
    sameIds(cpo.party_id, body['party_id'], 'party_id')
    checked(NetworkTariff, body, 'Tariff')
    const values = {
      country_code: cpo.country_code,
      party_id: cpo.party_id,
      id,
      object: JSON.stringify(body),
      received_at: new Date(),
    }
    const upsert = (db: MarketplaceDb) =>
      db
        .insertInto('network_tariffs')
        .values(values)
        .onConflict((oc) => oc.columns(['country_code', 'party_id', 'id']).doUpdateSet(values))
        .execute()
    // A push replaces whatever is stored in one statement; only a list's copy reads the stored one first.
    if (!keepNewer) return void (await upsert(this.#db))
    await this.#db.transaction().execute(async (trx) => {
      const row = await storedObject(trx, 'network_tariffs', cpo, id).forUpdate().executeTakeFirst()
      if (!row || !isLater(row.object['last_updated'], body['last_updated'])) await upsert(trx)
    })
  }

  async deleteTariff(cpo: CpoRef, id: string): Promise<void> {
    await this.#db
      .deleteFrom('network_tariffs')
      .where('country_code', '=', cpo.country_code)
      .where('party_id', '=', cpo.party_id)
      .where('id', '=', id)
      .execute()
  }

  /** The CPO's Tariffs of these ids (those the catalogue has). */
  async tariffs(cpo: CpoRef, ids: readonly string[]): Promise<OcpiObject[]> {
    if (ids.length === 0) return []
    const rows = await this.#db
      .selectFrom('network_tariffs')
      .select('object')
      .where('country_code', '=', cpo.country_code)
      .where('party_id', '=', cpo.party_id)
      .where('id', 'in', ids)
      .execute()
    return rows.map((row) => row.object)
  }
}
