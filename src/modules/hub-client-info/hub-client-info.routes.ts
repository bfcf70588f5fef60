import type { FastifyInstance } from 'fastify'
import type { HubContext } from '../../hub-context.ts'
import { partnerOf } from '../../transport/authorization.ts'
import { successEnvelope } from '../../core/envelope.ts'
import { pageHeaders, readPageRequest } from '../../routing/pagination.ts'
import { hubInterfaceUrl, interfacePath } from '../registry.ts'
import { HUB_CLIENT_INFO_MODULE, listClientInfoPage } from './hub-client-info.service.ts'

/** The OpenAPI tag of these routes; the document prefixes the OCPI version (docs/openapi.md). */
const TAGS = ['hubclientinfo']

/**
 * HubClientInfo module (mod_hub_client_info), the hub as SENDER: the paginated list of the parties the
 * caller can reach through the hub and how their connection stands. A configuration module: routing
 * headers are neither read nor sent. Status changes are pushed to partners by hub-client-info.service.ts.
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
}
