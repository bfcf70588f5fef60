import { OcpiError } from '../core/errors.ts'
import { sameParty, type PartyRef } from '../core/party.ts'
import { type HubContext } from '../hub-context.ts'
import { hubParty } from '../core/hub-identity.ts'
import type { PlacedParty } from '../directory/party-directory.ts'
import { type InterfaceRole, implementersOf, type RoutedModule } from '../core/modules.ts'
import type { PlatformRow } from '../storage/tables.ts'

/** Where a functional-module request goes: the hub itself, or one party on one connected platform. */
export type Destination =
  | { readonly kind: 'hub' }
  | { readonly kind: 'party'; readonly party: PartyRef; readonly platform: PlatformRow }

/** The interface a request calls at its destination: it decides which role the destination must hold. */
export interface DestinationInterface {
  readonly module: RoutedModule
  readonly interfaceRole: InterfaceRole
}

function who(party: PartyRef): string {
  return `${party.country_code}*${party.party_id}`
}

/**
 * Refuses a request between two parties that do not roam (docs/agreements.md): 4001, as for a receiver the
 * requester cannot address. `locationId`: the CPO's Location the request is about (a command, a read by
 * id), for agreements limited to some Locations. Open mode with no blocks: one property read.
 */
export function checkRoaming(
  context: HubContext,
  from: PartyRef,
  to: PartyRef,
  module: string,
  locationId?: string,
): void {
  const roaming = context.directory.roaming
  if (roaming.unrestricted) return
  const refusal = roaming.pairRefusal(from, to, module, locationId)
  if (!refusal) return
  context.log.info(
    { from, to, module, locationId, refusal },
    'request refused: the parties do not roam with each other',
  )
  const scope = locationId === undefined ? module : `${module} at Location ${locationId}`
  throw new OcpiError(
    'HUB_ERR_NOT_ROAMING',
    refusal === 'blocked'
      ? `${who(from)} and ${who(to)} do not roam: one blocks the other`
      : `${who(from)} and ${who(to)} do not roam: no active roaming agreement covers ${scope}`,
  )
}

/**
 * Refuses a GET All of the CPO's Locations (or Tariffs, which follow them) routed to the CPO itself when
 * `reader` roams with it for only some of its Locations (an agreement's Location list): the CPO's pages are
 * its own, and the hub neither trims them (their paging and counts would lie) nor relays what the agreement
 * does not cover. GET All via the hub shows those objects. Call after `checkRoaming`.
 */
export function checkWholeLocationList(
  context: HubContext,
  reader: PartyRef,
  cpo: PartyRef,
  module: 'locations' | 'tariffs' = 'locations',
): void {
  const roaming = context.directory.roaming
  if (roaming.unrestricted || roaming.locationScope(cpo, reader, module) === undefined) return
  context.log.info(
    { from: reader, to: cpo, module },
    `routed GET All of ${module} refused: the agreement lists Locations`,
  )
  throw new OcpiError(
    'HUB_ERR_NOT_ROAMING',
    `${who(reader)} and ${who(cpo)} roam only for some of ${who(cpo)}'s Locations (their agreement lists them): read the ${module} through GET All via the hub, without routing headers${module === 'locations' ? ', or one by one' : ''}`,
  )
}

/**
 * Resolves TO (or the party open routing worked out from the content) to a destination. No TO is left to
 * the caller, which knows the module's rules.
 *
 * The directory keys a party by (role, country_code, party_id), so the same ids may live on several
 * platforms in different roles (a CPO FR*DUP here, an eMSP FR*DUP there). Only a party holding a role that
 * implements `target` (INTERFACE_IMPLEMENTERS) can be the destination:
 * - no party with these ids at all: 4001;
 * - parties with these ids, none of such a role: 2001 (HUB_ERR_WRONG_ROLE);
 * - such parties on more than one platform (SUSPENDED ones left aside): 4001 (HUB_ERR_AMBIGUOUS_RECEIVER),
 *   whatever their status, so that the answer does not flip when one of them goes offline;
 * - the one such party is not CONNECTED (invited, offline, unregistered): 4003;
 * - it is the requester's own platform: 2001.
 *
 * When nobody is connected under these ids in this process's snapshot, the directory first checks the
 * store: the party may have registered through another hub process a moment ago.
 */
export async function resolveDestination(
  context: HubContext,
  to: PartyRef | undefined,
  requesterPlatformId: string,
  target: DestinationInterface,
): Promise<Destination | undefined> {
  if (!to) return undefined
  if (sameParty(to, hubParty(context.hub))) return { kind: 'hub' }
  // The directory's snapshot: no store round trip on the hot path of every routed request.
  const found = context.directory.partiesWithIds(to)
  if (found.some(({ party, platform }) => party.status === 'CONNECTED' && platform.status === 'CONNECTED'))
    return destinationAmong(context, found, to, requesterPlatformId, target)
  // Nobody connected under these ids here: another hub process may have connected them a moment ago.
  await context.directory.catchUp()
  return destinationAmong(context, context.directory.partiesWithIds(to), to, requesterPlatformId, target)
}

function destinationAmong(
  context: HubContext,
  rows: readonly PlacedParty[],
  to: PartyRef,
  requesterPlatformId: string,
  target: DestinationInterface,
): Destination {
  if (rows.length === 0) throw new OcpiError('HUB_ERR_UNKNOWN_RECEIVER', `Unknown receiver ${who(to)}`)
  const roles = implementersOf(target.module, target.interfaceRole)
  const eligible = rows.filter((row) => roles.includes(row.party.role as never))
  if (eligible.length === 0) {
    throw new OcpiError(
      'HUB_ERR_WRONG_ROLE',
      `${who(to)} is not a party of role ${roles.join('/')}: only such a party implements the ${target.module} ${target.interfaceRole} interface`,
    )
  }
  const live = eligible.filter((row) => row.party.status !== 'SUSPENDED')
  const platformIds = new Set(live.map((row) => row.platform.id))
  if (platformIds.size > 1) {
    const held = live.map((row) => `${row.party.role} on platform ${row.platform.name}`).join(', ')
    context.log.warn(
      { to, module: target.module, interfaceRole: target.interfaceRole, parties: held },
      'ambiguous destination: several platforms hold a party with these ids in a role that receives this message',
    )
    throw new OcpiError(
      'HUB_ERR_AMBIGUOUS_RECEIVER',
      `${who(to)} is not one receiver: several platforms hold ${who(to)} in a role of ${roles.join('/')} that implements the ${target.module} ${target.interfaceRole} interface, and the hub does not guess (the hub operator can tell them apart)`,
      { detail: held },
    )
  }
  // One platform: its CONNECTED party of an eligible role, else whatever there is (for the 4003).
  const found = live.find((row) => row.party.status === 'CONNECTED') ?? live[0] ?? eligible[0]!
  const { party, platform } = found
  if (platform.status !== 'CONNECTED' || party.status !== 'CONNECTED') {
    throw new OcpiError(
      'HUB_ERR_RECEIVER_NOT_CONNECTED',
      `${who(to)} (${party.role}) is not connected to the hub (${party.status})`,
    )
  }
  if (platform.id === requesterPlatformId) {
    throw new OcpiError(
      'HUB_ERR_ROUTING_HEADERS',
      `${who(to)} is one of your own roles: the hub does not route a platform to itself`,
    )
  }
  return { kind: 'party', party: to, platform }
}
