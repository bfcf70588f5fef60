import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row counting committed changes of platforms and parties: every hub process compares it with the
  // version of its in-memory party directory and reloads when it moved (docs/decisions/0005).
  await sql`
    create table directory_version (
      singleton boolean primary key default true check (singleton),
      version bigint not null
    )`.execute(db)
  await sql`insert into directory_version (version) values (0)`.execute(db)
  // Bumped by the database itself, whoever writes: the hub, a process of the previous release during a
  // rolling upgrade, or an operator's SQL. Row triggers: a statement that changes nothing bumps nothing.
  await sql`
    create function bump_directory_version() returns trigger language plpgsql as $$
    begin
      update directory_version set version = version + 1;
      return null;
    end
    $$`.execute(db)
  await sql`
    create trigger parties_changed after insert or update or delete on parties
    for each row execute function bump_directory_version()`.execute(db)
  // Every column but last_seen_at, which a partner's calls move once a minute and no request reads.
  await sql`
    create trigger platforms_changed after insert or delete or update of
      id, name, status, initiated_by, invitation_token_hash, inbound_token_hash, outbound_token,
      versions_url, version, endpoints, hub_party_id, created_at, updated_at, registered_at
    on platforms for each row execute function bump_directory_version()`.execute(db)
}
