import { roleKey, roleLabel, type Role } from '../../core/party.ts'
import type { HubContext } from '../../hub-context.ts'
import type { PartyRole } from '../../directory/party-directory.ts'
import { isUniqueViolation } from '../../storage/database-errors.ts'
import type { ConnectionStatus, PlatformContact, PlatformRow } from '../../storage/tables.ts'
import { queueClientInfoChanges } from '../hub-client-info/hub-client-info.service.ts'

/**
 * The operator's changes to a platform in the party directory: its name, contact and notes, and its
 * roles. OCPI has no message telling a partner that its roles changed: the other partners hear of the
 * parties through HubClientInfo, the partner itself sees the change in its next credentials exchange.
 */

/** Why a change was refused: no such platform or party, or one the platform's state does not allow. */
export class PlatformChangeRefused extends Error {
  override name = 'PlatformChangeRefused'
  constructor(
    readonly reason: 'not-found' | 'conflict',
    message: string,
  ) {
    super(message)
  }
}

/** Fields of a platform the operator may change; an absent field stays, null clears it. */
export interface PlatformDetails {
  readonly name?: string | undefined
  readonly contact?: PlatformContact | null | undefined
  readonly notes?: string | null | undefined
}

async function currentPlatform(context: HubContext, platformId: string): Promise<PlatformRow> {
  // The operator may have changed it through another hub process a moment ago.
  await context.directory.catchUp()
  const platform = context.directory.platform(platformId)
  if (!platform) throw new PlatformChangeRefused('not-found', `no platform ${platformId}`)
  return platform
}

/** Renames a platform or changes its contact and notes: nothing any partner is told. */
export async function changePlatformDetails(
  context: HubContext,
  platformId: string,
  details: PlatformDetails,
): Promise<void> {
  const found = await context.directory.write(async (tx) => {
    if (!(await tx.lockPlatform(platformId))) return false
    await tx.updatePlatform(platformId, {
      ...(details.name !== undefined ? { name: details.name } : {}),
      ...(details.contact !== undefined ? { contact: details.contact } : {}),
      ...(details.notes !== undefined ? { notes: details.notes } : {}),
    })
    return true
  })
  if (!found) throw new PlatformChangeRefused('not-found', `no platform ${platformId}`)
}

/** A new party starts where its platform is: PLANNED while invited, CONNECTED or OFFLINE once registered. */
function statusOfNewParty(platform: PlatformRow): ConnectionStatus {
  if (platform.status === 'SUSPENDED')
    throw new PlatformChangeRefused(
      'conflict',
      'the platform is unregistered (SUSPENDED): invite the partner again (POST /admin/invitations)',
    )
  return platform.status
}

function refuseHeldRoles(context: HubContext, role: PartyRole): void {
  const [held] = context.directory.liveRoleConflicts([role])
  if (held) {
    const holder = context.directory.platform(held.platform_id)
    throw new PlatformChangeRefused(
      'conflict',
      `role ${roleLabel(role)} is already held by platform ${held.platform_id} (${holder?.name ?? 'unknown'}, ${held.status})`,
    )
  }
}

/**
 * Adds a role to a platform:
 * 1. refused when any live platform (this one included) holds it already, or the platform is SUSPENDED;
 * 2. the party is stored with the platform's status: PLANNED for an invitation (a role it may claim),
 *    CONNECTED (or OFFLINE) for a registered platform, which may send and receive as it at once;
 * 3. the other partners receiving HubClientInfo are told of it, in the same transaction.
 */
export async function addPlatformRole(
  context: HubContext,
  platformId: string,
  role: PartyRole,
  correlationId: string,
): Promise<void> {
  const platform = await currentPlatform(context, platformId)
  const status = statusOfNewParty(platform)
  refuseHeldRoles(context, role)
  try {
    await context.directory.write(async (tx) => {
      const locked = await tx.lockPlatform(platformId)
      if (!locked) throw new PlatformChangeRefused('not-found', `no platform ${platformId}`)
      const before = await tx.partiesOf(platformId)
      await tx.insertParties(platformId, statusOfNewParty(locked), [{ ...role, business_details: null }])
      await queueClientInfoChanges(tx, context.hub, platformId, before, correlationId)
    })
  } catch (error) {
    // Another process gave the role to a platform after the check above: the live-role index refused it.
    if (isUniqueViolation(error)) {
      await context.directory.catchUp()
      refuseHeldRoles(context, role)
    }
    throw error
  }
  context.delivery.wake()
  context.log.info({ platformId, role: roleLabel(role), status }, 'role added to platform')
}

