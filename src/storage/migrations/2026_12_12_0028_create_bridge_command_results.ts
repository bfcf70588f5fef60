import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // A CommandResult for an OICP call held open in another hub process (docs/bridges/oicp.md): kept until
  // that process takes it, or a minute at most.
  await sql`
    create table bridge_command_results (
      response_url text primary key,
      result jsonb not null,
      received_at timestamptz not null default now()
    )`.execute(db)
}
