import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { HubContext } from '../../hub-context.ts'
import { partnerOf } from '../../transport/authorization.ts'
import { successEnvelope } from '../../core/envelope.ts'
import { pageHeaders, readPageRequest } from '../../routing/pagination.ts'
import { hubInterfaceUrl, interfacePath } from '../registry.ts'
import { takePeerClientInfo } from '../../peering/peer-client-info.ts'
import { ownerFromParams } from '../../transport/path-params.ts'
import { CountryCode, PartyId } from '../../core/ocpi-types.schema.ts'
import { ClientInfo } from './hub-client-info.schema.ts'
import { HUB_CLIENT_INFO_MODULE, listClientInfoPage } from './hub-client-info.service.ts'

/** The OpenAPI tag of these routes; the document prefixes the OCPI version (docs/openapi.md). */
const TAGS = ['hubclientinfo']

/**
 * HubClientInfo module (mod_hub_client_info), the hub as SENDER: the paginated list of the parties the
 * caller can reach through the hub and how their connection stands. A configuration module: routing
 * headers are neither read nor sent. Status changes are pushed to partners by hub-client-info.service.ts.
 * As RECEIVER, for peer hubs only: the parties a peer serves (src/peering/peer-client-info.ts).
 */
export async function hubClientInfoRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const sender = `/${interfacePath(HUB_CLIENT_INFO_MODULE, 'SENDER')}`

  const listSchema = {
    summary: 'List the parties reachable through the hub, with their status (paginated)',
    tags: TAGS,
  }
  app.get(sender, { schema: listSchema }, async (request, reply) => {
    const maxLimit = context.config.pageLimitMax
    const page = readPageRequest(request.query as Record<string, unknown>, maxLimit)
    const result = await listClientInfoPage(context.directory, partnerOf(request).platformId, page)
    void reply.headers(
      pageHeaders(
        hubInterfaceUrl(context.hub, HUB_CLIENT_INFO_MODULE, 'SENDER'),
        page,
        { returned: result.items.length, total: result.total, last: result.last },
        maxLimit,
      ),
    )
    return successEnvelope(result.items)
  })

  const receiver = `/${interfacePath(HUB_CLIENT_INFO_MODULE, 'RECEIVER')}`
  const putSchema = {
    summary: 'A peer hub tells this hub of a party it serves (peer hubs only)',
    tags: TAGS,
    params: Type.Object({ country_code: CountryCode, party_id: PartyId }),
    body: ClientInfo,
  }
  app
    .withTypeProvider<TypeBoxTypeProvider>()
    .put(`${receiver}/:country_code/:party_id`, { schema: putSchema }, async (request) => {
      await takePeerClientInfo(context, {
        platformId: partnerOf(request).platformId,
        party: ownerFromParams(request.params),
        clientInfo: request.body,
        correlationId: request.correlationId,
      })
      return successEnvelope(null)
    })
}
