import type { Kysely } from 'kysely'

// An owner's photos of a listing, kept in the store (both engines, and `memory`), served at /photos/{id}.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('listing_photos')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('listing_id', 'text', (c) => c.notNull().references('listings.id').onDelete('cascade'))
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('listing_photos_listing').on('listing_photos').column('listing_id').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('listing_photos').execute()
}
