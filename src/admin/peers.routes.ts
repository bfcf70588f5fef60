import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { HubContext } from '../hub-context.ts'
import { ConnectionError } from '../modules/credentials/credentials.service.ts'
import { connectPeerHub, invitePeerHub, peerHubs, removePeerHub } from '../peering/peering.service.ts'
import { logAdminChange } from './admin-auth.ts'
import { AdminError } from './admin-errors.ts'
import { ConnectionRequest, InvitationRequest, PlatformParams } from './admin.schema.ts'
import { invitationView, platformView, viewOf } from './platforms.routes.ts'

/** The OpenAPI tag of these routes (docs/openapi.md). */
const PEERS = ['Admin · peer hubs']

const PeerInvitationRequest = Type.Omit(InvitationRequest, ['roles'])
const PeerConnectionRequest = Type.Omit(ConnectionRequest, ['role'])

/** Peering with other OCPI hubs (docs/bridges/peering.md, docs/admin-api.md "Peer hubs"). */
export async function peersRoutes(app: FastifyInstance, { context }: { context: HubContext }): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()

  const inviteSchema = {
    summary: 'Invite another OCPI hub to peer: its token A and versions URL',
    tags: PEERS,
    body: PeerInvitationRequest,
  }
  routes.post('/peers/invitations', { schema: inviteSchema }, async (request, reply) => {
    const { name, expires_in_hours } = request.body
    const invited = await invitePeerHub(context, {
      name,
      expiresInHours: expires_in_hours,
      correlationId: request.correlationId,
    })
    logAdminChange(request, 'invite-peer', { platformId: invited.platformId, name })
    return reply.code(201).send(invitationView(invited))
  })

  const connectSchema = {
    summary: "Peer with another OCPI hub through the credentials handshake, with that hub's token A",
    tags: PEERS,
    body: PeerConnectionRequest,
  }
  routes.post('/peers', { schema: connectSchema }, async (request, reply) => {
    const { versions_url, token_a, name } = request.body
    let platformId: string
    try {
      platformId = await connectPeerHub(context, { name, versionsUrl: versions_url, tokenA: token_a })
    } catch (error) {
      if (error instanceof ConnectionError) {
        const code = error.step === 'roles' ? 'ADMIN_CONFLICT' : 'ADMIN_PARTNER_FAILED'
        throw new AdminError(code, `peering failed at step ${error.step}: ${error.message}`, {
          step: error.step,
        })
      }
      throw error
    }
    logAdminChange(request, 'connect-peer', { platformId, versionsUrl: versions_url })
    return reply.code(201).send(await viewOf(context, platformId))
  })

  routes.get(
    '/peers',
    { schema: { summary: 'List the peer hubs and the parties behind each', tags: PEERS } },
    async () => {
      const peers = await peerHubs(context)
      return { peers: peers.map((peer) => platformView(peer, context.directory.partiesOf(peer.id))) }
    },
  )

  const removeSchema = {
    summary: 'End a peering: the peer hub is told and its parties become unreachable',
    tags: PEERS,
    params: PlatformParams,
  }
  routes.delete('/peers/:id', { schema: removeSchema }, async (request) => {
    const outcome = await removePeerHub(context, request.params.id)
    if (!outcome) throw new AdminError('ADMIN_NOT_FOUND', `no peer hub ${request.params.id}`)
    logAdminChange(request, 'remove-peer', {
      platformId: request.params.id,
      partnerNotified: outcome.partnerNotified,
    })
    return {
      peer: await viewOf(context, request.params.id),
      withdrawn: outcome.withdrawn,
      partner_notified: outcome.partnerNotified,
      ...(outcome.partnerError ? { partner_error: outcome.partnerError } : {}),
    }
  })
}
