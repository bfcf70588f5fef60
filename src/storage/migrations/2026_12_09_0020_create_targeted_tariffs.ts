import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // Tariffs a CPO pushed to one party alone (OCPI-to naming it): forwarded as always, and kept here with
  // their audience so that quotes and the CDR check for that party's drivers use them (docs/pricing.md).
  // Kept apart from ocpi_objects, whose every reader (GET All, catch-up of new receivers) is public.
  await sql`
    create table targeted_tariffs (
      country_code text not null,
      party_id text not null,
      tariff_id text not null,
      audience_country_code text not null,
      audience_party_id text not null,
      data jsonb not null,
      stored_at timestamptz not null default now(),
      primary key (country_code, party_id, audience_country_code, audience_party_id, tariff_id)
    )`.execute(db)
  // '' for a Tariff every receiver got; else the one party it was sent to.
  await sql`alter table tariff_versions add column audience_country_code text not null default ''`.execute(db)
  await sql`alter table tariff_versions add column audience_party_id text not null default ''`.execute(db)
}
