import fastifyRateLimit from '@fastify/rate-limit'
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyContextConfig, FastifyReply, FastifyRequest } from 'fastify'
import { Problem } from '../problem.schema.ts'
import { EmailTaken, type Accounts, type Member } from './accounts.ts'

export const SESSION_COOKIE = 'marketplace_session'

const Credentials = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    password: Type.String({ minLength: 10, maxLength: 200 }),
  },
  { additionalProperties: false },
)
const MemberView = Type.Object({ id: Type.String(), email: Type.String() })
const SignedUp = Type.Object({
  ...MemberView.properties,
  confirmation_mailed: Type.Boolean({
    description: 'false when the mail to confirm the address could not be sent: ask for another later',
  }),
})
const Profile = Type.Object({
  id: Type.String(),
  email: Type.String(),
  display_name: Type.Union([Type.String(), Type.Null()], { description: 'null: none given' }),
  email_verified: Type.Boolean(),
  pending_email: Type.Union([Type.String(), Type.Null()], {
    description: 'The new address a change of email waits to have confirmed; null: none',
  }),
  created_at: Type.String({ format: 'date-time' }),
})
const ProfileChange = Type.Object(
  {
    display_name: Type.Union([Type.String({ maxLength: 100 }), Type.Null()], {
      description: 'The name the member goes by; empty or null removes it',
    }),
  },
  { additionalProperties: false },
)
const EmailChangeRequest = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254, description: 'The new address' }),
    password: Type.String({ minLength: 1, maxLength: 200, description: 'The current password' }),
  },
  { additionalProperties: false },
)
const EmailChangeRequested = Type.Object({
  message: Type.String(),
  confirmation_mailed: Type.Boolean({
    description: 'false when the mail to the new address could not be sent: ask again later',
  }),
})
const Email = Type.Object(
  { email: Type.String({ format: 'email', maxLength: 254 }) },
  { additionalProperties: false },
)
const MailToken = Type.String({ minLength: 1, maxLength: 64, description: 'The code of the mail' })
const PasswordReset = Type.Object(
  { token: MailToken, password: Type.String({ minLength: 10, maxLength: 200 }) },
  { additionalProperties: false },
)
const PasswordConfirmation = Type.Object(
  { password: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
)
const PersonalDataExport = Type.Object(
  {
    exported_at: Type.String({ format: 'date-time' }),
    account: Profile,
    sessions: Type.Array(Type.Object({ expires_at: Type.String({ format: 'date-time' }) })),
  },
  { additionalProperties: true, description: "Every part's data under its own key (listings, …)" },
)
const Accepted = Type.Object({ message: Type.String() })
const TOKEN_REFUSED = {
  error: 'Bad Request',
  message: 'token: this code is unknown, used already or expired; ask for a new mail',
}

/** The signed-in member of a request, or undefined with a 401 already sent: every member route starts here. */
export type SignedInMember = (request: FastifyRequest, reply: FastifyReply) => Promise<Member | undefined>

export function signedInMember(accounts: Accounts): SignedInMember {
  return async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE]
    const member = token === undefined ? undefined : await accounts.memberOfSession(token)
    if (!member)
      void reply.code(401).send({ error: 'Unauthorized', message: 'Sign in first: no valid session cookie' })
    return member
  }
}

/**
 * Accounts: sign up, in and out with email and password (the session travels in an HttpOnly cookie),
 * email verification and password reset by mail, and the member's own data: export and deletion. Sign-up,
 * sign-in and the mail codes are rate-limited per address (`authRateLimitPerMinute`; 0: off).
 */
