import type { Kysely } from 'kysely'

// Charges paid by card (decision 0036): the hold made at the start, what the CDR's capture took, or the
// booking whose payment covers the charge. Amounts in the currency's minor unit (cents).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('charges')
    // AUTHORISED, CAPTURED, RELEASED, or BOOKING (paid by the booking); null: no card payment taken.
    .addColumn('payment_state', 'text')
    .addColumn('payment_id', 'text')
    .addColumn('booking_id', 'text')
    .addColumn('payment_currency', 'text')
    .addColumn('held_minor', 'integer')
    .addColumn('paid_minor', 'integer')
    // The CDR's cost above the hold, which the capture could not take.
    .addColumn('unpaid_minor', 'integer')
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of [
    'payment_state',
    'payment_id',
    'booking_id',
    'payment_currency',
    'held_minor',
    'paid_minor',
    'unpaid_minor',
  ])
    await db.schema.alterTable('charges').dropColumn(column).execute()
}
