import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // What the operator keeps about a partner (docs/admin-api.md, PATCH /admin/platforms/{id}) and when its
  // invitation token (token A) stops opening the hub; null: never.
  await sql`alter table platforms add column contact jsonb`.execute(db)
  await sql`alter table platforms add column notes text`.execute(db)
  await sql`alter table platforms add column token_a_expires_at timestamptz`.execute(db)
  // The new columns are part of the directory snapshot: a change to them must move the directory version
  // (migration 0007) so the other hub processes reload.
  await sql`drop trigger platforms_changed on platforms`.execute(db)
  await sql`
    create trigger platforms_changed after insert or delete or update of
      id, name, status, initiated_by, invitation_token_hash, inbound_token_hash, outbound_token,
      versions_url, version, endpoints, hub_party_id, created_at, updated_at, registered_at,
      contact, notes, token_a_expires_at
    on platforms for each row execute function bump_directory_version()`.execute(db)
}
