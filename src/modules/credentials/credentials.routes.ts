import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { OcpiError } from '../../core/errors.ts'
import type { HubContext } from '../../hub-context.ts'
import { partnerOf } from '../../transport/authorization.ts'
import { successEnvelope } from '../../core/envelope.ts'
import type { OcpiVersion } from '../../core/ocpi-versions.ts'
import { Credentials211, credentialsFrom211, credentialsTo211 } from './credentials-211.ts'
import { hubCredentialsIn } from './credentials-221.ts'
import { Credentials } from './credentials.schema.ts'
import {
  claimableParties,
  credentialsForCaller,
  registerPartner,
  unregisterPartner,
  updatePartner,
} from './credentials.service.ts'

/**
 * Credentials module, hub as server (credentials.asciidoc), in one version: the version a partner
 * registers or updates in is the one the hub speaks with it from then on. 2.2.1 and 2.3.0 share the
 * object, though the hub presents itself differently in each (credentials-221.ts); 2.1.1 has its own
 * single-party one (credentials-211.ts). Open to partners in their handshake;
 * the service decides what each method allows (405 rules).
 */
export async function credentialsRoutes(
  app: FastifyInstance,
  { context, version }: { context: HubContext; version: OcpiVersion },
): Promise<void> {
  if (version === '2.1.1') return credentials211Routes(app, context)
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const config = { allowUnregistered: true }
  // 2.2.1 and 2.3.0 partners send the same object; the hub describes itself as each version expects.
  const inVersion = (credentials: Credentials) => hubCredentialsIn(version, credentials)

  routes.get('/credentials', { config, schema: READ }, async (request) => {
    return successEnvelope(inVersion(await credentialsForCaller(context, partnerOf(request))))
  })

  routes.post(
    '/credentials',
    { config, schema: { ...REGISTER, body: Credentials }, preValidation: alreadyRegistered },
    async (request) =>
      successEnvelope(
        inVersion(
          await registerPartner(context, partnerOf(request), request.body, request.correlationId, version),
        ),
      ),
  )

  routes.put(
    '/credentials',
    { config, schema: { ...UPDATE, body: Credentials }, preValidation: notRegistered },
    async (request) =>
      successEnvelope(
        inVersion(
          await updatePartner(context, partnerOf(request), request.body, request.correlationId, version),
        ),
      ),
  )

  registerDeleteAndPatch(app, context)
}

const config = { allowUnregistered: true }

/** The OpenAPI summaries and tag of these routes; the document prefixes the OCPI version (docs/openapi.md). */
const TAGS = ['credentials']
const READ = { summary: "The hub's credentials, as this partner sees them", tags: TAGS }
const REGISTER = {
  summary: 'Register with token A: the hub answers with its credentials and token',
  tags: TAGS,
}
const UPDATE = { summary: 'Update your credentials and rotate the token', tags: TAGS }
const UNREGISTER = { summary: 'Unregister: the hub stops using this connection', tags: TAGS }
const NO_PATCH = { summary: 'Refused (405): use PUT to change credentials', tags: TAGS }

// The 405 rules come before the body is checked: a second POST is 405 whatever its body.
async function alreadyRegistered(request: FastifyRequest): Promise<void> {
  if (!partnerOf(request).usedInvitationToken) throw new OcpiError('HUB_ERR_ALREADY_REGISTERED')
}
async function notRegistered(request: FastifyRequest): Promise<void> {
  if (!partnerOf(request).registered) throw new OcpiError('HUB_ERR_NOT_REGISTERED')
}

function registerDeleteAndPatch(app: FastifyInstance, context: HubContext): void {
  app.delete('/credentials', { config, schema: UNREGISTER }, async (request) => {
    await unregisterPartner(context, partnerOf(request), request.correlationId)
    return successEnvelope(null)
  })
  app.patch('/credentials', { config, schema: NO_PATCH }, async () => {
    throw new OcpiError('HUB_ERR_METHOD_NOT_ALLOWED', 'PATCH is not defined for credentials: use PUT')
  })
}

/** The 2.1.1 handshake: the same service, with the single-party object translated at the edge. */
async function credentials211Routes(app: FastifyInstance, context: HubContext): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const canonical = async (request: FastifyRequest, body: Credentials211) =>
    credentialsFrom211(body, await claimableParties(context, partnerOf(request).platformId))

  routes.get('/credentials', { config, schema: READ }, async (request) => {
    return successEnvelope(credentialsTo211(await credentialsForCaller(context, partnerOf(request))))
  })
  routes.post(
    '/credentials',
    { config, schema: { ...REGISTER, body: Credentials211 }, preValidation: alreadyRegistered },
    async (request) => {
      const body = await canonical(request, request.body)
      const partner = partnerOf(request)
      const answer = await registerPartner(context, partner, body, request.correlationId, '2.1.1')
      return successEnvelope(credentialsTo211(answer))
    },
  )
  routes.put(
    '/credentials',
    { config, schema: { ...UPDATE, body: Credentials211 }, preValidation: notRegistered },
    async (request) => {
      const body = await canonical(request, request.body)
      const partner = partnerOf(request)
      const answer = await updatePartner(context, partner, body, request.correlationId, '2.1.1')
      return successEnvelope(credentialsTo211(answer))
    },
  )
  registerDeleteAndPatch(app, context)
}
