import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
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

/** Accounts: sign up and sign in with email and password; the session travels in an HttpOnly cookie. */
export function accountRoutes(
  accounts: Accounts,
  options: { readonly secureCookie: boolean },
): FastifyPluginAsyncTypebox {
  return async (app) => {
    async function signedIn(reply: FastifyReply, member: Member) {
      const session = await accounts.openSession(member.id)
      void reply.setCookie(SESSION_COOKIE, session.token, {
        httpOnly: true,
        sameSite: 'lax',
        secure: options.secureCookie,
        path: '/',
        expires: session.expiresAt,
      })
    }

    app.post(
      '/members',
      {
        schema: {
          summary: 'Signs a member (owner, driver or both) up and in',
          body: Credentials,
          response: { 201: MemberView, 409: Problem },
        },
      },
      async (request, reply) => {
        try {
          const member = await accounts.signUp(request.body.email, request.body.password)
          await signedIn(reply, member)
          return reply.code(201).send(member)
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
        schema: {
          summary: 'Signs a member in',
          body: Credentials,
          response: { 200: MemberView, 401: Problem },
        },
      },
      async (request, reply) => {
        const member = await accounts.signIn(request.body.email, request.body.password)
        if (!member)
          return reply.code(401).send({ error: 'Unauthorized', message: 'Unknown email or wrong password' })
        await signedIn(reply, member)
        return member
      },
    )
  }
}
