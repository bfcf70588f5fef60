import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { FastifyInstance } from 'fastify'
import { schemaProblem } from '../core/validation-messages.ts'
import { tokenAExpired } from '../directory/party-directory.ts'
import type { HubContext } from '../hub-context.ts'
import {
  ConnectionError,
  registerAtPartner,
  rotatePartnerToken,
  unregisterPlatform,
} from '../modules/credentials/credentials.service.ts'
import {
  inviteBulk,
  invitePlatform,
  reissueTokenA,
  type IssuedInvitation,
} from '../modules/credentials/invitations.service.ts'
import {
  addPlatformRole,
  changePlatformDetails,
  listPlatforms,
  removePlatformRole,
  type PlatformCursor,
} from '../modules/credentials/platforms.service.ts'
import type { PartyRow, PlatformRow } from '../storage/tables.ts'
import { logAdminChange } from './admin-auth.ts'
import { encodeListCursor } from '../core/list-cursor.ts'
import { linkNextPage, readAdminCursor } from './list-pages.ts'
import { AdminError } from './admin-errors.ts'
import {
  ConnectionRequest,
  InvitationRequest,
  PlatformParams,
  PlatformPatch,
  PlatformRoleParams,
  PlatformsQuery,
  ReissueTokenARequest,
  RoleRequest,
} from './admin.schema.ts'
import { bulkFromCsv, bulkFromJson } from './bulk-invitations.ts'

/** What the admin API shows of a platform: never its tokens. */
export function platformView(
  platform: PlatformRow,
  parties: readonly PartyRow[],
  lastSeenAt = platform.last_seen_at,
) {
  return {
    id: platform.id,
    name: platform.name,
    status: platform.status,
    initiated_by: platform.initiated_by,
    version: platform.version,
    versions_url: platform.versions_url,
    hub_party_id: platform.hub_party_id,
    peer_hub: platform.peer_hub,
    contact: platform.contact,
    notes: platform.notes,
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
    token_a_expires_at: platform.invitation_token_hash ? platform.token_a_expires_at : null,
    token_a_expired: tokenAExpired(platform),
    created_at: platform.created_at,
    updated_at: platform.updated_at,
    registered_at: platform.registered_at,
    last_seen_at: lastSeenAt,
  }
}

export async function viewOf(context: HubContext, id: string) {
  // The operator may have changed it through another hub process a moment ago.
  await context.directory.catchUp()
  const platform = context.directory.platform(id)
  if (!platform) throw new AdminError('ADMIN_NOT_FOUND', `no platform ${id}`)
  return platformView(platform, context.directory.partiesOf(id), await context.directory.lastSeenAt(id))
}

export function invitationView(invited: IssuedInvitation) {
  return {
    id: invited.platformId,
    token_a: invited.tokenA,
    versions_url: invited.versionsUrl,
    token_a_expires_at: invited.tokenAExpiresAt,
  }
}

/** The OpenAPI tags of these routes (docs/openapi.md). */
const PLATFORMS = ['Admin · platforms']
const INVITATIONS = ['Admin · invitations']

const checkReissue = TypeCompiler.Compile(ReissueTokenARequest)

/** The list's cursor: the last platform's creation time and id. */
function platformCursor(text: string): PlatformCursor {
  const [createdAtMs, id] = readAdminCursor(text, ['number', 'string'])
  return { createdAtMs, id }
}

const LIST_LIMIT_DEFAULT = 100
const LIST_LIMIT_MAX = 1000

function listLimit(text: string | undefined): number {
  const limit = Number(text ?? LIST_LIMIT_DEFAULT)
  if (limit < 1 || limit > LIST_LIMIT_MAX)
    throw new AdminError('ADMIN_INVALID_REQUEST', `limit: must be from 1 to ${LIST_LIMIT_MAX}`)
  return limit
}

/** The body of a bulk invitation, by its Content-Type: CSV text, or JSON (any other type, as everywhere). */
function bulkInvitations(contentType: string | undefined, body: unknown) {
  if (/^text\/csv\b/i.test(contentType ?? '')) return bulkFromCsv(typeof body === 'string' ? body : '')
  return bulkFromJson(body)
}

