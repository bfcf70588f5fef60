import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // The identifier map of the bridges to other protocols (docs/decisions/0021): a foreign object
  // (protocol, kind, id) and the OCPI object it is at the hub (owner party, kind, id), both ways unique.
  await sql`
    create table bridge_identifiers (
      protocol text not null,
      foreign_kind text not null,
      foreign_id text not null,
      country_code text not null,
      party_id text not null,
      ocpi_kind text not null,
      ocpi_id text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (protocol, foreign_kind, foreign_id),
      unique (protocol, country_code, party_id, ocpi_kind, ocpi_id)
    )`.execute(db)
  // What a bridge would not send because it cannot be mapped without misleading (an EVSE without evse_id).
  await sql`
    create table bridge_refusals (
      id bigserial primary key,
      protocol text not null,
      country_code text not null,
      party_id text not null,
      ocpi_kind text not null,
      ocpi_id text not null,
      reason text not null,
      correlation_id text not null,
      refused_at timestamptz not null default now()
    )`.execute(db)
  await sql`create index bridge_refusals_recent on bridge_refusals (protocol, refused_at desc)`.execute(db)
  // One row per bridge: its settings as the operator put them, and how its last sync went.
  await sql`
    create table bridges (
      protocol text primary key,
      platform_id text not null,
      settings jsonb not null,
      last_pull_at timestamptz,
      last_sync_at timestamptz,
      last_sync_error text,
      updated_at timestamptz not null default now()
    )`.execute(db)
}
