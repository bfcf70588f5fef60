import { sql, type Kysely } from 'kysely'

// A review is of one completed charge or of one completed booking (a home charger's or a roaming CPO's).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('reviews')
    .alterColumn('charge_id', (c) => c.dropNotNull())
    .execute()
  await db.schema.alterTable('reviews').addColumn('booking_id', 'text').execute()
  await db.schema.alterTable('reviews').addUniqueConstraint('reviews_booking_id', ['booking_id']).execute()
  await db.schema
    .alterTable('reviews')
    .addCheckConstraint('reviews_of_one', sql`(charge_id is null) <> (booking_id is null)`)
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('reviews').dropConstraint('reviews_of_one').execute()
  await db.schema.alterTable('reviews').dropConstraint('reviews_booking_id').execute()
  await db.schema.alterTable('reviews').dropColumn('booking_id').execute()
}
