import type { Db } from './database.ts'

/** Which Tariff a version is of. */
export interface TariffKey {
  readonly country_code: string
  readonly party_id: string
  readonly object_id: string
}

export interface TariffVersion {
  readonly tariffId: string
  readonly validFrom: Date
  /** The whole Tariff from then on; null: deleted then. */
  readonly data: Record<string, unknown> | null
}

/** Records the Tariff as it is from now on (null: deleted), in the transaction of the write. */
export async function recordTariffVersion(
  trx: Db,
  key: TariffKey,
  data: Record<string, unknown> | null,
): Promise<void> {
  await trx
    .insertInto('tariff_versions')
    .values({
      country_code: key.country_code,
      party_id: key.party_id,
      tariff_id: key.object_id,
      data: data === null ? null : JSON.stringify(data),
    })
    .execute()
}

/** Every version of the CPO's Tariffs that took effect before `until`, oldest first. */
export async function tariffVersionsOf(
  db: Db,
  cpo: { readonly country_code: string; readonly party_id: string },
  until: Date,
): Promise<TariffVersion[]> {
  const rows = await db
    .selectFrom('tariff_versions')
    .select(['tariff_id', 'valid_from', 'data'])
    .where('country_code', '=', cpo.country_code)
    .where('party_id', '=', cpo.party_id)
    .where('valid_from', '<', until)
    .orderBy('valid_from')
    .orderBy('id')
    .execute()
  return rows.map((row) => ({ tariffId: row.tariff_id, validFrom: new Date(row.valid_from), data: row.data }))
}

/**
 * Removes the versions that stopped being valid before `before`: those followed by a later version of the
 * same Tariff that took effect before `before`. The version still valid then stays, however old.
 */
export async function pruneTariffVersions(db: Db, before: Date): Promise<number> {
  const result = await db
    .deleteFrom('tariff_versions as old')
    .where('old.valid_from', '<', before)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('tariff_versions as newer')
          .select('newer.id')
          .whereRef('newer.country_code', '=', 'old.country_code')
          .whereRef('newer.party_id', '=', 'old.party_id')
          .whereRef('newer.tariff_id', '=', 'old.tariff_id')
          .whereRef('newer.id', '>', 'old.id')
          .where('newer.valid_from', '<=', before),
      ),
    )
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}
