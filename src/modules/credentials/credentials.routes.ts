import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
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

  // The 405 rules come before the body is checked: a second POST is 405 whatever its body.
  const alreadyRegistered = async (request: FastifyRequest) => {
    if (!partnerOf(request).usedInvitationToken) throw new OcpiError('HUB_ERR_ALREADY_REGISTERED')
  }
  const notRegistered = async (request: FastifyRequest) => {
    if (!partnerOf(request).registered) throw new OcpiError('HUB_ERR_NOT_REGISTERED')
  }

  routes.post(
    '/2.3.0/credentials',
    { config, schema: { body: Credentials }, preValidation: alreadyRegistered },
    async (request) =>
      successEnvelope(
        await registerPartner(context, partnerOf(request), request.body, request.correlationId),
      ),
  )

  routes.put(
    '/2.3.0/credentials',
    { config, schema: { body: Credentials }, preValidation: notRegistered },
    async (request) =>
      successEnvelope(await updatePartner(context, partnerOf(request), request.body, request.correlationId)),
  )

  routes.delete('/2.3.0/credentials', { config }, async (request) => {
    await unregisterPartner(context, partnerOf(request), request.correlationId)
    return successEnvelope(null)
  })

  routes.patch('/2.3.0/credentials', { config }, async () => {
    throw new OcpiError('HUB_ERR_METHOD_NOT_ALLOWED', 'PATCH is not defined for credentials: use PUT')
  })
}
