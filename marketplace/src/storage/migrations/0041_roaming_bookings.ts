import { sql, type Kysely } from 'kysely'

// Bookings of roaming drivers, asked for by their eMSP through the hub's Bookings module: no member
// behind them, but the eMSP's party, its request id and the tokens it may use.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('bookings')
    .alterColumn('driver_id', (c) => c.dropNotNull())
    .execute()
  await db.schema.alterTable('bookings').addColumn('roaming', 'jsonb').execute()
  await db.schema
    .alterTable('bookings')
    .addCheckConstraint('bookings_driver', sql`(driver_id is null) <> (roaming is null)`)
    .execute()
  await sql`create unique index bookings_roaming_request on bookings
    ((roaming->>'country_code'), (roaming->>'party_id'), (roaming->>'request_id'))
    where roaming is not null`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('bookings_roaming_request').execute()
  await db.schema.alterTable('bookings').dropConstraint('bookings_driver').execute()
  await db.schema.alterTable('bookings').dropColumn('roaming').execute()
}
