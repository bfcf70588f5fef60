import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { OcpiError } from '../../core/errors.ts'
import type { HubContext } from '../../hub-context.ts'
import { listForReader, readReceiverCopy } from '../../routing/hub-reads.ts'
import { checkBodyOwner, pushOwnedObject } from '../../routing/owner-push.ts'
import { queryPassedOn } from '../../routing/route-to.ts'
import { outboundPath } from '../../core/outbound-path.ts'
import { ObjectIdParam, OwnedObjectParams, ownerFromParams } from '../../transport/path-params.ts'
import { answerThrough } from '../../transport/service-adapter.ts'
import { interfacePath } from '../registry.ts'
import { Tariff } from './tariffs.schema.ts'
import { tariffWrite } from './tariffs.writes.ts'

const TariffParams = OwnedObjectParams({ tariff_id: ObjectIdParam })

/** The OpenAPI tag of these routes; the document prefixes the OCPI version (docs/openapi.md). */
const TAGS = ['tariffs']

/**
 * Tariffs module (mod_tariffs), both interfaces of the hub. RECEIVER: CPOs PUT and DELETE Tariffs
 * (broadcast, DELETE too, or routed to one party); there is no PATCH. SENDER: GET All via the hub or
 * routed to one CPO.
 */
export async function tariffsRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const objectUrl = `/${interfacePath('tariffs', 'RECEIVER')}/:country_code/:party_id/:tariff_id`

  const putSchema = {
    summary: 'Push a Tariff; the hub keeps a copy and sends it to its audience',
    tags: TAGS,
    params: TariffParams,
    body: Tariff,
  }
  routes.put(objectUrl, { schema: putSchema }, (request, reply) => {
    const owner = ownerFromParams(request.params)
    const id = request.params.tariff_id
    checkBodyOwner(request.body, owner)
    const write = tariffWrite('PUT', owner, id, request.body)
    return answerThrough(context, request, reply, (source) => pushOwnedObject(context, source, write))
  })

  const removeSchema = {
    summary: 'Remove a Tariff; the hub sends the removal to its audience',
    tags: TAGS,
    params: TariffParams,
  }
  routes.delete(objectUrl, { schema: removeSchema }, (request, reply) => {
    const owner = ownerFromParams(request.params)
    const id = request.params.tariff_id
    const write = tariffWrite('DELETE', owner, id, undefined)
    return answerThrough(context, request, reply, (source) => pushOwnedObject(context, source, write))
  })

  const readSchema = { summary: "Read a receiver's copy of a Tariff", tags: TAGS, params: TariffParams }
  routes.get(objectUrl, { schema: readSchema }, (request, reply) => {
    const owner = ownerFromParams(request.params)
    const read = {
      module: 'tariffs' as const,
      owner,
      path: outboundPath([owner.country_code, owner.party_id, request.params.tariff_id]),
      query: request.query as Record<string, unknown>,
      passedOnQuery: queryPassedOn(request.url),
    }
    return answerThrough(context, request, reply, (source) => readReceiverCopy(context, source, read), {
      followsHubLinks: true,
    })
  })

  const patchSchema = { summary: 'Refused (405): Tariffs have no PATCH, PUT the whole Tariff', tags: TAGS }
  routes.patch(objectUrl, { schema: patchSchema }, async () => {
    throw new OcpiError(
      'HUB_ERR_METHOD_NOT_ALLOWED',
      'Tariffs have no PATCH (mod_tariffs): PUT the whole Tariff',
    )
  })

  const listSchema = { summary: 'List the Tariffs this party may read (paginated)', tags: TAGS }
  routes.get(`/${interfacePath('tariffs', 'SENDER')}`, { schema: listSchema }, (request, reply) => {
    const read = {
      module: 'tariffs' as const,
      query: request.query as Record<string, unknown>,
      passedOnQuery: queryPassedOn(request.url),
    }
    return answerThrough(context, request, reply, (source) => listForReader(context, source, read), {
      followsHubLinks: true,
    })
  })
}
