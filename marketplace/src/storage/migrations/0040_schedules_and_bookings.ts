import { sql, type Kysely } from 'kysely'

// Owners' schedules and booking terms, drivers' bookings, and the EVSE status last sent for unmanaged
// chargers (docs/marketplace.md, "Schedules, bookings and payments").
export async function up(db: Kysely<unknown>): Promise<void> {
  // For the exclusion constraint's equality on listing_id next to the range overlap.
  await sql`create extension if not exists btree_gist`.execute(db)
  await db.schema
    .createTable('listing_schedules')
    .addColumn('listing_id', 'text', (c) => c.primaryKey().references('listings.id').onDelete('cascade'))
    .addColumn('schedule', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('booking_terms')
    .addColumn('listing_id', 'text', (c) => c.primaryKey().references('listings.id').onDelete('cascade'))
    .addColumn('terms', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    // Unmanaged chargers only: the EVSE status last PATCHed to the hub, so each change is sent once.
    .addColumn('evse_status_sent', 'text')
    .execute()
  await db.schema
    .createTable('bookings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('listing_id', 'text', (c) => c.notNull().references('listings.id').onDelete('cascade'))
    .addColumn('driver_id', 'text', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    // Amounts in the currency's minor unit (cents): what the card is authorised for, what was captured.
    .addColumn('price_minor', 'integer', (c) => c.notNull())
    .addColumn('captured_minor', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('payment_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('settled_at', 'timestamptz')
    .addCheckConstraint('bookings_period', sql`ends_at > starts_at`)
    .execute()
  // No double booking, even for two requests at the same instant: the database refuses the second.
  await sql`alter table bookings add constraint bookings_no_overlap exclude using gist
    (listing_id with =, tstzrange(starts_at, ends_at, '[)') with &&)
    where (status in ('PENDING', 'CONFIRMED', 'COMPLETED'))`.execute(db)
  await db.schema.createIndex('bookings_driver').on('bookings').column('driver_id').execute()
  await db.schema.createIndex('bookings_settled').on('bookings').column('settled_at').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['bookings', 'booking_terms', 'listing_schedules'])
    await db.schema.dropTable(table).execute()
}
