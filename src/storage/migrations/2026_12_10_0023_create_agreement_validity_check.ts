import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // The moment up to which the periodic check has applied agreements' validity bounds (docs/agreements.md):
  // one row, locked by the process that runs the check, so that each bound is applied once across processes.
  // It starts now: bounds passed before the hub had this check are not caught up after the fact.
  await sql`
    create table agreement_validity_check (
      id boolean primary key default true check (id),
      checked_until timestamptz not null
    )`.execute(db)
  await sql`insert into agreement_validity_check (checked_until) values (now())`.execute(db)
}