export async function platformsRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  // Bulk invitations may come as a CSV file (curl --data-binary @partners.csv): kept as text, parsed by the route.
  app.addContentTypeParser(
    'text/csv',
    { parseAs: 'string', bodyLimit: context.config.bodyLimitBytes },
    (_request, body, done) => done(null, body),
  )

  const inviteSchema = {
    summary: 'Invite a partner platform: its token A and versions URL',
    tags: INVITATIONS,
    body: InvitationRequest,
  }
  routes.post('/invitations', { schema: inviteSchema }, async (request, reply) => {
    const { name, roles, expires_in_hours } = request.body
    const invited = await invitePlatform(context, {
      name,
      roles,
      expiresInHours: expires_in_hours,
      correlationId: request.correlationId,
    })
    logAdminChange(request, 'invite', { platformId: invited.platformId, name })
    return reply.code(201).send(invitationView(invited))
  })

  const inviteBulkSchema = {
    summary: 'Invite many platforms at once (JSON, or CSV as text/csv): all or none',
    tags: INVITATIONS,
  }
  routes.post('/invitations/bulk', { schema: inviteBulkSchema }, async (request, reply) => {
    const invitations = bulkInvitations(request.headers['content-type'], request.body)
    const created = await inviteBulk(context, invitations, request.correlationId)
    logAdminChange(request, 'invite-bulk', { platformIds: created.map((c) => c.platformId) })
    return reply.code(201).send({
      invitations: created.map((invited, index) => ({
        name: invitations[index]!.name,
        ...invitationView(invited),
      })),
    })
  })

  const connectSchema = {
    summary: "Connect the hub to a partner with the partner's token A",
    tags: PLATFORMS,
    body: ConnectionRequest,
  }
  routes.post('/connections', { schema: connectSchema }, async (request, reply) => {
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
    logAdminChange(request, 'connect', { platformId, versionsUrl: versions_url })
    return reply.code(201).send(await viewOf(context, platformId))
  })

  const listSchema = {
    summary: 'List platforms (filters; cursor pages with Link)',
    tags: PLATFORMS,
    querystring: PlatformsQuery,
  }
  routes.get('/platforms', { schema: listSchema }, async (request, reply) => {
    const { status, role, name, limit, cursor } = request.query
    const page = await listPlatforms(
      context,
      { status, role, name },
      { after: cursor ? platformCursor(cursor) : undefined, limit: listLimit(limit) },
    )
    const nextCursor = page.next ? encodeListCursor([page.next.createdAtMs, page.next.id]) : null
    if (nextCursor) linkNextPage(reply, '/admin/platforms', { status, role, name, limit }, nextCursor)
    return {
      platforms: page.platforms.map((p) => platformView(p, context.directory.partiesOf(p.id))),
      next_cursor: nextCursor,
    }
  })

  const readSchema = {
    summary: 'One platform: roles, endpoints, status',
    tags: PLATFORMS,
    params: PlatformParams,
  }
  routes.get('/platforms/:id', { schema: readSchema }, async (request) => viewOf(context, request.params.id))

  routes.patch(
    '/platforms/:id',
    {
      schema: {
        summary: "Change a platform's name, contact or notes",
        tags: PLATFORMS,
        params: PlatformParams,
        body: PlatformPatch,
      },
    },
    async (request) => {
      await changePlatformDetails(context, request.params.id, request.body)
      logAdminChange(request, 'change-details', {
        platformId: request.params.id,
        fields: Object.keys(request.body),
      })
      return viewOf(context, request.params.id)
    },
  )

  routes.post(
    '/platforms/:id/roles',
    {
      schema: {
        summary: 'Add a role (party) to a platform',
        tags: PLATFORMS,
        params: PlatformParams,
        body: RoleRequest,
      },
    },
    async (request, reply) => {
      await addPlatformRole(context, request.params.id, request.body, request.correlationId)
      logAdminChange(request, 'add-role', { platformId: request.params.id, role: request.body })
      return reply.code(201).send(await viewOf(context, request.params.id))
    },
  )

  routes.delete(
    '/platforms/:id/roles/:country_code/:party_id/:role',
    {
      schema: {
        summary: 'Remove a role (party) from a platform',
        tags: PLATFORMS,
        params: PlatformRoleParams,
      },
    },
    async (request) => {
      const { id, ...role } = request.params
      await removePlatformRole(context, id, role, request.correlationId)
      logAdminChange(request, 'remove-role', { platformId: id, role })
      return viewOf(context, id)
    },
  )

  const reissueSchema = {
    summary: 'Issue a new token A to a platform that has not registered yet',
    tags: PLATFORMS,
    params: PlatformParams,
  }
  routes.post('/platforms/:id/reissue-token-a', { schema: reissueSchema }, async (request) => {
    const body = request.body ?? {}
    const problem = schemaProblem(checkReissue, body, 'body')
    if (problem) throw new AdminError('ADMIN_INVALID_REQUEST', problem)
    const { expires_in_hours } = body as ReissueTokenARequest
    const reissued = await reissueTokenA(context, request.params.id, expires_in_hours)
    if (!reissued) throw new AdminError('ADMIN_NOT_FOUND', `no platform ${request.params.id}`)
    logAdminChange(request, 'reissue-token-a', { platformId: request.params.id })
    return invitationView(reissued)
  })

  // Hub-initiated credentials PUT with a fresh token for the partner (docs/admin-api.md).
  const rotateSchema = {
    summary: "Rotate the partner's token (a credentials PUT from the hub)",
    tags: PLATFORMS,
    params: PlatformParams,
  }
  routes.post('/platforms/:id/rotate-token', { schema: rotateSchema }, async (request) => {
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
    logAdminChange(request, 'rotate-token', { platformId: request.params.id })
    return { platform: await viewOf(context, request.params.id), rotated: true }
  })

  const removeSchema = {
    summary: 'Unregister a platform, or withdraw its invitation',
    tags: PLATFORMS,
    params: PlatformParams,
  }
  routes.delete('/platforms/:id', { schema: removeSchema }, async (request) => {
    const outcome = await unregisterPlatform(context, request.params.id)
    if (!outcome) throw new AdminError('ADMIN_NOT_FOUND', `no platform ${request.params.id}`)
    if (outcome.withdrawn) {
      logAdminChange(request, 'withdraw-invitation', { platformId: request.params.id })
      return { id: request.params.id, withdrawn: true, partner_notified: false }
    }
    logAdminChange(request, 'unregister', {
      platformId: request.params.id,
      partnerNotified: outcome.partnerNotified,
    })
    return {
      platform: await viewOf(context, request.params.id),
      withdrawn: false,
      partner_notified: outcome.partnerNotified,
      ...(outcome.partnerError ? { partner_error: outcome.partnerError } : {}),
    }
  })
}
