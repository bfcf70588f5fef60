import type { Kysely } from 'kysely'

// One account per person, who may list chargers (an owner) and charge (a driver): owners become members.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('owners').renameTo('members').execute()
  await db.schema.alterTable('owner_sessions').renameTo('member_sessions').execute()
  await db.schema.alterTable('member_sessions').renameColumn('owner_id', 'member_id').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('member_sessions').renameColumn('member_id', 'owner_id').execute()
  await db.schema.alterTable('member_sessions').renameTo('owner_sessions').execute()
  await db.schema.alterTable('members').renameTo('owners').execute()
}
