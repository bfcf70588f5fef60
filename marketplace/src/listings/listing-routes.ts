import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { SignedInMember } from '../accounts/account-routes.ts'
import { Problem } from '../problem.schema.ts'
import { Listing, ListingDetails, ListingId } from './listing.schema.ts'
import type { Listings } from './listings.ts'
import { pricesProblem } from './ocpi-objects.ts'

/** An owner's listings: each one a charger sent to the hub as a Location with its Tariff. */
export function listingRoutes(listings: Listings, signedIn: SignedInMember): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/listings',
      { schema: { summary: "The signed-in owner's listings", response: { 200: Type.Array(Listing) } } },
      async (request, reply) => {
        const owner = await signedIn(request, reply)
        return owner && listings.ofOwner(owner.id)
      },
    )

    app.post(
      '/listings',
      {
        schema: {
          summary: 'Lists a charger and sends it to the hub',
          body: ListingDetails,
          response: { 201: Listing, 400: Problem },
        },
      },
      async (request, reply) => {
        const owner = await signedIn(request, reply)
        if (!owner) return reply
        const prices = pricesProblem(request.body)
        if (prices) return reply.code(400).send({ error: 'Bad Request', message: prices.message })
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
          response: { 200: Listing, 400: Problem, 404: Problem },
        },
      },
      async (request, reply) => {
        const owner = await signedIn(request, reply)
        if (!owner) return reply
        const prices = pricesProblem(request.body)
        if (prices) return reply.code(400).send({ error: 'Bad Request', message: prices.message })
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