export function accountRoutes(
  accounts: Accounts,
  options: { readonly secureCookie: boolean; readonly authRateLimitPerMinute: number },
): FastifyPluginAsyncTypebox {
  return async (app) => {
    const signedIn = signedInMember(accounts)
    await app.register(fastifyRateLimit, {
      global: false,
      errorResponseBuilder: (_request, context) => ({
        statusCode: 429,
        name: 'Too Many Requests',
        message: `Too many attempts from this address: try again in ${context.after}`,
      }),
    })
    const limited: FastifyContextConfig =
      options.authRateLimitPerMinute > 0
        ? { rateLimit: { max: options.authRateLimitPerMinute, timeWindow: 60_000 } }
        : {}
    const cookieOptions = {
      httpOnly: true,
      sameSite: 'lax',
      secure: options.secureCookie,
      path: '/',
    } as const

    async function startSession(reply: FastifyReply, member: Member) {
      const session = await accounts.openSession(member.id)
      void reply.setCookie(SESSION_COOKIE, session.token, { ...cookieOptions, expires: session.expiresAt })
    }

    app.post(
      '/members',
      {
        config: limited,
        schema: {
          summary:
            'Signs a member (owner, driver or both) up and in, and mails a link to confirm the address',
          tags: ['Accounts'],
          body: Credentials,
          response: { 201: SignedUp, 409: Problem, 429: Problem },
        },
      },
      async (request, reply) => {
        try {
          const { member, mailFailure } = await accounts.signUp(request.body.email, request.body.password)
          if (mailFailure)
            request.log.error(
              { err: mailFailure, memberId: member.id },
              'the mail to confirm a new address could not be sent',
            )
          await startSession(reply, member)
          return reply.code(201).send({ ...member, confirmation_mailed: !mailFailure })
        } catch (error) {
          if (error instanceof EmailTaken)
            return reply.code(409).send({ error: 'Conflict', message: error.message })
          throw error
        }
      },
    )

    app.post(
      '/sessions',
      {
        config: limited,
        schema: {
          summary: 'Signs a member in',
          tags: ['Accounts'],
          body: Credentials,
          response: { 200: MemberView, 401: Problem, 429: Problem },
        },
      },
      async (request, reply) => {
        const member = await accounts.signIn(request.body.email, request.body.password)
        if (!member)
          return reply.code(401).send({ error: 'Unauthorized', message: 'Unknown email or wrong password' })
        await startSession(reply, member)
        return member
      },
    )

    app.delete(
      '/sessions/current',
      {
        schema: {
          summary: 'Signs out: the session cookie no longer opens anything',
          tags: ['Accounts'],
          response: { 204: Type.Null(), 401: Problem },
        },
      },
      async (request, reply) => {
        const member = await signedIn(request, reply)
        if (!member) return reply
        await accounts.closeSession(request.cookies[SESSION_COOKIE]!)
        return reply.clearCookie(SESSION_COOKIE, cookieOptions).code(204).send(null)
      },
    )

    app.get(
      '/me',
      {
        schema: {
          summary: "The signed-in member's account",
          tags: ['Accounts'],
          response: { 200: Profile, 401: Problem },
        },
      },
      async (request, reply) => {
        const member = await signedIn(request, reply)
        return member && accounts.profile(member)
      },
    )

    app.patch(
      '/me',
      {
        schema: {
          summary: "Changes the signed-in member's display name",
          tags: ['Accounts'],
          body: ProfileChange,
          response: { 200: Profile, 400: Problem, 401: Problem },
        },
      },
      async (request, reply) => {
        const member = await signedIn(request, reply)
        if (!member) return reply
        await accounts.setDisplayName(member, request.body.display_name)
        return accounts.profile(member)
      },
    )

    app.post(
      '/me/email-change',
      {
        config: limited,
        schema: {
          summary:
            'Mails a code to a new address (the current password confirms the request); the address changes when it is confirmed',
          tags: ['Accounts'],
          body: EmailChangeRequest,
          response: {
            202: EmailChangeRequested,
            400: Problem,
            401: Problem,
            403: Problem,
            409: Problem,
            429: Problem,
          },
        },
      },
      async (request, reply) => {
        const member = await signedIn(request, reply)
        if (!member) return reply
        let requested: Awaited<ReturnType<Accounts['requestEmailChange']>>
        try {
          requested = await accounts.requestEmailChange(member, request.body.email, request.body.password)
        } catch (error) {
          if (error instanceof EmailTaken)
            return reply.code(409).send({ error: 'Conflict', message: `email: ${error.message}` })
          throw error
        }
        if (!requested)
          return reply
            .code(403)
            .send({ error: 'Forbidden', message: 'password: wrong password; the address stays as it is' })
        if (requested.mailFailure) {
          request.log.error(
            { err: requested.mailFailure, memberId: member.id },
            'the mail to confirm a new address could not be sent',
          )
          return reply.code(202).send({
            message: `The mail to ${requested.newEmail} could not be sent just now: ask again later; the address stays ${member.email}`,
            confirmation_mailed: false,
          })
        }
        request.log.info({ memberId: member.id }, 'a change of email address was asked for')
        return reply.code(202).send({
          message: `A mail with a confirmation link is on its way to ${requested.newEmail}; the address stays ${member.email} until it is confirmed`,
          confirmation_mailed: true,
        })
      },
    )

    app.post(
      '/email-changes',
      {
        config: limited,
        schema: {
          summary: 'Moves an account to its new address with the code mailed there; the old address is told',
          tags: ['Accounts'],
          body: Type.Object({ token: MailToken }, { additionalProperties: false }),
          response: { 204: Type.Null(), 400: Problem, 409: Problem, 429: Problem },
        },
      },
      async (request, reply) => {
        let change: Awaited<ReturnType<Accounts['confirmEmailChange']>>
        try {
          change = await accounts.confirmEmailChange(request.body.token)
        } catch (error) {
          if (error instanceof EmailTaken)
            return reply.code(409).send({ error: 'Conflict', message: `email: ${error.message}` })
          throw error
        }
        if (!change) return reply.code(400).send(TOKEN_REFUSED)
        request.log.info({ memberId: change.memberId }, 'a member changed their email address')
        try {
          await accounts.noticeEmailChanged(change)
        } catch (error) {
          // The change stands: the notice is a courtesy to the old address, not a condition.
          request.log.error(
            { err: error, memberId: change.memberId },
            'the notice of a changed address could not be mailed to the old address',
          )
        }
        return reply.code(204).send(null)
      },
    )

    app.post(
      '/me/email-verification',
      {
        config: limited,
        schema: {
          summary: 'Mails a new link to confirm the address',
          tags: ['Accounts'],
          response: { 202: Accepted, 401: Problem, 409: Problem, 429: Problem, 503: Problem },
        },
      },
      async (request, reply) => {
        const member = await signedIn(request, reply)
        if (!member) return reply
        if ((await accounts.profile(member)).email_verified)
          return reply.code(409).send({ error: 'Conflict', message: `${member.email} is confirmed already` })
        try {
          await accounts.sendEmailVerification(member)
        } catch (error) {
          request.log.error(
            { err: error, memberId: member.id },
            'the mail to confirm an address could not be sent',
          )
          return reply.code(503).send({
            error: 'Service Unavailable',
            message: 'The mail could not be sent just now: try again later',
          })
        }
        return reply.code(202).send({ message: `A new link is on its way to ${member.email}` })
      },
    )

    app.post(
      '/email-verifications',
      {
        config: limited,
        schema: {
          summary: "Confirms a member's address with the code of the mail",
          tags: ['Accounts'],
          body: Type.Object({ token: MailToken }, { additionalProperties: false }),
          response: { 204: Type.Null(), 400: Problem, 429: Problem },
        },
      },
      async (request, reply) => {
        if (!(await accounts.verifyEmail(request.body.token))) return reply.code(400).send(TOKEN_REFUSED)
        return reply.code(204).send(null)
      },
    )

    app.post(
      '/password-reset-requests',
      {
        config: limited,
        schema: {
          summary:
            'Mails a password reset code when the address has an account (the answer is the same if not)',
          tags: ['Accounts'],
          body: Email,
          response: { 202: Accepted, 429: Problem },
        },
      },
      async (request, reply) => {
        await accounts.requestPasswordReset(request.body.email)
        return reply
          .code(202)
          .send({ message: 'If the address has an account, a mail with a reset code is on its way' })
      },
    )

    app.post(
      '/password-resets',
      {
        config: limited,
        schema: {
          summary: "Sets a new password with the mail's code and signs the member out everywhere",
          tags: ['Accounts'],
          body: PasswordReset,
          response: { 204: Type.Null(), 400: Problem, 429: Problem },
        },
      },
      async (request, reply) => {
        if (!(await accounts.resetPassword(request.body.token, request.body.password)))
          return reply.code(400).send(TOKEN_REFUSED)
        return reply.code(204).send(null)
      },
    )

    app.get(
      '/me/export',
      {
        schema: {
          summary: "All of the signed-in member's personal data, as JSON",
          tags: ['Accounts'],
          response: { 200: PersonalDataExport, 401: Problem },
        },
      },
      async (request, reply) => {
        const member = await signedIn(request, reply)
        if (!member) return reply
        return reply
          .header('content-disposition', 'attachment; filename="my-marketplace-data.json"')
          .send(await accounts.exportOf(member))
      },
    )

    app.delete(
      '/me',
      {
        schema: {
          summary:
            'Deletes the account (the password confirms it): personal data erased, invoice records pseudonymised',
          tags: ['Accounts'],
          body: PasswordConfirmation,
          response: { 204: Type.Null(), 401: Problem, 403: Problem },
        },
      },
      async (request, reply) => {
        const member = await signedIn(request, reply)
        if (!member) return reply
        if (!(await accounts.deleteAccount(member, request.body.password)))
          return reply
            .code(403)
            .send({ error: 'Forbidden', message: 'password: wrong password; the account stays' })
        return reply.clearCookie(SESSION_COOKIE, cookieOptions).code(204).send(null)
      },
    )
  }
}
