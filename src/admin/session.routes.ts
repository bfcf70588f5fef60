import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { generateToken, hashToken } from '../core/tokens.ts'
import type { HubContext } from '../hub-context.ts'
import type { OperatorRow } from '../storage/tables.ts'
import {
  auditAdminEvent,
  csrfTokenOf,
  logAdminChange,
  operatorIdOf,
  SESSION_COOKIE,
  type OperatorSession,
} from './admin-auth.ts'
import { AdminError } from './admin-errors.ts'
import { hashPassword, needsRehash, verifyPassword } from './operators.passwords.ts'
import { normalizeEmail, SignInRequest } from './operators.schema.ts'
import { findOperatorByEmail, replacePasswordHash } from './operators.store.ts'
import { createSession, deleteExpiredSessions, deleteSession, type SessionOperator } from './session.store.ts'
import {
  clearSignInFailures,
  recordSignInFailure,
  signInRetryAfter,
  type SignInAttempt,
} from './session.throttle.ts'

function sessionView(operator: SessionOperator, csrfToken: string) {
  return { operator: { id: operator.id, email: operator.email, role: operator.role }, csrf_token: csrfToken }
}

/** Secure whenever the browser reached the hub over HTTPS, directly or through a trusted proxy. */
function cookieOptions(request: FastifyRequest) {
  return { httpOnly: true, sameSite: 'strict', path: '/', secure: request.protocol === 'https' } as const
}

/**
 * A wrong email or password: counted for the throttle, audited, logged, answered 401 (the same for both).
 * What was typed as the email is named in the log and the audit log only when it is an operator's: an
 * unknown one may be a password typed into the wrong field.
 */
async function refuseSignIn(
  context: HubContext,
  request: FastifyRequest,
  attempt: SignInAttempt,
  knownOperator: boolean,
): Promise<never> {
  await recordSignInFailure(context.db, attempt, context.config.operators.signIn)
  const target = knownOperator ? operatorIdOf(attempt.email) : null
  auditAdminEvent(request, 'sign-in-failed', { target, known_operator: knownOperator })
  request.log.info({ operator: target, knownOperator }, 'sign-in failed: wrong email or password')
  throw new AdminError('ADMIN_UNAUTHORIZED', 'wrong email or password')
}

/** A new session for an operator whose password matched; returns the token for the cookie. */
async function openSession(
  context: HubContext,
  request: FastifyRequest,
  operator: OperatorRow,
  password: string,
): Promise<string> {
  await clearSignInFailures(context.db, operator.email)
  if (needsRehash(operator.password_hash)) {
    const rehashed = await hashPassword(password)
    await replacePasswordHash(context.db, operator.id, operator.password_hash, rehashed)
  }
  // The session this browser had, if any, is replaced rather than left to expire.
  const previous = request.cookies[SESSION_COOKIE]
  if (previous) await deleteSession(context.db, hashToken(previous))
  await deleteExpiredSessions(context.db, context.config.operators)
  const token = generateToken()
  await createSession(context.db, {
    tokenHash: hashToken(token),
    operatorId: operator.id,
    remoteAddress: request.ip,
  })
  request.adminId = operatorIdOf(operator.email)
  request.adminRole = operator.role
  logAdminChange(request, 'sign-in', { target: operatorIdOf(operator.email) })
  return token
}

/** Signing in and out with email and password: the `hub_session` cookie and its CSRF token. */
const SESSION = ['Admin · session']

export async function sessionRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()

  routes.post(
    '/session',
    {
      schema: {
        summary: 'Sign an operator in: sets the hub_session cookie',
        tags: SESSION,
        body: SignInRequest,
      },
      config: { adminAccess: 'public' },
    },
    async (request, reply) => {
      // Login CSRF: a page of another site must not sign the browser in to an account of its choosing.
      // Browsers say where a request comes from; other clients send no such header.
      if (request.headers['sec-fetch-site'] === 'cross-site')
        throw new AdminError('ADMIN_FORBIDDEN', 'sign-in from a page of another site')
      const attempt = { email: normalizeEmail(request.body.email), address: request.ip }
      // Before the password is looked at: a throttled guess learns nothing, even when it is right.
      const retryAfter = await signInRetryAfter(context.db, attempt, context.config.operators.signIn)
      if (retryAfter !== undefined) {
        request.log.warn(
          { address: request.ip, retryAfterSeconds: retryAfter },
          'sign-in throttled: too many failures',
        )
        reply.header('retry-after', String(retryAfter))
        throw new AdminError('ADMIN_THROTTLED', `too many failed sign-ins: try again in ${retryAfter} s`)
      }
      const operator = await findOperatorByEmail(context.db, attempt.email)
      // Without such an operator the password is hashed all the same: the answer takes as long either way.
      const matches = await verifyPassword(request.body.password, operator?.password_hash)
      if (!operator || !matches) return refuseSignIn(context, request, attempt, operator !== undefined)
      const token = await openSession(context, request, operator, request.body.password)
      reply.setCookie(SESSION_COOKIE, token, cookieOptions(request))
      return sessionView(operator, csrfTokenOf(token))
    },
  )

  routes.get(
    '/session',
    {
      schema: { summary: "The signed-in operator and the session's CSRF token", tags: SESSION },
      config: { adminAccess: 'own-session' },
    },
    async (request) => {
      const session = request.operatorSession
      if (!session)
        throw new AdminError('ADMIN_UNAUTHORIZED', 'no operator session: sign in (POST /admin/session)')
      return sessionView(session.operator, session.csrfToken)
    },
  )

  // Signing out of a session that already ended is no error: the cookie goes either way.
  routes.delete(
    '/session',
    {
      schema: { summary: 'Sign out: the session ends on the server', tags: SESSION },
      config: { adminAccess: 'own-session' },
    },
    async (request, reply) => {
      const session: OperatorSession | undefined = request.operatorSession
      if (session) {
        await deleteSession(context.db, session.tokenHash)
        logAdminChange(request, 'sign-out', { target: operatorIdOf(session.operator.email) })
      }
      reply.clearCookie(SESSION_COOKIE, cookieOptions(request))
      return reply.code(204).send()
    },
  )
}
