import { randomUUID } from 'node:crypto'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { partyKey } from '../core/party.ts'
import { generateToken, hashToken } from '../core/tokens.ts'
import type { HubContext } from '../hub-context.ts'
import {
  ConnectionError,
  registerAtPartner,
  rotatePartnerToken,
  unregisterPlatform,
} from '../modules/credentials/credentials.service.ts'
import { isUniqueViolation } from '../storage/database-errors.ts'
import type { PartyRow, PlatformRow } from '../storage/tables.ts'
import { AdminError } from './admin-errors.ts'
import { queueClientInfoChanges } from '../modules/hub-client-info/hub-client-info.service.ts'
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

/** Refuses roles that another live platform or invitation holds, naming them. */
async function refuseRolesHeldElsewhere(
  context: HubContext,
  roles: InvitationRequest['roles'],
): Promise<void> {
  await context.directory.catchUp()
  const conflicts = context.directory.liveRoleConflicts(roles)
  if (conflicts.length > 0) {
    const taken = conflicts.map((c) => `${c.role} ${c.country_code}/${c.party_id}`).join(', ')
    throw new AdminError('ADMIN_CONFLICT', `already held by another platform: ${taken}`)
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
    const { name, roles } = request.body
    const keys = roles.map((r) => `${r.role} ${partyKey(r)}`)
    const duplicate = keys.find((key, index) => keys.indexOf(key) !== index)
    if (duplicate) throw new AdminError('ADMIN_INVALID_REQUEST', `role ${duplicate} is listed twice`)
    await refuseRolesHeldElsewhere(context, roles)
    const id = randomUUID()
    const tokenA = generateToken()
    try {
      await context.directory.write(async (tx) => {
        await tx.insertPlatform({
          id,
          name,
          status: 'PLANNED',
          initiated_by: 'partner',
          invitation_token_hash: hashToken(tokenA),
          inbound_token_hash: null,
          outbound_token: null,
          versions_url: null,
          version: null,
          endpoints: [],
          hub_party_id: null,
          registered_at: null,
        })
        await tx.insertParties(id, 'PLANNED', roles)
        // The other partners learn of the invited parties as PLANNED (mod_hub_client_info).
        await queueClientInfoChanges(tx, context.hub, id, [], request.correlationId)
      })
      context.delivery.wake()
    } catch (error) {
      // A concurrent invitation took one of the roles after the check above: the live-role index refused it.
      if (isUniqueViolation(error)) await refuseRolesHeldElsewhere(context, roles)
      throw error
    }
    request.log.info({ platformId: id, name }, 'invitation created')
    return reply.code(201).send({ id, token_a: tokenA, versions_url: context.hub.versionsUrl })
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
