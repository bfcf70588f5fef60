import type { FastifyInstance, FastifyRequest } from 'fastify'
import { generateToken, hashesEqual, hashToken } from '../core/tokens.ts'
import type { Db } from '../storage/database.ts'
import { AdminError } from './admin-errors.ts'

const ADMIN_TOKEN_SETTING = 'admin_token_hash'

export interface AdminToken {
  readonly hash: string
  /** Set only on the start that generated the token: the one time it can be shown. */
  readonly generated?: string
}

/**
 * The admin token: HUB_ADMIN_TOKEN when configured; otherwise the one generated on first start, of
 * which only the hash is stored.
 */
export async function prepareAdminToken(db: Db, configured: string | undefined): Promise<AdminToken> {
  if (configured) return { hash: hashToken(configured) }
  const stored = await db
    .selectFrom('hub_settings')
    .select('value')
    .where('key', '=', ADMIN_TOKEN_SETTING)
    .executeTakeFirst()
  if (stored) return { hash: stored.value }
  const generated = generateToken()
  const inserted = await db
    .insertInto('hub_settings')
    .values({ key: ADMIN_TOKEN_SETTING, value: hashToken(generated) })
    .onConflict((oc) => oc.column('key').doNothing())
    .returning('value')
    .executeTakeFirst()
  // Another process sharing the database generated one first: use that.
  if (!inserted) return prepareAdminToken(db, configured)
  return { hash: inserted.value, generated }
}

const BEARER = /^Bearer[ ]+(\S+)\s*$/i

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the admin API caller is in the log: the start of its token's hash, never the token. */
    adminId: string | undefined
  }
}

/** How the log names the holder of an admin token: enough to tell two tokens apart, nothing to log in with. */
export function adminIdOf(tokenHash: string): string {
  return `admin-token:${tokenHash.slice(0, 12)}`
}

export function registerAdminAuthentication(app: FastifyInstance, tokenHash: string): void {
  app.decorateRequest('adminId', undefined)
  app.addHook('onRequest', async (request) => {
    const presented = BEARER.exec(request.headers.authorization ?? '')?.[1]
    if (!presented || !hashesEqual(hashToken(presented), tokenHash)) {
      throw new AdminError('ADMIN_UNAUTHORIZED', 'Admin API: send Authorization: Bearer <HUB_ADMIN_TOKEN>')
    }
    request.adminId = adminIdOf(tokenHash)
  })
}

/** One line in the log for every change made through the admin API: who, what, to which platform. */
export function logAdminChange(
  request: FastifyRequest,
  action: string,
  details: Record<string, unknown>,
): void {
  request.log.info({ admin: request.adminId, action, ...details }, `admin change: ${action}`)
}
