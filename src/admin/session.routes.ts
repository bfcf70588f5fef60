import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { generateToken, hashToken } from '../core/tokens.ts'
import type { HubContext } from '../hub-context.ts'
import {
  csrfTokenOf,
  logAdminChange,
  operatorIdOf,
  SESSION_COOKIE,
  type OperatorSession,
} from './admin-auth.ts'
import { AdminError } from './admin-errors.ts'
import { verifyPassword } from './operators.passwords.ts'
import { normalizeEmail, SignInRequest } from './operators.schema.ts'
import { findOperatorByEmail } from './operators.store.ts'
import { insertAuditEntry } from './audit.store.ts'
import { createSession, deleteExpiredSessions, deleteSession, type SessionOperator } from './session.store.ts'
import { clearSignInFailures, recordSignInFailure, signInRetryAfter } from './session.throttle.ts'

function sessionView(operator: SessionOperator, csrfToken: string) {
  return { operator: { id: operator.id, email: operator.email, role: operator.role }, csrf_token: csrfToken }
}

/** Secure whenever the browser reached the hub over HTTPS, directly or through a trusted proxy. */
function cookieOptions(request: FastifyRequest) {
  return { httpOnly: true, sameSite: 'strict', path: '/', secure: request.protocol === 'https' } as const
}

/** Signing in and out with email and password: the `hub_session` cookie and its CSRF token. */
export async function sessionRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const settings = context.config.operators

  routes.post(
    '/session',
    { schema: { body: SignInRequest }, config: { adminAccess: 'public' } },
    async (request, reply) => {
      const email = normalizeEmail(request.body.email)
      const attempt = { email, address: request.ip }
      const retryAfter = await signInRetryAfter(context.db, attempt, settings.signIn)
      if (retryAfter !== undefined) {
        request.log.warn({ email, retryAfterSeconds: retryAfter }, 'sign-in throttled: too many failures')
        reply.header('retry-after', String(retryAfter))
        throw new AdminError('ADMIN_THROTTLED', `too many failed sign-ins: try again in ${retryAfter} s`)
      }
      const operator = await findOperatorByEmail(context.db, email)
      if (!(await verifyPassword(request.body.password, operator?.password_hash))) {
        await recordSignInFailure(context.db, attempt, settings.signIn)
        await insertAuditEntry(context.db, {
          actor: 'anonymous',
          action: 'sign-in-failed',
          target: operatorIdOf(email),
          details: {},
          remoteAddress: request.ip,
          requestId: request.id,
        })
        request.log.info({ email }, 'sign-in failed: wrong email or password')
        throw new AdminError('ADMIN_UNAUTHORIZED', 'wrong email or password')
      }
      await clearSignInFailures(context.db, email)
      await deleteExpiredSessions(context.db, settings)
      const token = generateToken()
      await createSession(context.db, {
        tokenHash: hashToken(token),
        operatorId: operator!.id,
        remoteAddress: request.ip,
      })
      request.adminId = operatorIdOf(email)
      request.adminRole = operator!.role
      logAdminChange(request, 'sign-in', { target: operatorIdOf(email) })
      reply.setCookie(SESSION_COOKIE, token, cookieOptions(request))
      return sessionView(operator!, csrfTokenOf(token))
    },
  )

  routes.get('/session', { config: { adminAccess: 'own-session' } }, async (request) => {
    const session = request.operatorSession
    if (!session)
      throw new AdminError('ADMIN_UNAUTHORIZED', 'no operator session: sign in (POST /admin/session)')
    return sessionView(session.operator, session.csrfToken)
  })

  // Signing out of a session that already ended is no error: the cookie goes either way.
  routes.delete('/session', { config: { adminAccess: 'own-session' } }, async (request, reply) => {
    const session: OperatorSession | undefined = request.operatorSession
    if (session) {
      await deleteSession(context.db, session.tokenHash)
      logAdminChange(request, 'sign-out', { target: operatorIdOf(session.operator.email) })
    }
    reply.clearCookie(SESSION_COOKIE, cookieOptions(request))
    return reply.code(204).send()
  })
}
