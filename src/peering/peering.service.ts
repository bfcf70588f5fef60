import type { HubContext } from '../hub-context.ts'
import {
  registerAtPartner,
  unregisterPlatform,
  type UnregisterOutcome,
} from '../modules/credentials/credentials.service.ts'
import { invitePlatform, type IssuedInvitation } from '../modules/credentials/invitations.service.ts'
import type { PlatformRow } from '../storage/tables.ts'

/**
 * The operator's side of peering with another OCPI hub (docs/bridges/peering.md). A peer hub is a platform
 * of the directory marked `peer_hub` whose parties are the parties reachable through it
 * (docs/decisions/0020-peer-hubs-in-the-directory.md): everything else, routing, the outbox, the still-alive
 * check, the message log, treats it as the partner platform it is.
 */

/** Invites another hub to peer: its token A, with no roles listed, since it claims its parties itself. */
export async function invitePeerHub(
  context: HubContext,
  invitation: {
    readonly name: string
    readonly expiresInHours?: number | undefined
    readonly correlationId: string
  },
): Promise<IssuedInvitation> {
  return invitePlatform(context, { ...invitation, roles: [], peerHub: true })
}

/**
 * Peers with another hub that gave us a versions URL and token A: the credentials handshake as the
 * sender, presenting this hub's own parties and learning the peer's from the roles it answers with.
 * Returns the peer's platform id.
 */
export async function connectPeerHub(
  context: HubContext,
  request: { readonly name: string; readonly versionsUrl: string; readonly tokenA: string },
): Promise<string> {
  return registerAtPartner(context, { ...request, peerHub: true })
}

/** Every peer hub of the directory, unregistered ones included (their rows stay as history). */
export async function peerHubs(context: HubContext): Promise<PlatformRow[]> {
  await context.directory.catchUp()
  return context.directory.platforms().filter((platform) => platform.peer_hub)
}

/**
 * Ends a peering: the peer is told (credentials DELETE) and its platform suspended, so its parties are
 * no longer reachable. Undefined when `platformId` is no peer hub.
 */
export async function removePeerHub(
  context: HubContext,
  platformId: string,
): Promise<UnregisterOutcome | undefined> {
  await context.directory.catchUp()
  if (context.directory.platform(platformId)?.peer_hub !== true) return undefined
  return unregisterPlatform(context, platformId)
}
