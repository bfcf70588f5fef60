import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { EmailTaken, type Accounts, type Owner } from './accounts.ts'
import { Listing, ListingDetails, ListingId } from './listing.schema.ts'
import type { Listings } from './listings.ts'

export const SESSION_COOKIE = 'marketplace_session'

const Credentials = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    password: Type.String({ minLength: 10, maxLength: 200 }),
  },
  { additionalProperties: false },
)
const OwnerView = Type.Object({ id: Type.String(), email: Type.String() })
const Problem = Type.Object({ error: Type.String(), message: Type.String() })

/** The owners' API: accounts (email and password, an HttpOnly session cookie) and their listings. */
export function ownerRoutes(
  accounts: Accounts,
  listings: Listings,
  options: { readonly secureCookie: boolean },
): FastifyPluginAsyncTypebox {
  return async (app) => {
    async function signedIn(reply: FastifyReply, owner: Owner) {
      const session = await accounts.openSession(owner.id)
      void reply.setCookie(SESSION_COOKIE, session.token, {
        httpOnly: true,
        sameSite: 'lax',
        secure: options.secureCookie,
        path: '/',
        expires: session.expiresAt,
      })
    }

    /** The signed-in owner, or a 401 already sent. */
    async function ownerOf(request: FastifyRequest, reply: FastifyReply): Promise<Owner | undefined> {
      const token = request.cookies[SESSION_COOKIE]
      const owner = token === undefined ? undefined : await accounts.ownerOfSession(token)
      if (!owner)
        void reply
          .code(401)
          .send({ error: 'Unauthorized', message: 'Sign in first: no valid session cookie' })
      return owner
    }

    app.post(
      '/owners',
      {
        schema: {
          summary: 'Signs an owner up and in',
          body: Credentials,
          response: { 201: OwnerView, 409: Problem },
        },
      },
      async (request, reply) => {
        try {
          const owner = await accounts.signUp(request.body.email, request.body.password)
          await signedIn(reply, owner)
          return reply.code(201).send(owner)
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
          summary: 'Signs an owner in',
          body: Credentials,
          response: { 200: OwnerView, 401: Problem },
        },
      },
      async (request, reply) => {
        const owner = await accounts.signIn(request.body.email, request.body.password)
        if (!owner)
          return reply.code(401).send({ error: 'Unauthorized', message: 'Unknown email or wrong password' })
        await signedIn(reply, owner)
        return owner
      },
    )

    app.get(
      '/listings',
      { schema: { summary: "The signed-in owner's listings", response: { 200: Type.Array(Listing) } } },
      async (request, reply) => {
        const owner = await ownerOf(request, reply)
        return owner && listings.ofOwner(owner.id)
      },
    )

    app.post(
      '/listings',
      {
        schema: {
          summary: 'Lists a charger and sends it to the hub',
          body: ListingDetails,
          response: { 201: Listing },
        },
      },
      async (request, reply) => {
        const owner = await ownerOf(request, reply)
        if (!owner) return reply
        return reply.code(201).send(await listings.create(owner.id, request.body))
      },
    )

    app.put(
      '/listings/:id',
      {
        schema: {
          summary: 'Changes a listing and sends it to the hub again',
          params: ListingId,
          body: ListingDetails,
          response: { 200: Listing, 404: Problem },
        },
      },
      async (request, reply) => {
        const owner = await ownerOf(request, reply)
        if (!owner) return reply
        const listing = await listings.update(owner.id, request.params.id, request.body)
        if (!listing)
          return reply
            .code(404)
            .send({ error: 'Not Found', message: `You have no listing ${request.params.id}` })
        return listing
      },
    )
  }
}
