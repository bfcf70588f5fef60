import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox'
import type { PersonalData } from '../accounts/personal-data.ts'
import type { SignedInMember } from '../accounts/account-routes.ts'
import { Problem } from '../problem.schema.ts'
import { LocationRef } from '../reviews/review.schema.ts'
import type { MarketplaceDb } from '../storage/store.ts'

/** More would be a copy of the catalogue, not a list of favourites. */
export const MAX_FAVOURITES = 200

export const Favourite = Type.Object({
  ...LocationRef.properties,
  created_at: Type.String({ format: 'date-time' }),
})
export type Favourite = Static<typeof Favourite>

/**
 * A driver's favourite chargers: any location on the network, by its OCPI key (country, party, id), so a
 * favourite outlives a search and works for roaming CPOs' chargers and home chargers alike. The member's
 * personal data (listed in the export, deleted with the account) is registered with `personalData`.
 */
export function favouriteRoutes(
  db: MarketplaceDb,
  signedIn: SignedInMember,
  personalData: PersonalData,
): FastifyPluginAsyncTypebox {
  const ofMember = (memberId: string) =>
    db
      .selectFrom('favourites')
      .select(['country_code', 'party_id', 'location_id', 'created_at'])
      .where('member_id', '=', memberId)
      .orderBy('created_at', 'desc')
      .execute()
      .then((rows) => rows.map((row) => ({ ...row, created_at: new Date(row.created_at).toISOString() })))
  personalData.register({
    name: 'favourites',
    exportOf: ofMember,
    async erase(memberId) {
      await db.deleteFrom('favourites').where('member_id', '=', memberId).execute()
    },
  })
  return async (app) => {
    app.get(
      '/favourites',
      {
        schema: {
          summary: "The signed-in driver's favourite chargers, the latest first",
          response: { 200: Type.Array(Favourite), 401: Problem },
        },
      },
      async (request, reply) => {
        const member = await signedIn(request, reply)
        return member && ofMember(member.id)
      },
    )

    app.put(
      '/favourites/:country_code/:party_id/:location_id',
      {
        schema: {
          summary: 'Keeps a charger among the favourites (again: no change)',
          params: LocationRef,
          response: { 204: Type.Null(), 400: Problem, 401: Problem, 409: Problem },
        },
      },
      async (request, reply) => {
        const member = await signedIn(request, reply)
        if (!member) return reply
        const { country_code, party_id, location_id } = request.params
        // The others only: keeping a favourite again at the limit is no change, not a conflict.
        const count = await db
          .selectFrom('favourites')
          .select((eb) => eb.fn.countAll<string>().as('count'))
          .where('member_id', '=', member.id)
          .where((eb) =>
            eb.not(
              eb.and([
                eb('country_code', '=', country_code),
                eb('party_id', '=', party_id),
                eb('location_id', '=', location_id),
              ]),
            ),
          )
          .executeTakeFirstOrThrow()
        if (Number(count.count) >= MAX_FAVOURITES)
          return reply.code(409).send({
            error: 'Conflict',
            message: `At most ${MAX_FAVOURITES} favourites: remove one first`,
          })
        await db
          .insertInto('favourites')
          .values({ member_id: member.id, country_code, party_id, location_id, created_at: new Date() })
          .onConflict((oc) => oc.doNothing())
          .execute()
        request.log.info({ member: member.id, country_code, party_id, location_id }, 'favourite kept')
        return reply.code(204).send(null)
      },
    )

    app.delete(
      '/favourites/:country_code/:party_id/:location_id',
      {
        schema: {
          summary: 'Removes a charger from the favourites (not there: no change)',
          params: LocationRef,
          response: { 204: Type.Null(), 400: Problem, 401: Problem },
        },
      },
      async (request, reply) => {
        const member = await signedIn(request, reply)
        if (!member) return reply
        const { country_code, party_id, location_id } = request.params
        await db
          .deleteFrom('favourites')
          .where('member_id', '=', member.id)
          .where('country_code', '=', country_code)
          .where('party_id', '=', party_id)
          .where('location_id', '=', location_id)
          .execute()
        return reply.code(204).send(null)
      },
    )
  }
}
