import { randomUUID } from 'node:crypto'
import { roleKey, roleLabel } from '../../core/party.ts'
import { generateToken, hashToken } from '../../core/tokens.ts'
import type { HubContext } from '../../hub-context.ts'
import type { DirectoryTransaction } from '../../directory/directory-transaction.ts'
import type { PartyRole } from '../../directory/party-directory.ts'
import { isUniqueViolation } from '../../storage/database-errors.ts'
import type { PlatformRow } from '../../storage/tables.ts'
import { queueClientInfoChanges } from '../hub-client-info/hub-client-info.service.ts'

/** The operator invites a platform to connect, in the roles it may claim. */
export interface Invitation {
  readonly name: string
  readonly roles: readonly PartyRole[]
  /** How long token A opens the hub; absent: INVITATION_TTL_HOURS; 0: never expires. */
  readonly expiresInHours?: number | undefined
  readonly correlationId: string
  /** Another OCPI hub: it claims the parties reachable through it at registration (docs/bridges/peering.md). */
  readonly peerHub?: boolean | undefined
}

/** What the invited platform is handed: its token A and where to start the credentials handshake. */
export interface IssuedInvitation {
  readonly platformId: string
  readonly tokenA: string
  readonly versionsUrl: string
  /** Null: token A never expires. */
  readonly tokenAExpiresAt: Date | null
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
    const taken = conflicts.map(roleLabel).join(', ')
    throw new InvitationRefused('roles-taken', `already held by another platform: ${taken}`)
  }
}

/** When a token A issued now expires: `hours` if given, else the INVITATION_TTL_HOURS setting; 0 is never. */
export function tokenAExpiry(context: HubContext, hours: number | undefined, now = new Date()): Date | null {
  const ttl = hours ?? context.config.invitationTtlHours
  return ttl === 0 ? null : new Date(now.getTime() + ttl * 3_600_000)
}

/** A new invitation as it is written: the platform, its PLANNED parties and the ClientInfo for the others. */
async function insertInvitation(
  context: HubContext,
  tx: DirectoryTransaction,
  invitation: Invitation,
): Promise<IssuedInvitation> {
  const platformId = randomUUID()
  const tokenA = generateToken()
  const tokenAExpiresAt = tokenAExpiry(context, invitation.expiresInHours)
  await tx.insertPlatform({
    id: platformId,
    name: invitation.name,
    status: 'PLANNED',
    initiated_by: 'partner',
    invitation_token_hash: hashToken(tokenA),
    token_a_expires_at: tokenAExpiresAt,
    inbound_token_hash: null,
    outbound_token: null,
    versions_url: null,
    version: null,
    endpoints: [],
    hub_party_id: null,
    registered_at: null,
    peer_hub: invitation.peerHub ?? false,
  })
  await tx.insertParties(platformId, 'PLANNED', invitation.roles)
  await queueClientInfoChanges(tx, context.hub, platformId, [], invitation.correlationId)
  return { platformId, tokenA, versionsUrl: context.hub.versionsUrl, tokenAExpiresAt }
}

/**
 * Invites a platform (credentials.asciidoc: the hub hands out token A):
 * 1. each role listed once, and none held by another platform that is not SUSPENDED;
 * 2. the platform and its parties stored as PLANNED, with the hash of a fresh token A and its expiry;
 * 3. the other partners told of the invited parties (mod_hub_client_info), in the same transaction.
 */
export async function invitePlatform(context: HubContext, invitation: Invitation): Promise<IssuedInvitation> {
  const keys = invitation.roles.map(roleKey)
  const duplicate = keys.find((key, index) => keys.indexOf(key) !== index)
  if (duplicate) throw new InvitationRefused('duplicate-role', `role ${duplicate} is listed twice`)
  await refuseRolesHeldElsewhere(context, invitation.roles)
  let issued: IssuedInvitation
  try {
    issued = await context.directory.write((tx) => insertInvitation(context, tx, invitation))
    context.delivery.wake()
  } catch (error) {
    // A concurrent invitation took one of the roles after the check above: the live-role index refused it.
    if (isUniqueViolation(error)) await refuseRolesHeldElsewhere(context, invitation.roles)
    throw error
  }
  context.log.info(
    { platformId: issued.platformId, name: invitation.name, correlationId: invitation.correlationId },
    'invitation created',
  )
  return issued
}

/** A role of a bulk invitation with where it came from (a CSV line, a position in a JSON list). */
export interface BulkRole extends PartyRole {
  readonly row: number
}

/** One platform of a bulk invitation. */
export interface BulkInvitation {
  readonly name: string
  readonly roles: readonly BulkRole[]
  readonly expiresInHours?: number | undefined
}

