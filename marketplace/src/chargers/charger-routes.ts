import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { SignedInMember } from '../accounts/account-routes.ts'
import { ListingId } from '../listings/listing.schema.ts'
import { Problem } from '../problem.schema.ts'
import type { ManagedChargers } from './managed-chargers.ts'

const ChargerView = Type.Object({
  identity: Type.String(),
  listing_id: Type.String(),
  ocpp_url: Type.String({ description: 'Where the charger connects (OCPP 1.6J, Basic auth)' }),
  connected: Type.Boolean(),
  evse_status: Type.Union([Type.String(), Type.Null()]),
})
const NewCharger = Type.Object(
  {
    identity: Type.String({
      pattern: '^[A-Za-z0-9._-]{1,48}$',
      description: "The charger's OCPP identity (chargeBoxIdentity)",
    }),
  },
  { additionalProperties: false },
)

/** An owner connects a charger to a listing over OCPP 1.6J: the password for it is shown once, here. */
export function chargerRoutes(
  chargers: ManagedChargers,
  signedIn: SignedInMember,
): FastifyPluginAsyncTypebox {
  const notYours = (id: string) => ({
    error: 'Not Found',
    message: `You have no listing ${id} with a charger`,
  })
  return async (app) => {
    app.put(
      '/listings/:id/charger',
      {
        schema: {
          summary: 'Connects a managed charger to a listing (a new password each time)',
          params: ListingId,
          body: NewCharger,
          response: {
            200: Type.Intersect([ChargerView, Type.Object({ password: Type.String() })]),
            404: Problem,
            409: Problem,
          },
        },
      },
      async (request, reply) => {
        const owner = await signedIn(request, reply)
        if (!owner) return reply
        const outcome = await chargers.connect(owner.id, request.params.id, request.body.identity)
        if (outcome === 'not yours') return reply.code(404).send(notYours(request.params.id))
        if (outcome === 'identity taken')
          return reply.code(409).send({
            error: 'Conflict',
            message: `identity ${request.body.identity} is another listing's charger`,
          })
        return outcome
      },
    )

    app.get(
      '/listings/:id/charger',
      {
        schema: {
          summary: "A listing's managed charger and its live status",
          params: ListingId,
          response: { 200: ChargerView, 404: Problem },
        },
      },
      async (request, reply) => {
        const owner = await signedIn(request, reply)
        if (!owner) return reply
        const charger = await chargers.ofListing(owner.id, request.params.id)
        return charger ?? reply.code(404).send(notYours(request.params.id))
      },
    )

    app.delete(
      '/listings/:id/charger',
      { schema: { summary: 'Disconnects the managed charger of a listing', params: ListingId } },
      async (request, reply) => {
        const owner = await signedIn(request, reply)
        if (!owner) return reply
        if (!(await chargers.remove(owner.id, request.params.id)))
          return reply.code(404).send(notYours(request.params.id))
        return reply.code(204).send()
      },
    )
  }
}
