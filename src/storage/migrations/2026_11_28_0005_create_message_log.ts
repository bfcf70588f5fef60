import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // Every OCPI request in (partner → hub) and out (hub → partner), for operators: who sent what to whom,
  // what came back and how long it took. Written in batches by src/message-log/; pruned after
  // MESSAGE_LOG_RETENTION_DAYS. No foreign key to platforms: the log must take any row without a lookup,
  // and it outlives what it describes.
  await sql`
    create table message_log (
      id bigint generated always as identity primary key,
      logged_at timestamptz not null,
      direction text not null,
      platform_id text,
      from_country_code text,
      from_party_id text,
      to_country_code text,
      to_party_id text,
      module text,
      method text not null,
      path text not null,
      http_status integer,
      ocpi_status integer,
      latency_ms integer not null,
      request_id text,
      correlation_id text,
      error text,
      request_body text,
      request_body_truncated boolean not null default false,
      response_body text,
      response_body_truncated boolean not null default false
    )`.execute(db)
  // Time: the prune and every listing (newest first). Correlation id: one chain in time order.
  await sql`create index message_log_by_time on message_log (logged_at)`.execute(db)
  await sql`create index message_log_by_correlation on message_log (correlation_id, logged_at)`.execute(db)
  await sql`create index message_log_by_platform on message_log (platform_id, logged_at)`.execute(db)
  await sql`
    create index message_log_by_from on message_log (from_country_code, from_party_id, logged_at)
    where from_country_code is not null`.execute(db)
  await sql`
    create index message_log_by_to on message_log (to_country_code, to_party_id, logged_at)
    where to_country_code is not null`.execute(db)
}