export interface RowProblem {
  readonly row: number
  readonly reason: string
}

/** A bulk invitation that would not create every platform: nothing was created. */
export class BulkInvitationRefused extends Error {
  override name = 'BulkInvitationRefused'
  constructor(readonly problems: readonly RowProblem[]) {
    super(`${problems.length} row(s) cannot be invited; nothing was created`)
  }
}

/** Roles listed twice in the file, or held by a live platform already, each with its row. */
function bulkRoleProblems(context: HubContext, invitations: readonly BulkInvitation[]): RowProblem[] {
  const problems: RowProblem[] = []
  const firstRow = new Map<string, number>()
  for (const role of invitations.flatMap((invitation) => invitation.roles)) {
    const key = roleKey(role)
    const earlier = firstRow.get(key)
    if (earlier === undefined) firstRow.set(key, role.row)
    else
      problems.push({
        row: role.row,
        reason: `role ${roleLabel(role)} is listed twice (also row ${earlier})`,
      })
    for (const held of context.directory.liveRoleConflicts([role]))
      problems.push({ row: role.row, reason: `role ${roleLabel(held)} is already held by another platform` })
  }
  return problems
}

/**
 * Invites many platforms at once, all or nothing:
 * 1. every role listed once in the whole file and held by no live platform (else every problem with its
 *    row, and nothing created);
 * 2. every platform written as `invitePlatform` writes one, in one transaction;
 * 3. the other partners told of the invited parties in that transaction.
 */
export async function inviteBulk(
  context: HubContext,
  invitations: readonly BulkInvitation[],
  correlationId: string,
): Promise<IssuedInvitation[]> {
  await context.directory.catchUp()
  const problems = bulkRoleProblems(context, invitations)
  if (problems.length > 0) throw new BulkInvitationRefused(problems)
  let issued: IssuedInvitation[]
  try {
    issued = await context.directory.write(async (tx) => {
      const created: IssuedInvitation[] = []
      for (const invitation of invitations)
        created.push(await insertInvitation(context, tx, { ...invitation, correlationId }))
      return created
    })
    context.delivery.wake()
  } catch (error) {
    if (isUniqueViolation(error)) {
      // Another invitation took a role after the check: name it as the check would have.
      await context.directory.catchUp()
      const raced = bulkRoleProblems(context, invitations)
      if (raced.length > 0) throw new BulkInvitationRefused(raced)
    }
    throw error
  }
  context.log.info({ platforms: issued.length, correlationId }, 'bulk invitation created')
  return issued
}

/** Why a token A could not be reissued. */
export class ReissueRefused extends Error {
  override name = 'ReissueRefused'
}

/**
 * A fresh token A for a platform that has not registered yet (its old one expired or was lost): the old
 * token stops working at once. Undefined when there is no such platform.
 */
export async function reissueTokenA(
  context: HubContext,
  platformId: string,
  expiresInHours: number | undefined,
): Promise<IssuedInvitation | undefined> {
  const tokenA = generateToken()
  const tokenAExpiresAt = tokenAExpiry(context, expiresInHours)
  const found = await context.directory.write(async (tx) => {
    const platform = await tx.lockPlatform(platformId)
    if (!platform) return false
    if (platform.status !== 'PLANNED' || platform.initiated_by !== 'partner')
      throw new ReissueRefused(
        `the platform is ${platform.status}${platform.initiated_by === 'hub' ? ' (the hub registers at it)' : ''}: only an invitation not yet used has a token A`,
      )
    await tx.updatePlatform(platformId, {
      invitation_token_hash: hashToken(tokenA),
      token_a_expires_at: tokenAExpiresAt,
    })
    return true
  })
  if (!found) return undefined
  context.log.info({ platformId, tokenAExpiresAt }, 'token A reissued')
  return { platformId, tokenA, versionsUrl: context.hub.versionsUrl, tokenAExpiresAt }
}

/**
 * Withdraws an invitation for good: the platform and its parties leave the directory, and the partners
 * that were told of the PLANNED parties hear that they are SUSPENDED (the status unregistration uses).
 */
export async function withdrawInvitation(context: HubContext, platform: PlatformRow): Promise<void> {
  await context.directory.write(async (tx) => {
    await tx.lockPlatform(platform.id)
    const before = await tx.partiesOf(platform.id)
    await tx.setPartiesStatus(platform.id, 'SUSPENDED')
    await queueClientInfoChanges(tx, context.hub, platform.id, before)
    await tx.deletePlatform(platform.id)
  })
  context.delivery.wake()
  context.log.info({ platformId: platform.id, name: platform.name }, 'invitation withdrawn and deleted')
}
