import type { Kysely } from 'kysely'

// A booking whose card's bank asks the driver to authenticate (3-D Secure) holds its slot while it waits:
// 'requires_action' until the driver confirms it, null once the amount is held (or for older bookings).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('bookings').addColumn('payment_status', 'text').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('bookings').dropColumn('payment_status').execute()
}
