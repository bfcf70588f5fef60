import type { Kysely } from 'kysely'

// OCPI pushes that failed while the hub was away, sent again in order with backoff (hub/hub-outbox.ts).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('hub_outbox')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('message', 'jsonb', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_error', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('hub_outbox').execute()
}
