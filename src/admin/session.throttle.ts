import { sql } from 'kysely'
import type { OperatorSettings } from '../config/config.ts'
import type { Db } from '../storage/database.ts'

/**
 * The sign-in throttle: failed sign-ins counted in the database over a sliding window, per email and per
 * client address, so that several hub processes behind one load balancer count together.
 */

export type ThrottleSettings = OperatorSettings['signIn']

export interface SignInAttempt {
  readonly email: string
  readonly address: string
}

function keysOf(attempt: SignInAttempt, settings: ThrottleSettings) {
  return [
    { key: `email:${attempt.email}`, limit: settings.maxFailuresPerEmail },
    { key: `address:${attempt.address}`, limit: settings.maxFailuresPerAddress },
  ]
}

/**
 * Seconds until this attempt may be made, or undefined when it may be made now. With `limit` failures in the
 * window, the next try is allowed once the limit-th newest of them has left it.
 */
export async function signInRetryAfter(
  db: Db,
  attempt: SignInAttempt,
  settings: ThrottleSettings,
): Promise<number | undefined> {
  let wait = 0
  for (const { key, limit } of keysOf(attempt, settings)) {
    const row = await db
      .selectFrom('sign_in_failures')
      .select(
        sql<number>`extract(epoch from failed_at + make_interval(secs => ${settings.windowSeconds}::int) - now())`.as(
          'seconds',
        ),
      )
      .where('key', '=', key)
      .where('failed_at', '>', sql<Date>`now() - make_interval(secs => ${settings.windowSeconds}::int)`)
      .orderBy('failed_at', 'desc')
      .offset(limit - 1)
      .limit(1)
      .executeTakeFirst()
    if (row) wait = Math.max(wait, Number(row.seconds))
  }
  return wait > 0 ? Math.ceil(wait) : undefined
}

/** Counts one failed sign-in against its email and its address, and forgets those older than the window. */
export async function recordSignInFailure(
  db: Db,
  attempt: SignInAttempt,
  settings: ThrottleSettings,
): Promise<void> {
  await db
    .insertInto('sign_in_failures')
    .values(keysOf(attempt, settings).map(({ key }) => ({ key })))
    .execute()
  await db
    .deleteFrom('sign_in_failures')
    .where('failed_at', '<', sql<Date>`now() - make_interval(secs => ${settings.windowSeconds}::int)`)
    .execute()
}

/** A successful sign-in clears its email's failures; its address's stay (one good account must not reset them). */
export async function clearSignInFailures(db: Db, email: string): Promise<void> {
  await db.deleteFrom('sign_in_failures').where('key', '=', `email:${email}`).execute()
}
