import { sql, type Kysely } from 'kysely'
import type { OperatorSettings } from '../config/config.ts'
import type { Db } from '../storage/database.ts'
import type { Database, OperatorRole } from '../storage/tables.ts'

/**
 * Operators' sessions in the database, so every hub process sharing it knows them. Keyed by the SHA-256 of
 * the cookie's token. Times are the database's: the processes' clocks never need to agree.
 */

export interface SessionOperator {
  readonly id: string
  readonly email: string
  readonly role: OperatorRole
}

/** How long a session lives: since its last request (idle) and since sign-in (absolute). */
export type SessionLimits = Pick<OperatorSettings, 'sessionIdleMinutes' | 'sessionMaxAgeHours'>

/** last_seen_at is written at most this often: a console polling every second costs no write each time. */
const TOUCH_AFTER_SECONDS = 60

function isAlive(limits: SessionLimits) {
  return sql<boolean>`operator_sessions.last_seen_at > now() - make_interval(mins => ${limits.sessionIdleMinutes}::int)
    and operator_sessions.created_at > now() - make_interval(hours => ${limits.sessionMaxAgeHours}::int)`
}

export async function createSession(
  db: Db,
  session: { tokenHash: string; operatorId: string; remoteAddress: string },
): Promise<void> {
  await db
    .insertInto('operator_sessions')
    .values({
      token_hash: session.tokenHash,
      operator_id: session.operatorId,
      remote_address: session.remoteAddress,
    })
    .execute()
}

/** The operator of a live session, its last request noted; undefined when there is none or it expired. */
export async function resumeSession(
  db: Db,
  tokenHash: string,
  limits: SessionLimits,
): Promise<SessionOperator | undefined> {
  const row = await db
    .selectFrom('operator_sessions')
    .innerJoin('operators', 'operators.id', 'operator_sessions.operator_id')
    .select([
      'operators.id',
      'operators.email',
      'operators.role',
      sql<boolean>`operator_sessions.last_seen_at < now() - make_interval(secs => ${TOUCH_AFTER_SECONDS}::int)`.as(
        'stale',
      ),
    ])
    .where('operator_sessions.token_hash', '=', tokenHash)
    .where(isAlive(limits))
    .executeTakeFirst()
  if (!row) return undefined
  if (row.stale)
    await db
      .updateTable('operator_sessions')
      .set({ last_seen_at: sql`now()` })
      .where('token_hash', '=', tokenHash)
      .execute()
  return { id: row.id, email: row.email, role: row.role }
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db.deleteFrom('operator_sessions').where('token_hash', '=', tokenHash).execute()
}

/** Signs the operator out everywhere but `keepTokenHash` (its own session, when it changed its password). */
export async function deleteSessionsOf(
  trx: Kysely<Database>,
  operatorId: string,
  keepTokenHash: string | undefined,
): Promise<void> {
  await trx
    .deleteFrom('operator_sessions')
    .where('operator_id', '=', operatorId)
    .$if(keepTokenHash !== undefined, (query) => query.where('token_hash', '!=', keepTokenHash!))
    .execute()
}

/** Expired sessions are only refused by resumeSession: this removes them (run on each sign-in). */
export async function deleteExpiredSessions(db: Db, limits: SessionLimits): Promise<void> {
  await db
    .deleteFrom('operator_sessions')
    .where((eb) => eb.not(isAlive(limits)))
    .execute()
}
