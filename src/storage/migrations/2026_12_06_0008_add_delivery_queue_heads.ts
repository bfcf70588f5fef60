import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // Queue heads (docs/decisions/0006): the head of an ordering key is its lowest-id message that is not
  // dead, and only heads are claimed, so a claim never looks behind them. `lane` is the sending party
  // (`{cc}/{pid}` at the start of the object key) that shares a receiver fairly with the other senders.
  await sql`alter table deliveries add column head boolean not null default false`.execute(db)
  await sql`alter table deliveries add column lane text not null default ''`.execute(db)
  await sql`
    update deliveries
    set lane = coalesce(
      substring(substr(ordering_key, length(receiver_platform_id) + length(module) + 3) from '^[^/]*/[^/]*'),
      '')`.execute(db)
  await sql`
    update deliveries set head = true
    where id in (select min(id) from deliveries where state <> 'dead' group by ordering_key)`.execute(db)
  // At most one head per key: a bug that would break the invariant fails loudly instead of reordering.
  await sql`create unique index deliveries_one_head on deliveries (ordering_key) where head`.execute(db)
  // Claims walk this index lane by lane, in due order: the rows behind the heads are never read.
  await sql`
    create index deliveries_claimable on deliveries (receiver_platform_id, lane, next_attempt_at, id)
    where head and state in ('pending', 'failed')`.execute(db)
  // In-flight counts per receiver and lane read only the leased rows.
  await sql`
    create index deliveries_leased on deliveries (receiver_platform_id, lane)
    where locked_until is not null`.execute(db)
  // Superseded by deliveries_claimable; every write to the queue paid for it.
  await sql`drop index deliveries_due`.execute(db)
}
