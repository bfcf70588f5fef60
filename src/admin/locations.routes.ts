import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { HubContext } from '../hub-context.ts'
import {
  listLocationOverviews,
  type LocationCursor,
  type LocationOverview,
} from '../storage/location-overview.store.ts'
import { encodeListCursor } from '../core/list-cursor.ts'
import { linkNextPage, readAdminCursor } from './list-pages.ts'
import { AdminError } from './admin-errors.ts'

const LocationsQuery = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
    cursor: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,400}$' })),
    /** Part of a Location's id, name, address or city. */
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    country_code: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$' })),
    party_id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9]{3}$' })),
  },
  { additionalProperties: false },
)

/** GET /admin/locations, for the document. */
const LocationsAnswer = Type.Object({
  locations: Type.Array(
    Type.Object({
      id: Type.String(),
      owner: Type.Object({ country_code: Type.String(), party_id: Type.String() }),
      name: Type.Union([Type.String(), Type.Null()]),
      address: Type.Union([Type.String(), Type.Null()]),
      city: Type.Union([Type.String(), Type.Null()]),
      coordinates: Type.Union([
        Type.Object({ latitude: Type.Number(), longitude: Type.Number() }),
        Type.Null(),
      ]),
      evse_count: Type.Integer({ minimum: 0 }),
      evse_statuses: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), {
        description: 'EVSEs counted by status',
      }),
      evses: Type.Array(Type.Object({ uid: Type.String(), status: Type.String() })),
      last_updated: Type.String({ format: 'date-time' }),
    }),
  ),
  next_cursor: Type.Union([Type.String(), Type.Null()], {
    description: 'The next page: pass it as `cursor`',
  }),
})

const LIMIT_DEFAULT = 100
const LIMIT_MAX = 1000

/** The list's cursor: the last Location's id and owner. */
function locationCursor(text: string): LocationCursor {
  const [object_id, country_code, party_id] = readAdminCursor(text, ['string', 'string', 'string'])
  return { object_id, country_code, party_id }
}

/** OCPI sends coordinates as decimal strings; a map wants numbers. */
function coordinate(text: string | undefined): number | null {
  const value = Number(text)
  return text !== undefined && Number.isFinite(value) ? value : null
}

function locationView(location: LocationOverview) {
  const statuses: Record<string, number> = {}
  for (const evse of location.evses) statuses[evse.status] = (statuses[evse.status] ?? 0) + 1
  const latitude = coordinate(location.coordinates?.latitude)
  const longitude = coordinate(location.coordinates?.longitude)
  return {
    id: location.id,
    owner: { country_code: location.country_code, party_id: location.party_id },
    name: location.name,
    address: location.address,
    city: location.city,
    coordinates: latitude !== null && longitude !== null ? { latitude, longitude } : null,
    evse_count: location.evses.length,
    evse_statuses: statuses,
    evses: location.evses,
    last_updated: location.last_updated,
  }
}

/** The broadcast Locations the hub stores, for the console's map and table. */
export async function locationsRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()

  routes.get(
    '/locations',
    {
      schema: {
        summary: 'The Locations the hub stores, with their EVSE statuses, a page at a time',
        tags: ['Admin · console'],
        querystring: LocationsQuery,
        answer: LocationsAnswer,
      },
    },
    async (request, reply) => {
      const { limit: limitText, cursor, q, country_code, party_id } = request.query
      const limit = Number(limitText ?? LIMIT_DEFAULT)
      if (limit < 1 || limit > LIMIT_MAX)
        throw new AdminError('ADMIN_INVALID_REQUEST', `limit: must be from 1 to ${LIMIT_MAX}`)
      const page = await listLocationOverviews(
        context.db,
        { q, countryCode: country_code?.toUpperCase(), partyId: party_id?.toUpperCase() },
        { limit, after: cursor ? locationCursor(cursor) : undefined },
      )
      const { next } = page
      const nextCursor = next ? encodeListCursor([next.object_id, next.country_code, next.party_id]) : null
      if (nextCursor) linkNextPage(reply, '/admin/locations', request.query, nextCursor)
      return { locations: page.locations.map(locationView), next_cursor: nextCursor }
    },
  )
}
