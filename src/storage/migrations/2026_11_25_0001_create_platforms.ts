import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table platforms (
      id text primary key,
      name text not null,
      status text not null,
      initiated_by text not null,
      invitation_token_hash text unique,
      inbound_token_hash text unique,
      outbound_token text,
      versions_url text,
      version text,
      endpoints jsonb not null default '[]',
      hub_party_id text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      registered_at timestamptz
    )`.execute(db)
  await sql`
    create table parties (
      platform_id text not null references platforms (id) on delete cascade,
      role text not null,
      country_code text not null,
      party_id text not null,
      business_details jsonb,
      status text not null,
      last_updated timestamptz not null default now(),
      primary key (platform_id, role, country_code, party_id)
    )`.execute(db)
  // A (role, country_code, party_id) belongs to one live platform at a time; unregistered ones keep history.
  await sql`
    create unique index parties_live_role on parties (role, country_code, party_id)
    where status <> 'SUSPENDED'`.execute(db)
  await sql`create index parties_by_party on parties (country_code, party_id)`.execute(db)
  await sql`create table hub_settings (key text primary key, value text not null)`.execute(db)
}
