import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // The CDR check's findings (docs/pricing.md): a delivered CDR whose amounts differ from the price the
  // hub recomputes by more than a cent. Informational: nothing else reads or changes the CDR because of it.
  await sql`
    create table price_discrepancies (
      id bigint generated always as identity primary key,
      found_at timestamptz not null default now(),
      cdr_id text not null,
      cpo_country_code text not null,
      cpo_party_id text not null,
      emsp_country_code text not null,
      emsp_party_id text not null,
      session_start timestamptz not null,
      currency text not null,
      tariff_source text not null,
      cdr_total jsonb not null,
      recomputed jsonb not null,
      differences jsonb not null,
      correlation_id text not null
    )`.execute(db)
  await sql`create index price_discrepancies_by_cpo on price_discrepancies (cpo_country_code, cpo_party_id, session_start)`.execute(
    db,
  )
  await sql`create index price_discrepancies_by_emsp on price_discrepancies (emsp_country_code, emsp_party_id, session_start)`.execute(
    db,
  )
  // Every version of a Tariff a CPO pushed (data null: deleted), from when the hub stored it: the CDR check
  // prices each moment of a session by the version valid then. Pruned after TARIFF_HISTORY_RETENTION_DAYS.
  await sql`
    create table tariff_versions (
      id bigint generated always as identity primary key,
      country_code text not null,
      party_id text not null,
      tariff_id text not null,
      valid_from timestamptz not null default now(),
      data jsonb
    )`.execute(db)
  await sql`create index tariff_versions_by_tariff on tariff_versions (country_code, party_id, tariff_id, valid_from)`.execute(
    db,
  )
  await sql`create index tariff_versions_by_time on tariff_versions (valid_from)`.execute(db)
}
