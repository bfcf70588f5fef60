import { createHmac } from 'node:crypto'
import fastifyCookie from '@fastify/cookie'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { generateToken, hashesEqual, hashToken } from '../core/tokens.ts'
import type { HubContext } from '../hub-context.ts'
import type { Db } from '../storage/database.ts'
import type { OperatorRole } from '../storage/tables.ts'
import { AdminError } from './admin-errors.ts'
import { insertAuditEntry, type AuditEntry } from './audit.store.ts'
import { resumeSession, type SessionOperator } from './session.store.ts'

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

/** The operator's session cookie (docs/admin-api.md, "Operators and sessions"). */
export const SESSION_COOKIE = 'hub_session'

/** What a caller may do: `admin` (the admin token, admin operators) changes things, `viewer` only reads. */
export type AdminRole = OperatorRole

/** A request that came with a live session cookie. */
export interface OperatorSession {
  readonly tokenHash: string
  /** The value the request must echo in X-CSRF-Token when its method changes something. */
  readonly csrfToken: string
  readonly operator: SessionOperator
}

/** The audit entries a request's changes are writing: its answer waits for them. */
interface PendingAudit {
  readonly write: (entry: AuditEntry) => Promise<void>
  readonly writes: Promise<void>[]
}

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Who the admin API caller is, in the log and the audit log: `operator:<email>`, or `admin-token:` and
     * the start of the token's hash (never the token).
     */
    adminId: string | undefined
    /** What the caller may do; routes that change something are refused to a `viewer` before they run. */
    adminRole: AdminRole | undefined
    /** Set when the caller came with the `hub_session` cookie (not with the admin token). */
    operatorSession: OperatorSession | undefined
    adminAudit: PendingAudit | undefined
  }
  interface FastifyContextConfig {
    /**
     * How the admin authentication treats the route. `public`: anyone may call it (signing in).
     * `own-session`: the route reads or ends the caller's own session; the hook refuses nobody, and a
     * viewer may call it with any method. `read`: a POST that changes nothing (a computation such as a
     * price quote), which a viewer may call like a GET.
     */
    adminAccess?: 'public' | 'own-session' | 'read'
  }
}

/** How the log names the holder of an admin token: enough to tell two tokens apart, nothing to log in with. */
export function adminIdOf(tokenHash: string): string {
  return `admin-token:${tokenHash.slice(0, 12)}`
}

/** How the log and the audit log name an operator. */
export function operatorIdOf(email: string): string {
  return `operator:${email}`
}

/**
 * The CSRF token of a session: an HMAC of the session's token, so it needs no storage, cannot be derived
 * from what the database holds, and dies with the session (docs/decisions/0010-operator-accounts.md).
 */
