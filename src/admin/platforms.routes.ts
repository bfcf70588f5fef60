import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { HubContext } from '../hub-context.ts'
import {
  ConnectionError,
  registerAtPartner,
  rotatePartnerToken,
  unregisterPlatform,
} from '../modules/credentials/credentials.service.ts'
import { InvitationRefused, invitePlatform } from '../modules/credentials/invitations.service.ts'
import type { PartyRow, PlatformRow } from '../storage/tables.ts'
import { AdminError } from './admin-errors.ts'
import { ConnectionRequest, InvitationRequest, PlatformParams } from './admin.schema.ts'

/** What the admin API shows of a platform: never its tokens. */
function platformView(platform: PlatformRow, parties: readonly PartyRow[]) {
  return {
    id: platform.id,
    name: platform.name,
    status: platform.status,
    initiated_by: platform.initiated_by,
    version: platform.version,
    versions_url: platform.versions_url,
    hub_party_id: platform.hub_party_id,
    roles: parties
      .filter((p) => p.platform_id === platform.id)
      .map((p) => ({
        role: p.role,
        country_code: p.country_code,
        party_id: p.party_id,
        status: p.status,
        business_details: p.business_details,
      })),
    endpoints: platform.endpoints,
    created_at: platform.created_at,
    updated_at: platform.updated_at,
    registered_at: platform.registered_at,
  }
}

async function viewOf(context: HubContext, id: string) {
  // The operator may have changed it through another hub process a moment ago.
  await context.directory.catchUp()
  const platform = context.directory.platform(id)
  if (!platform) throw new AdminError('ADMIN_NOT_FOUND', `no platform ${id}`)
  return platformView(platform, context.directory.partiesOf(id))
}

export async function platformsRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()

  routes.post('/invitations', { schema: { body: InvitationRequest } }, async (request, reply) => {
    try {
      const invited = await invitePlatform(context, { ...request.body, correlationId: request.correlationId })
      return reply
        .code(201)
        .send({ id: invited.platformId, token_a: invited.tokenA, versions_url: invited.versionsUrl })
    } catch (error) {
      if (error instanceof InvitationRefused) {
        const code = error.reason === 'duplicate-role' ? 'ADMIN_INVALID_REQUEST' : 'ADMIN_CONFLICT'
        throw new AdminError(code, error.message)
      }
      throw error
    }
  })

  routes.post('/connections', { schema: { body: ConnectionRequest } }, async (request, reply) => {
    const { versions_url, token_a, name, role } = request.body
    let platformId: string
    try {
      platformId = await registerAtPartner(context, {
        versionsUrl: versions_url,
        tokenA: token_a,
        name,
        role,
      })
    } catch (error) {
      if (error instanceof ConnectionError) {
        const code = error.step === 'roles' ? 'ADMIN_CONFLICT' : 'ADMIN_PARTNER_FAILED'
        throw new AdminError(
          code,
          `registration at the partner failed at step ${error.step}: ${error.message}`,
          {
            step: error.step,
          },
        )
      }
      throw error
    }
    return reply.code(201).send(await viewOf(context, platformId))
  })

  routes.get('/platforms', async () => {
    await context.directory.catchUp()
    const platforms = context.directory.platforms()
    return {
      platforms: platforms.map((p) => platformView(p, context.directory.partiesOf(p.id))),
    }
  })

  routes.get('/platforms/:id', { schema: { params: PlatformParams } }, async (request) =>
    viewOf(context, request.params.id),
  )

  // Hub-initiated credentials PUT with a fresh token for the partner (docs/admin-api.md).
  routes.post('/platforms/:id/rotate-token', { schema: { params: PlatformParams } }, async (request) => {
    try {
      if (!(await rotatePartnerToken(context, request.params.id)))
        throw new AdminError('ADMIN_NOT_FOUND', `no platform ${request.params.id}`)
    } catch (error) {
      if (error instanceof ConnectionError) {
        const code = error.step === 'state' ? 'ADMIN_CONFLICT' : 'ADMIN_PARTNER_FAILED'
        throw new AdminError(code, `token rotation failed at step ${error.step}: ${error.message}`, {
          step: error.step,
        })
      }
      throw error
    }
    return { platform: await viewOf(context, request.params.id), rotated: true }
  })

  routes.delete('/platforms/:id', { schema: { params: PlatformParams } }, async (request) => {
    const outcome = await unregisterPlatform(context, request.params.id)
    if (!outcome) throw new AdminError('ADMIN_NOT_FOUND', `no platform ${request.params.id}`)
    return {
      platform: await viewOf(context, request.params.id),
      partner_notified: outcome.partnerNotified,
      ...(outcome.partnerError ? { partner_error: outcome.partnerError } : {}),
    }
  })
}
