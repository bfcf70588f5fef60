import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Db } from '../storage/database.ts'
import type { Database, OperatorRole, OperatorRow } from '../storage/tables.ts'

/** What the admin API shows of an operator: never the password hash. */
export type OperatorView = Pick<OperatorRow, 'id' | 'email' | 'role' | 'created_at' | 'updated_at'>

const VIEW_COLUMNS = ['id', 'email', 'role', 'created_at', 'updated_at'] as const

/** A new operator; undefined when the email is taken. */
export async function insertOperator(
  db: Kysely<Database>,
  operator: { email: string; role: OperatorRole; passwordHash: string },
): Promise<OperatorView | undefined> {
  return db
    .insertInto('operators')
    .values({
      id: randomUUID(),
      email: operator.email,
      role: operator.role,
      password_hash: operator.passwordHash,
    })
    .onConflict((oc) => oc.column('email').doNothing())
    .returning(VIEW_COLUMNS)
    .executeTakeFirst()
}

export async function listOperators(db: Db): Promise<OperatorView[]> {
  return db.selectFrom('operators').select(VIEW_COLUMNS).orderBy('created_at').orderBy('id').execute()
}

export async function findOperatorByEmail(db: Db, email: string): Promise<OperatorRow | undefined> {
  return db.selectFrom('operators').selectAll().where('email', '=', email).executeTakeFirst()
}

/**
 * The admin operators, locked until the transaction ends: two requests that each remove a different admin
 * cannot both see another one left.
 */
export async function lockAdminOperators(trx: Kysely<Database>): Promise<string[]> {
  const rows = await trx
    .selectFrom('operators')
    .select('id')
    .where('role', '=', 'admin')
    .forUpdate()
    .execute()
  return rows.map((row) => row.id)
}

export async function findOperatorForUpdate(
  trx: Kysely<Database>,
  id: string,
): Promise<OperatorView | undefined> {
  return trx.selectFrom('operators').select(VIEW_COLUMNS).where('id', '=', id).forUpdate().executeTakeFirst()
}

export async function updateOperator(
  trx: Kysely<Database>,
  id: string,
  change: { role?: OperatorRole | undefined; passwordHash?: string | undefined },
): Promise<OperatorView> {
  return trx
    .updateTable('operators')
    .set({
      ...(change.role ? { role: change.role } : {}),
      ...(change.passwordHash ? { password_hash: change.passwordHash } : {}),
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .returning(VIEW_COLUMNS)
    .executeTakeFirstOrThrow()
}

/** Replaces a stored hash with one of today's parameters, unless the password changed meanwhile. */
export async function replacePasswordHash(db: Db, id: string, from: string, to: string): Promise<void> {
  await db
    .updateTable('operators')
    .set({ password_hash: to })
    .where('id', '=', id)
    .where('password_hash', '=', from)
    .execute()
}

/** Deletes the operator; its sessions go with it (foreign key, on delete cascade). */
export async function deleteOperator(trx: Kysely<Database>, id: string): Promise<void> {
  await trx.deleteFrom('operators').where('id', '=', id).execute()
}
