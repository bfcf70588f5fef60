import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // People who sign in to the admin API and the console (src/admin/operators*.ts). `email` is stored lower
  // case, so the unique index makes `Ops@x.io` and `ops@x.io` one account. `password_hash` holds the scrypt
  // parameters and salt with the hash (docs/decisions/0010).
  await sql`
    create table operators (
      id text primary key,
      email text not null unique,
      role text not null check (role in ('admin', 'viewer')),
      password_hash text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db)
  // Signed-in operators. Only the SHA-256 of the cookie's token is stored: a leaked database opens no
  // session. Kept in the database so that every hub process sharing it knows every session.
  await sql`
    create table operator_sessions (
      token_hash text primary key,
      operator_id text not null references operators (id) on delete cascade,
      created_at timestamptz not null default now(),
      last_seen_at timestamptz not null default now(),
      remote_address text
    )`.execute(db)
  await sql`create index operator_sessions_by_operator on operator_sessions (operator_id)`.execute(db)
  // Failed sign-ins, counted per key (`email:…`, `address:…`) over a sliding window to throttle guessing
  // across every hub process; older rows are deleted as new ones come.
  await sql`
    create table sign_in_failures (
      id bigint generated always as identity primary key,
      key text not null,
      failed_at timestamptz not null default now()
    )`.execute(db)
  await sql`create index sign_in_failures_by_key on sign_in_failures (key, failed_at)`.execute(db)
  // Every change made through the admin API and every sign-in: who, what, to what, when, from where.
  // No foreign keys: the log outlives the operators and platforms it names.
  await sql`
    create table audit_log (
      id bigint generated always as identity primary key,
      at timestamptz not null default now(),
      actor text not null,
      action text not null,
      target text,
      details jsonb not null default '{}',
      remote_address text,
      request_id text
    )`.execute(db)
  await sql`create index audit_log_by_actor on audit_log (actor, id)`.execute(db)
  await sql`create index audit_log_by_action on audit_log (action, id)`.execute(db)
  await sql`create index audit_log_by_time on audit_log (at)`.execute(db)
}
