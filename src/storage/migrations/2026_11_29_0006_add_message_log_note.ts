import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // What the hub changed in a message on its way (converted to the receiver's OCPI version, and what that
  // version could not carry), so an operator sees why a receiver got less than the sender sent.
  await sql`alter table message_log add column note text`.execute(db)
}
