import type { Kysely } from 'kysely'

// Accounts' lifecycle: email verification, password reset (single-use tokens, stored as hashes) and
// deletion, which keeps the row as a pseudonym (no email, no password) for records invoice law keeps.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('members')
    .addColumn('email_verified_at', 'timestamptz')
    .addColumn('deleted_at', 'timestamptz')
    .execute()
  await db.schema
    .alterTable('members')
    .alterColumn('email', (c) => c.dropNotNull())
    .execute()
  await db.schema
    .alterTable('members')
    .alterColumn('password_hash', (c) => c.dropNotNull())
    .execute()
  await db.schema
    .createTable('member_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('member_id', 'text', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('member_tokens_member').on('member_tokens').column('member_id').execute()
  await db.schema.createIndex('member_sessions_member').on('member_sessions').column('member_id').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('member_sessions_member').execute()
  await db.schema.dropTable('member_tokens').execute()
  await db.schema.alterTable('members').dropColumn('deleted_at').dropColumn('email_verified_at').execute()
}
