import { randomUUID } from 'node:crypto'
import { partyKey } from '../../core/party.ts'
import { generateToken, hashToken } from '../../core/tokens.ts'
import type { HubContext } from '../../hub-context.ts'
import type { PartyRole } from '../../directory/party-directory.ts'
import { isUniqueViolation } from '../../storage/database-errors.ts'
import { queueClientInfoChanges } from '../hub-client-info/hub-client-info.service.ts'

/** The operator invites a platform to connect, in the roles it may claim. */
export interface Invitation {
  readonly name: string
  readonly roles: readonly PartyRole[]
  readonly correlationId: string
}

/** What the invited platform is handed: its token A and where to start the credentials handshake. */
export interface IssuedInvitation {
  readonly platformId: string
  readonly tokenA: string
  readonly versionsUrl: string
}

/** Why an invitation was refused: a role listed twice, or roles another live platform holds. */
export class InvitationRefused extends Error {
  override name = 'InvitationRefused'
  readonly reason: 'duplicate-role' | 'roles-taken'
  constructor(reason: InvitationRefused['reason'], message: string) {
    super(message)
    this.reason = reason
  }
}

/** Refuses roles that another live platform or invitation holds, naming them. */
async function refuseRolesHeldElsewhere(context: HubContext, roles: readonly PartyRole[]): Promise<void> {
  // Another hub process may have invited or registered these roles a moment ago.
  await context.directory.catchUp()
  const conflicts = context.directory.liveRoleConflicts(roles)
  if (conflicts.length > 0) {
    const taken = conflicts.map((c) => `${c.role} ${c.country_code}/${c.party_id}`).join(', ')
    throw new InvitationRefused('roles-taken', `already held by another platform: ${taken}`)
  }
}

/**
 * Invites a platform (credentials.asciidoc: the hub hands out token A):
 * 1. each role listed once, and none held by another platform that is not SUSPENDED;
 * 2. the platform and its parties stored as PLANNED, with the hash of a fresh token A;
 * 3. the other partners told of the invited parties (mod_hub_client_info), in the same transaction.
 */
export async function invitePlatform(context: HubContext, invitation: Invitation): Promise<IssuedInvitation> {
  const { name, roles } = invitation
  const keys = roles.map((r) => `${r.role} ${partyKey(r)}`)
  const duplicate = keys.find((key, index) => keys.indexOf(key) !== index)
  if (duplicate) throw new InvitationRefused('duplicate-role', `role ${duplicate} is listed twice`)
  await refuseRolesHeldElsewhere(context, roles)
  const platformId = randomUUID()
  const tokenA = generateToken()
  try {
    await context.directory.write(async (tx) => {
      await tx.insertPlatform({
        id: platformId,
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
      await tx.insertParties(platformId, 'PLANNED', roles)
      await queueClientInfoChanges(tx, context.hub, platformId, [], invitation.correlationId)
    })
    context.delivery.wake()
  } catch (error) {
    // A concurrent invitation took one of the roles after the check above: the live-role index refused it.
    if (isUniqueViolation(error)) await refuseRolesHeldElsewhere(context, roles)
    throw error
  }
  context.log.info({ platformId, name, correlationId: invitation.correlationId }, 'invitation created')
  return { platformId, tokenA, versionsUrl: context.hub.versionsUrl }
}
