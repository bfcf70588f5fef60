import { sql } from 'kysely'
import type { Db } from './database.ts'

/** Where a page of Locations starts: just after this one, in (id, owner) order. */
export interface LocationCursor {
  readonly object_id: string
  readonly country_code: string
  readonly party_id: string
}

export interface LocationFilter {
  /** Part of the id, name, address or city, any case. */
  readonly q?: string | undefined
  readonly countryCode?: string | undefined
  readonly partyId?: string | undefined
}

/** What the console's map and table show of a stored Location. */
export interface LocationOverview {
  readonly id: string
  readonly country_code: string
  readonly party_id: string
  readonly name: string | null
  readonly address: string | null
  readonly city: string | null
  readonly coordinates: { readonly latitude: string; readonly longitude: string } | null
  readonly evses: readonly { readonly uid: string; readonly status: string }[]
  readonly last_updated: Date
}

export interface LocationOverviewPage {
  readonly locations: LocationOverview[]
  /** Where the next page starts; undefined when the scan reached the end. */
  readonly next: LocationCursor | undefined
}

/**
 * Locations a filtered page looks at, at most: a filter that matches few Locations gives short (even
 * empty) pages with a cursor instead of one page that reads the whole store.
 */
export const LOCATION_SCAN_LIMIT = 2_000

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`)
}

/**
 * One page of the hub's Locations in (id, owner) order, walked on the primary key from the cursor. Without
 * a filter it reads `limit` rows. With one it reads at most LOCATION_SCAN_LIMIT keys: the owner filters
 * are checked on the key, `q` on the Location (the only case that reads Locations that do not match);
 * only matching Locations are projected to the fields shown, in the database.
 */
export async function listLocationOverviews(
  db: Db,
  filter: LocationFilter,
  page: { readonly limit: number; readonly after?: LocationCursor | undefined },
): Promise<LocationOverviewPage> {
  const filtered = filter.q !== undefined || filter.countryCode !== undefined || filter.partyId !== undefined
  const conditions = [sql<boolean>`true`]
  if (filter.countryCode !== undefined) conditions.push(sql<boolean>`country_code = ${filter.countryCode}`)
  if (filter.partyId !== undefined) conditions.push(sql<boolean>`party_id = ${filter.partyId}`)
  if (filter.q !== undefined) {
    const pattern = `%${escapeLike(filter.q)}%`
    conditions.push(sql<boolean>`(object_id ilike ${pattern} or data->>'name' ilike ${pattern}
      or data->>'address' ilike ${pattern} or data->>'city' ilike ${pattern})`)
  }
  const after = page.after
  const start = after
    ? sql`and (object_id, country_code, party_id, object_type) > (${after.object_id}, ${after.country_code}, ${after.party_id}, '')`
    : sql``
  const result = await sql<{
    object_id: string
    country_code: string
    party_id: string
    matches: boolean
    overview: {
      name: string | null
      address: string | null
      city: string | null
      coordinates: { latitude: string; longitude: string } | null
      evses: { uid: string; status: string }[] | null
    } | null
    last_updated: Date
  }>`
    select object_id, country_code, party_id, matches, last_updated,
           case when matches then jsonb_build_object(
             'name', data->'name', 'address', data->'address', 'city', data->'city',
             'coordinates', data->'coordinates',
             'evses', (select jsonb_agg(jsonb_build_object('uid', evse->'uid', 'status', evse->'status'))
                       from jsonb_array_elements(coalesce(data->'evses', '[]'::jsonb)) evse)
           ) end as overview
    from (
      select object_id, country_code, party_id, data, last_updated,
             ${sql.join(conditions, sql` and `)} as matches
      from ocpi_objects
      where module = 'locations' ${start}
      order by object_id, country_code, party_id, object_type
      limit ${filtered ? LOCATION_SCAN_LIMIT : page.limit + 1}
    ) scanned`.execute(db)
  const rows = result.rows
  const locations: LocationOverview[] = []
  let next: LocationCursor | undefined
  for (const [index, row] of rows.entries()) {
    if (!row.matches || !row.overview) continue
    if (locations.length === page.limit) {
      next = cursorOf(rows[index - 1]!)
      break
    }
    locations.push({
      id: row.object_id,
      country_code: row.country_code,
      party_id: row.party_id,
      name: row.overview.name,
      address: row.overview.address,
      city: row.overview.city,
      coordinates: row.overview.coordinates,
      evses: row.overview.evses ?? [],
      last_updated: new Date(row.last_updated),
    })
  }
  // A filtered scan that used its whole budget goes on after the last key it read.
  if (!next && filtered && rows.length === LOCATION_SCAN_LIMIT) next = cursorOf(rows.at(-1)!)
  return { locations, next }
}

function cursorOf(row: { object_id: string; country_code: string; party_id: string }): LocationCursor {
  return { object_id: row.object_id, country_code: row.country_code, party_id: row.party_id }
}
