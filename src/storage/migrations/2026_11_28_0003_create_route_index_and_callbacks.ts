import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // What the hub learnt while routing party-bound messages, for open routing of the ones that follow:
  // a session's eMSP (from the Session PUT), a reservation's eMSP, who set a session's charging profile.
  await sql`
    create table route_index (
      kind text not null,
      key text not null,
      owner_country_code text not null,
      owner_party_id text not null,
      counterpart_country_code text not null,
      counterpart_party_id text not null,
      updated_at timestamptz not null default now(),
      primary key (kind, key, owner_country_code, owner_party_id)
    )`.execute(db)

  // CDRs the hub passed on: a retried POST is answered from here instead of being delivered twice, and
  // the hub's own CDR URL (given to the CPO in `Location`) leads to the eMSP's.
  await sql`
    create table cdr_routes (
      cpo_country_code text not null,
      cpo_party_id text not null,
      cdr_id text not null,
      hub_id text not null unique,
      emsp_country_code text not null,
      emsp_party_id text not null,
      receiver_location text not null,
      created_at timestamptz not null default now(),
      primary key (cpo_country_code, cpo_party_id, cdr_id)
    )`.execute(db)

  // The hub's stand-ins for requesters' response_url (Commands, ChargingProfiles): one per request.
  await sql`
    create table async_callbacks (
      id text primary key,
      module text not null,
      requester_platform_id text not null references platforms (id) on delete cascade,
      requester_country_code text not null,
      requester_party_id text not null,
      responder_platform_id text not null references platforms (id) on delete cascade,
      responder_country_code text not null,
      responder_party_id text not null,
      response_url text not null,
      correlation_id text not null,
      expires_at timestamptz not null,
      used_at timestamptz,
      created_at timestamptz not null default now()
    )`.execute(db)
  await sql`create index async_callbacks_by_expiry on async_callbacks (expires_at)`.execute(db)

  // The last time a partner called the hub: the still-alive check asks only the silent ones.
  await sql`alter table platforms add column last_seen_at timestamptz`.execute(db)
}
