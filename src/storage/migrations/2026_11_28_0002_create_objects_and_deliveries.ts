import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // The hub's copy of every object an owner broadcast (Locations with their EVSEs and Connectors, Tariffs,
  // Tokens): it serves GET All, single GETs and open routing. `object_type` is the Token type ('' elsewhere).
  await sql`
    create table ocpi_objects (
      module text not null,
      country_code text not null,
      party_id text not null,
      object_id text not null,
      object_type text not null default '',
      data jsonb not null,
      last_updated timestamptz not null,
      stored_at timestamptz not null default now(),
      primary key (module, country_code, party_id, object_id, object_type)
    )`.execute(db)
  // Pagination walks this index in order: a page after a cursor costs the same at any offset.
  await sql`
    create index ocpi_objects_by_last_updated
    on ocpi_objects (module, last_updated, country_code, party_id, object_id, object_type)`.execute(db)
  await sql`create index ocpi_objects_by_id on ocpi_objects (module, object_id)`.execute(db)

  // The transactional outbox: written in the transaction of the change that causes it, drained by workers.
  // `body` is the JSON text to send, kept as text so it goes out byte for byte as it was queued.
  await sql`
    create table deliveries (
      id bigserial primary key,
      receiver_platform_id text not null references platforms (id) on delete cascade,
      to_country_code text not null,
      to_party_id text not null,
      from_country_code text not null,
      from_party_id text not null,
      module text not null,
      method text not null,
      path text not null,
      body text,
      correlation_id text not null,
      ordering_key text not null,
      target_path text not null,
      state text not null default 'pending',
      attempts integer not null default 0,
      next_attempt_at timestamptz not null default now(),
      locked_until timestamptz,
      locked_by text,
      last_error text,
      last_http_status integer,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db)
  await sql`
    create index deliveries_due on deliveries (next_attempt_at, id)
    where state in ('pending', 'failed')`.execute(db)
  await sql`create index deliveries_by_ordering_key on deliveries (ordering_key, id)`.execute(db)
  await sql`create index deliveries_by_receiver on deliveries (receiver_platform_id, state, id)`.execute(db)
}
