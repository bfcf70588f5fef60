import type { Kysely } from 'kysely'

// Drivers' tokens, their charges (a remote start at a CPO of the network) and the Sessions and CDRs of them.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('driver_tokens')
    .addColumn('member_id', 'text', (c) => c.primaryKey().references('members.id').onDelete('cascade'))
    .addColumn('uid', 'text', (c) => c.notNull().unique())
    .addColumn('contract_id', 'text', (c) => c.notNull().unique())
    .addColumn('last_updated', 'timestamptz', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('charges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('member_id', 'text', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('cpo_country_code', 'text', (c) => c.notNull())
    .addColumn('cpo_party_id', 'text', (c) => c.notNull())
    .addColumn('location_id', 'text', (c) => c.notNull())
    .addColumn('evse_uid', 'text', (c) => c.notNull())
    .addColumn('connector_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_reason', 'text')
    .addColumn('session_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('charges_member').on('charges').column('member_id').execute()
  await db.schema
    .createTable('driver_sessions')
    .addColumn('country_code', 'text', (c) => c.notNull())
    .addColumn('party_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('member_id', 'text', (c) => c.references('members.id').onDelete('set null'))
    .addColumn('charge_id', 'text', (c) => c.references('charges.id').onDelete('set null'))
    .addColumn('object', 'jsonb', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('driver_sessions_pk', ['country_code', 'party_id', 'id'])
    .execute()
  await db.schema
    .createTable('driver_cdrs')
    .addColumn('country_code', 'text', (c) => c.notNull())
    .addColumn('party_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text')
    .addColumn('member_id', 'text', (c) => c.references('members.id').onDelete('set null'))
    .addColumn('object', 'jsonb', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('driver_cdrs_pk', ['country_code', 'party_id', 'id'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['driver_cdrs', 'driver_sessions', 'charges', 'driver_tokens'])
    await db.schema.dropTable(table).execute()
}