/**
 * Removes a role from a platform:
 * 1. refused for a role the platform does not hold, and for its last one (delete the platform instead);
 * 2. the other partners receiving HubClientInfo hear that the party is SUSPENDED, as on unregistration;
 * 3. the party leaves the directory: requests to it get "unknown receiver" (2003), and the platform may no
 *    longer send as it.
 */
export async function removePlatformRole(
  context: HubContext,
  platformId: string,
  role: PartyRole,
  correlationId: string,
): Promise<void> {
  const wanted = roleKey(role)
  await currentPlatform(context, platformId)
  await context.directory.write(async (tx) => {
    const platform = await tx.lockPlatform(platformId)
    if (!platform) throw new PlatformChangeRefused('not-found', `no platform ${platformId}`)
    if (platform.status === 'SUSPENDED')
      throw new PlatformChangeRefused(
        'conflict',
        'the platform is unregistered (SUSPENDED): its roles are history',
      )
    const before = await tx.partiesOf(platformId)
    if (!before.some((party) => roleKey(party) === wanted))
      throw new PlatformChangeRefused('not-found', `platform ${platformId} has no role ${roleLabel(role)}`)
    if (before.length === 1)
      throw new PlatformChangeRefused(
        'conflict',
        `${roleLabel(role)} is the platform's last role: delete the platform instead (DELETE /admin/platforms/${platformId})`,
      )
    await tx.setPartyStatus(platformId, role, 'SUSPENDED')
    await queueClientInfoChanges(tx, context.hub, platformId, before, correlationId)
    await tx.deleteParty(platformId, role)
  })
  context.delivery.wake()
  context.log.info({ platformId, role: roleLabel(role) }, 'role removed from platform')
}

/** Which platforms a list shows. */
export interface PlatformFilter {
  readonly status?: ConnectionStatus | undefined
  /** Platforms holding a role of this kind that is not SUSPENDED. */
  readonly role?: Role | undefined
  /** Part of the name, any case. */
  readonly name?: string | undefined
}

/** Where a page starts: after this platform in (created_at, id) order. */
export interface PlatformCursor {
  readonly createdAtMs: number
  readonly id: string
}

export interface PlatformPage {
  readonly platforms: readonly PlatformRow[]
  /** Where the next page starts; undefined on the last page. */
  readonly next: PlatformCursor | undefined
}

function cursorOf(platform: PlatformRow): PlatformCursor {
  return { createdAtMs: platform.created_at.getTime(), id: platform.id }
}

function compareCursors(a: PlatformCursor, b: PlatformCursor): number {
  return a.createdAtMs - b.createdAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

/**
 * One page of the directory's platforms, oldest first (created_at, then id: the order the cursor
 * follows, so a platform created or deleted between two pages moves no other one to another page).
 */
export async function listPlatforms(
  context: HubContext,
  filter: PlatformFilter,
  page: { readonly after?: PlatformCursor | undefined; readonly limit: number },
): Promise<PlatformPage> {
  await context.directory.catchUp()
  const { directory } = context
  const name = filter.name?.toLowerCase()
  const matching = directory
    .platforms()
    .filter(
      (platform) =>
        (!filter.status || platform.status === filter.status) &&
        (!name || platform.name.toLowerCase().includes(name)) &&
        (!filter.role ||
          directory.partiesOf(platform.id).some((p) => p.role === filter.role && p.status !== 'SUSPENDED')) &&
        (!page.after || compareCursors(cursorOf(platform), page.after) > 0),
    )
    .sort((a, b) => compareCursors(cursorOf(a), cursorOf(b)))
  const platforms = matching.slice(0, page.limit)
  const last = platforms.at(-1)
  return { platforms, next: matching.length > page.limit && last ? cursorOf(last) : undefined }
}
