import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // The roaming mode the hub last ran in (docs/agreements.md): a start in another mode queues what the
  // switch means. One row, written by the first start that reads it; none until then.
  await sql`
    create table roaming_mode_record (
      id boolean primary key default true check (id),
      mode text not null check (mode in ('open', 'agreements')),
      recorded_at timestamptz not null default now()
    )`.execute(db)
}
