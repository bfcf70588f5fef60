import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // A platform that is another OCPI hub (docs/decisions/0020-peer-hubs-in-the-directory.md): its parties are
  // the parties reachable through it, and broadcasts it sends are not passed on to other peers. Set when the
  // platform is created and never changed, so the directory version trigger need not watch it.
  await sql`alter table platforms add column peer_hub boolean not null default false`.execute(db)
}
