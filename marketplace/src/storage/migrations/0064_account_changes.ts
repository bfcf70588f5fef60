import type { Kysely } from 'kysely'

// A member's display name, and the address a change-of-email code confirms: kept with its code, so that
// each mailed code changes the account to the address it was mailed to, whatever was asked after it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('members').addColumn('display_name', 'text').execute()
  await db.schema.alterTable('member_tokens').addColumn('new_email', 'text').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('member_tokens').dropColumn('new_email').execute()
  await db.schema.alterTable('members').dropColumn('display_name').execute()
}
