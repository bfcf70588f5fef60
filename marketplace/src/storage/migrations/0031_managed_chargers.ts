import type { Kysely } from 'kysely'

// Chargers connected over OCPP 1.6J to a listing, their charging sessions, the idTags the marketplace
// gave remote starts, and the Tokens the hub sent to the marketplace's CPO (Tokens RECEIVER).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('managed_chargers')
    .addColumn('identity', 'text', (c) => c.primaryKey())
    .addColumn('listing_id', 'text', (c) =>
      c.notNull().unique().references('listings.id').onDelete('cascade'),
    )
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('evse_status', 'text')
    .addColumn('status_updated_at', 'timestamptz')
    .addColumn('boot', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('charger_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('charger_identity', 'text', (c) => c.notNull())
    .addColumn('listing_id', 'text', (c) => c.notNull().references('listings.id').onDelete('cascade'))
    .addColumn('transaction_id', 'integer', (c) => c.notNull().unique())
    .addColumn('connector_id', 'integer', (c) => c.notNull())
    .addColumn('cdr_token', 'jsonb', (c) => c.notNull())
    .addColumn('auth_method', 'text', (c) => c.notNull())
    .addColumn('authorization_reference', 'text')
    .addColumn('meter_start_wh', 'double precision', (c) => c.notNull())
    .addColumn('samples', 'jsonb', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ended_at', 'timestamptz')
    .addColumn('status', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('charger_authorizations')
    .addColumn('id_tag', 'text', (c) => c.primaryKey())
    .addColumn('cdr_token', 'jsonb', (c) => c.notNull())
    .addColumn('authorization_reference', 'text')
    .addColumn('listing_id', 'text', (c) => c.notNull().references('listings.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('received_tokens')
    .addColumn('country_code', 'text', (c) => c.notNull())
    .addColumn('party_id', 'text', (c) => c.notNull())
    .addColumn('uid', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('token', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('received_tokens_pk', ['country_code', 'party_id', 'uid', 'type'])
    .execute()
  await db.schema.createIndex('received_tokens_uid').on('received_tokens').column('uid').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['received_tokens', 'charger_authorizations', 'charger_sessions', 'managed_chargers'])
    await db.schema.dropTable(table).execute()
}
