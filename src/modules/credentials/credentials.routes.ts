import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { OcpiError } from '../../core/errors.ts'
import type { HubContext } from '../../hub-context.ts'
import { partnerOf } from '../../transport/authorization.ts'
import { successEnvelope } from '../../transport/envelope.ts'
import { Credentials } from './credentials.schema.ts'
import { hubCredentials, registerPartner, unregisterPartner, updatePartner } from './credentials.service.ts'

/**
 * Credentials module, hub as server (credentials.asciidoc). Open to partners in their handshake; the
 * service decides what each method allows (405 rules).
 */
export async function credentialsRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const config = { allowUnregistered: true }

  routes.get('/2.3.0/credentials', { config }, async (request) => {
    const partner = partnerOf(request)
    return successEnvelope(await hubCredentials(context, partner.token, partner.platformId))
  })

  routes.post('/2.3.0/credentials', { config, schema: { body: Credentials } }, async (request) =>
    successEnvelope(await registerPartner(context, partnerOf(request), request.body, request.correlationId)),
  )

  routes.put('/2.3.0/credentials', { config, schema: { body: Credentials } }, async (request) =>
    successEnvelope(await updatePartner(context, partnerOf(request), request.body, request.correlationId)),
  )

  routes.delete('/2.3.0/credentials', { config }, async (request) => {
    await unregisterPartner(context, partnerOf(request))
    return successEnvelope(null)
  })

  routes.patch('/2.3.0/credentials', { config }, async () => {
    throw new OcpiError('HUB_ERR_METHOD_NOT_ALLOWED', 'PATCH is not defined for credentials: use PUT')
  })
}
