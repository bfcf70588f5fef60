import { partyKey, type PartyRef } from '../core/party.ts'
import { tariffInScope } from '../directory/roaming-policy.ts'
import type { Db } from '../storage/database.ts'

interface StoredLocation {
  readonly evses?: readonly { readonly connectors?: readonly { readonly tariff_ids?: readonly string[] }[] }[]
}

/** The ids of the Tariffs a Location's connectors list (upper case: OCPI ids are case-insensitive). */
export function tariffIdsOf(location: unknown): string[] {
  const { evses } = location as StoredLocation
  const ids = (evses ?? []).flatMap((evse) =>
    (evse.connectors ?? []).flatMap((connector) => connector.tariff_ids ?? []),
  )
  return [...new Set(ids.map((id) => id.toUpperCase()))]
}

/** The key of a Tariff in `referencesIn`'s map. */
export function referenceKey(owner: PartyRef, tariffId: string): string {
  return `${partyKey(owner)}|${tariffId.toUpperCase()}`
}

/**
 * For each Tariff the hub's copies of the owner's Locations list (`referenceKey`), the ids of those
 * Locations (upper case): a Tariff's Location scope (docs/agreements.md).
 */
export async function tariffReferences(db: Db, owner: PartyRef): Promise<Map<string, string[]>> {
  const rows = await db
    .selectFrom('ocpi_objects')
    .select(['country_code', 'party_id', 'object_id', 'data'])
    .where('module', '=', 'locations')
    .where('country_code', '=', owner.country_code.toUpperCase())
    .where('party_id', '=', owner.party_id.toUpperCase())
    .execute()
  return referencesIn(rows)
}

/** `tariffReferences` of Location rows already read. */
export function referencesIn(
  locations: readonly (PartyRef & { readonly object_id: string; readonly data: unknown })[],
): Map<string, string[]> {
  const references = new Map<string, string[]>()
  for (const location of locations) {
    for (const tariffId of tariffIdsOf(location.data)) {
      const key = referenceKey(location, tariffId)
      references.set(key, [...(references.get(key) ?? []), location.object_id.toUpperCase()])
    }
  }
  return references
}

/** The ids (upper case) of the owner's Tariffs in the Location scope `scope` (`tariffInScope`). */
export async function tariffIdsInScope(db: Db, owner: PartyRef, scope: readonly string[]): Promise<string[]> {
  const references = await tariffReferences(db, owner)
  const tariffs = await db
    .selectFrom('ocpi_objects')
    .select('object_id')
    .where('module', '=', 'tariffs')
    .where('country_code', '=', owner.country_code.toUpperCase())
    .where('party_id', '=', owner.party_id.toUpperCase())
    .execute()
  return tariffs
    .map((tariff) => tariff.object_id.toUpperCase())
    .filter((id) => tariffInScope(scope, references.get(referenceKey(owner, id)) ?? []))
}
