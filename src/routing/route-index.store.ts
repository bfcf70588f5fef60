import { sql } from 'kysely'
import type { PartyRef } from '../core/party.ts'
import type { Db } from '../storage/database.ts'
import type { RouteKind } from '../storage/tables.ts'

/**
 * Remembers who is on the other side of a session, a reservation or a charging profile, as the hub
 * routes the message that creates it; later messages about it without TO headers find their way here.
 */
export async function rememberRoute(
  db: Db,
  kind: RouteKind,
  key: string,
  owner: PartyRef,
  counterpart: PartyRef,
): Promise<void> {
  const values = {
    kind,
    key: key.toUpperCase(),
    owner_country_code: owner.country_code,
    owner_party_id: owner.party_id,
    counterpart_country_code: counterpart.country_code,
    counterpart_party_id: counterpart.party_id,
  }
  await db
    .insertInto('route_index')
    .values(values)
    .onConflict((oc) =>
      oc.columns(['kind', 'key', 'owner_country_code', 'owner_party_id']).doUpdateSet({
        counterpart_country_code: values.counterpart_country_code,
        counterpart_party_id: values.counterpart_party_id,
        updated_at: sql<Date>`now()`,
      }),
    )
    .execute()
}

export interface KnownRoute {
  readonly owner: PartyRef
  readonly counterpart: PartyRef
}

/** Every route known for this key (the same id may be used by several CPOs). */
export async function findRoutes(db: Db, kind: RouteKind, key: string): Promise<KnownRoute[]> {
  const rows = await db
    .selectFrom('route_index')
    .selectAll()
    .where('kind', '=', kind)
    .where('key', '=', key.toUpperCase())
    .execute()
  return rows.map((row) => ({
    owner: { country_code: row.owner_country_code, party_id: row.owner_party_id },
    counterpart: { country_code: row.counterpart_country_code, party_id: row.counterpart_party_id },
  }))
}
