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
}
