import { sql, type Kysely } from 'kysely'

// The eMSP role's bookings at roaming CPOs: the BookingLocations the hub broadcasts (a CPO that sends one
// for a Location takes BookingRequests there) and each driver's booking, made through the hub's Bookings
// module or with a RESERVE_NOW command.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('network_booking_locations')
    .addColumn('country_code', 'text', (c) => c.notNull())
    .addColumn('party_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('location_id', 'text', (c) => c.notNull())
    .addColumn('object', 'jsonb', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('network_booking_locations_pk', ['country_code', 'party_id', 'id'])
    .execute()
  await db.schema
    .createIndex('network_booking_locations_location')
    .on('network_booking_locations')
    .columns(['country_code', 'party_id', 'location_id'])
    .execute()
  await db.schema
    .createTable('network_bookings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // Kept under the pseudonym when the member is deleted (the members row stays).
    .addColumn('member_id', 'text', (c) => c.notNull().references('members.id'))
    .addColumn('cpo_country_code', 'text', (c) => c.notNull())
    .addColumn('cpo_party_id', 'text', (c) => c.notNull())
    .addColumn('location_id', 'text', (c) => c.notNull())
    .addColumn('evse_uid', 'text')
    .addColumn('via', 'text', (c) => c.notNull().check(sql`via in ('BOOKINGS', 'RESERVE_NOW')`))
    // The CPO's Booking id (Bookings module); a reservation is known by this booking's id.
    .addColumn('cpo_booking_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_reason', 'text')
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('network_bookings_member').on('network_bookings').column('member_id').execute()
  await db.schema
    .createIndex('network_bookings_cpo_booking')
    .on('network_bookings')
    .columns(['cpo_country_code', 'cpo_party_id', 'cpo_booking_id'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('network_bookings').execute()
  await db.schema.dropTable('network_booking_locations').execute()
}
