import { sql } from 'kysely'
import { upperParty, type PartyRef } from '../core/party.ts'
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
  /** Sent to one party alone (the audience asked for), not to every receiver. */
  readonly targeted: boolean
}

/** The audience columns of a Tariff every receiver got. */
const EVERYONE = { audience_country_code: '', audience_party_id: '' }

function audienceColumns(audience: PartyRef | undefined) {
  if (!audience) return EVERYONE
  const { country_code, party_id } = upperParty(audience)
  return { audience_country_code: country_code, audience_party_id: party_id }
}

/**
 * Records the Tariff as it is from now on (null: deleted), in the transaction of the write; `audience`:
 * the one party it was sent to, absent for a Tariff every receiver got.
 */
export async function recordTariffVersion(
  trx: Db,
  key: TariffKey,
  data: Record<string, unknown> | null,
  audience?: PartyRef,
): Promise<void> {
  await trx
    .insertInto('tariff_versions')
    .values({
      country_code: key.country_code,
      party_id: key.party_id,
      tariff_id: key.object_id,
      data: data === null ? null : JSON.stringify(data),
      ...audienceColumns(audience),
    })
    .execute()
}

/**
 * A Tariff the CPO sent to `audience` alone, as that party holds it now (null: deleted there), and its
 * version, in one transaction. A repeat that changes nothing records no version.
 */
export async function saveTargetedTariff(
  db: Db,
  key: TariffKey,
  audience: PartyRef,
  data: Record<string, unknown> | null,
): Promise<void> {
  const row = {
    country_code: key.country_code,
    party_id: key.party_id,
    tariff_id: key.object_id,
    ...audienceColumns(audience),
  }
  await db.transaction().execute(async (trx) => {
    const changed =
      data === null
        ? await trx
            .deleteFrom('targeted_tariffs')
            .where('country_code', '=', row.country_code)
            .where('party_id', '=', row.party_id)
            .where('tariff_id', '=', row.tariff_id)
            .where('audience_country_code', '=', row.audience_country_code)
            .where('audience_party_id', '=', row.audience_party_id)
            .returning('tariff_id')
            .executeTakeFirst()
        : await trx
            .insertInto('targeted_tariffs')
            .values({ ...row, data: JSON.stringify(data) })
            .onConflict((oc) =>
              oc
                .columns([
                  'country_code',
                  'party_id',
                  'audience_country_code',
                  'audience_party_id',
                  'tariff_id',
                ])
                .doUpdateSet((eb) => ({ data: eb.ref('excluded.data') }))
                .where(sql<boolean>`targeted_tariffs.data is distinct from excluded.data`),
            )
            .returning('tariff_id')
            .executeTakeFirst()
    if (changed) await recordTariffVersion(trx, key, data, audience)
  })
}

/** The CPO's Tariffs of these ids (upper-case) that `audience` holds because they were sent to it alone. */
export async function targetedTariffsOf(
  db: Db,
  cpo: PartyRef,
  audience: PartyRef,
  tariffIds: readonly string[],
): Promise<Record<string, unknown>[]> {
  if (tariffIds.length === 0) return []
  const { audience_country_code, audience_party_id } = audienceColumns(audience)
  const rows = await db
    .selectFrom('targeted_tariffs')
    .select('data')
    .where('country_code', '=', cpo.country_code)
    .where('party_id', '=', cpo.party_id)
    .where('audience_country_code', '=', audience_country_code)
    .where('audience_party_id', '=', audience_party_id)
    .where('tariff_id', 'in', tariffIds)
    .execute()
  return rows.map((row) => row.data)
}

/**
 * Every version of the CPO's Tariffs that took effect before `until`, oldest first: those every receiver
 * got, and with `audience` also those sent to that party alone (`targeted`).
 */
export async function tariffVersionsOf(
  db: Db,
  cpo: { readonly country_code: string; readonly party_id: string },
  until: Date,
  audience?: PartyRef,
): Promise<TariffVersion[]> {
  const audiences = [EVERYONE, ...(audience ? [audienceColumns(audience)] : [])]
  const rows = await db
    .selectFrom('tariff_versions')
    .select(['tariff_id', 'valid_from', 'data', 'audience_party_id'])
    .where('country_code', '=', cpo.country_code)
    .where('party_id', '=', cpo.party_id)
    .where('valid_from', '<', until)
    .where((eb) =>
      eb.or(
        audiences.map((columns) =>
          eb.and([
            eb('audience_country_code', '=', columns.audience_country_code),
            eb('audience_party_id', '=', columns.audience_party_id),
          ]),
        ),
      ),
    )
    .orderBy('valid_from')
    .orderBy('id')
    .execute()
  return rows.map((row) => ({
    tariffId: row.tariff_id,
    validFrom: new Date(row.valid_from),
    data: row.data,
    targeted: row.audience_party_id !== '',
  }))
}

/**
 * Removes the versions that stopped being valid before `before`: those followed by a later version of the
 * same Tariff for the same audience that took effect before `before`. The version still valid then stays,
 * however old.
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
          .whereRef('newer.audience_country_code', '=', 'old.audience_country_code')
          .whereRef('newer.audience_party_id', '=', 'old.audience_party_id')
          .whereRef('newer.id', '>', 'old.id')
          .where('newer.valid_from', '<=', before),
      ),
    )
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}