export function csrfTokenOf(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('hub_session csrf').digest('base64url')
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

const UNAUTHORIZED =
  'Admin API: send Authorization: Bearer <HUB_ADMIN_TOKEN>, or sign in (POST /admin/session)'

/**
 * Every /admin request: the admin token (`Authorization: Bearer`), or an operator's `hub_session` cookie. With
 * the cookie, a request that changes something must carry the session's X-CSRF-Token and come from an admin.
 */
export async function registerAdminAuthentication(
  app: FastifyInstance,
  { context, tokenHash }: { context: HubContext; tokenHash: string },
): Promise<void> {
  // The console may have registered the cookie parser for the whole server already.
  if (!app.hasRequestDecorator('cookies')) await app.register(fastifyCookie)
  app.decorateRequest('adminId', undefined)
  app.decorateRequest('adminRole', undefined)
  app.decorateRequest('operatorSession', undefined)
  app.decorateRequest('adminAudit', undefined)
  const sessionLimits = context.config.operators
  app.addHook('onRequest', async (request) => {
    request.adminAudit = {
      writes: [],
      write: (entry) =>
        insertAuditEntry(context.db, entry).catch((error: unknown) =>
          // The change itself has committed and is answered as done; the log keeps what the audit log missed.
          request.log.error({ err: error, audit: entry }, 'audit entry could not be written'),
        ),
    }
    const access = request.routeOptions.config.adminAccess
    if (access === 'public') return
    const authorization = request.headers.authorization
    if (authorization !== undefined) {
      const presented = BEARER.exec(authorization)?.[1]
      if (!presented || !hashesEqual(hashToken(presented), tokenHash))
        throw new AdminError('ADMIN_UNAUTHORIZED', UNAUTHORIZED)
      request.adminId = adminIdOf(tokenHash)
      request.adminRole = 'admin'
      return
    }
    const sessionToken = request.cookies[SESSION_COOKIE]
    const sessionHash = sessionToken ? hashToken(sessionToken) : undefined
    const operator = sessionHash ? await resumeSession(context.db, sessionHash, sessionLimits) : undefined
    if (!sessionToken || !sessionHash || !operator) {
      if (access === 'own-session') return
      throw new AdminError('ADMIN_UNAUTHORIZED', UNAUTHORIZED)
    }
    const csrfToken = csrfTokenOf(sessionToken)
    request.operatorSession = { tokenHash: sessionHash, csrfToken, operator }
    request.adminId = operatorIdOf(operator.email)
    request.adminRole = operator.role
    if (SAFE_METHODS.has(request.method)) return
    // A page of another site can make the browser send the cookie, never this header (SameSite=Strict aside).
    const presentedCsrf = request.headers['x-csrf-token']
    if (typeof presentedCsrf !== 'string' || !hashesEqual(hashToken(presentedCsrf), hashToken(csrfToken)))
      throw new AdminError(
        'ADMIN_FORBIDDEN',
        'X-CSRF-Token missing or wrong: send the csrf_token of the session',
      )
    if (operator.role !== 'admin' && access !== 'own-session' && access !== 'read')
      throw new AdminError('ADMIN_FORBIDDEN', `operator role ${operator.role} may only read`)
  })
  // The audit entries of a change are in the database before its answer leaves.
  app.addHook('onSend', async (request: FastifyRequest, _reply: FastifyReply, payload: unknown) => {
    const writes = request.adminAudit?.writes
    if (writes?.length) await Promise.all(writes)
    return payload
  })
}

/**
 * An audit entry for a change `request` made. `target` names what changed as `<kind>:<id>`: the detail
 * `target` when given, else the first detail named `<kind>Id` (`platformId: 'p1'` → `platform:p1`).
 */
export function adminChangeEntry(
  request: FastifyRequest,
  action: string,
  details: Record<string, unknown>,
): AuditEntry {
  const { target, ...rest } = details
  const idDetail = Object.entries(rest).find(
    ([key, value]) =>
      /^[a-z][A-Za-z]*Id$/.test(key) && (typeof value === 'string' || typeof value === 'number'),
  )
  return {
    actor: request.adminId ?? 'anonymous',
    action,
    target:
      typeof target === 'string'
        ? target
        : idDetail
          ? `${idDetail[0].slice(0, -2)}:${String(idDetail[1])}`
          : null,
    details: rest,
    remoteAddress: request.ip,
    requestId: request.id,
  }
}

/** Writes an audit entry for `request` without a log line; the answer waits for it. */
export function auditAdminEvent(
  request: FastifyRequest,
  action: string,
  details: Record<string, unknown>,
): void {
  const audit = request.adminAudit
  if (audit) audit.writes.push(audit.write(adminChangeEntry(request, action, details)))
}

/**
 * One line in the log and one entry in the audit log (GET /admin/audit) for every change made through the
 * admin API: who, what, to what. Call it once the change has committed. The audit entry is written right
 * after, and the answer waits for it; `auditedInTransaction`: the caller already wrote it, with
 * `adminChangeEntry`, in the change's own transaction.
 */
export function logAdminChange(
  request: FastifyRequest,
  action: string,
  details: Record<string, unknown>,
  options: { auditedInTransaction?: boolean } = {},
): void {
  request.log.info({ admin: request.adminId, action, ...details }, `admin change: ${action}`)
  if (!options.auditedInTransaction) auditAdminEvent(request, action, details)
}
