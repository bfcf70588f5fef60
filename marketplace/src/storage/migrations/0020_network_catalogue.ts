import type { Kysely } from 'kysely'

// The network catalogue: every CPO's Locations and Tariffs as the hub sends them to the marketplace's eMSP.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('network_locations')
    .addColumn('country_code', 'text', (c) => c.notNull())
    .addColumn('party_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('object', 'jsonb', (c) => c.notNull())
    // Apart from the object, so that a search by map bounds is one indexed range query.
    .addColumn('latitude', 'double precision', (c) => c.notNull())
    .addColumn('longitude', 'double precision', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('network_locations_pk', ['country_code', 'party_id', 'id'])
    .execute()
  await db.schema
    .createIndex('network_locations_position')
    .on('network_locations')
    .columns(['latitude', 'longitude'])
    .execute()
  await db.schema
    .createTable('network_tariffs')
    .addColumn('country_code', 'text', (c) => c.notNull())
    .addColumn('party_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('object', 'jsonb', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('network_tariffs_pk', ['country_code', 'party_id', 'id'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('network_tariffs').execute()
  await db.schema.dropTable('network_locations').execute()
}
