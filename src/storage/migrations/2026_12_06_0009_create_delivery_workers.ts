import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // The delivery workers alive now, one row per hub process, beating every second or so. A row whose beat
  // stopped names a dead process: its leases in `deliveries` (locked_by = id) are released at once instead
  // of when they run out (src/delivery/worker-registry.ts). Times are the database's, so hosts' clocks
  // never need to agree.
  await sql`
    create table delivery_workers (
      id text primary key,
      started_at timestamptz not null default now(),
      heartbeat_at timestamptz not null default now()
    )`.execute(db)
}
