import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // Roaming agreements between a CPO party and an eMSP party (docs/agreements.md). `modules` and
  // `location_ids` null: every module, every Location. Validity bounds null: open-ended.
  await sql`
    create table agreements (
      id text primary key,
      cpo_country_code text not null,
      cpo_party_id text not null,
      emsp_country_code text not null,
      emsp_party_id text not null,
      state text not null check (state in ('proposed', 'active', 'suspended', 'ended')),
      modules jsonb,
      location_ids jsonb,
      valid_from timestamptz,
      valid_until timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db)
  await sql`create index agreements_pair on agreements (cpo_country_code, cpo_party_id, emsp_country_code, emsp_party_id)`.execute(
    db,
  )
  // A party refusing to roam with another, whatever the mode and the agreements.
  await sql`
    create table party_blocks (
      blocker_country_code text not null,
      blocker_party_id text not null,
      blocked_country_code text not null,
      blocked_party_id text not null,
      created_at timestamptz not null default now(),
      primary key (blocker_country_code, blocker_party_id, blocked_country_code, blocked_party_id)
    )`.execute(db)
  // Both are read on the hot path from the party directory's snapshot: a change bumps its version so that
  // every hub process reloads (docs/decisions/0005, migration 0007).
  await sql`
    create trigger agreements_changed after insert or update or delete on agreements
    for each row execute function bump_directory_version()`.execute(db)
  await sql`
    create trigger party_blocks_changed after insert or update or delete on party_blocks
    for each row execute function bump_directory_version()`.execute(db)
}
