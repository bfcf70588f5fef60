import { OcpiError } from '../core/errors.ts'
import { sameParty, type PartyRef } from '../core/party.ts'
import type { HubContext } from '../hub-context.ts'
import type { PlatformRow } from '../storage/tables.ts'

/** Where a functional-module request goes: the hub itself, or one party on one connected platform. */
export type Destination =
  | { readonly kind: 'hub' }
  | { readonly kind: 'party'; readonly party: PartyRef; readonly platform: PlatformRow }

export function hubParty(context: HubContext): PartyRef {
  return { country_code: context.hub.countryCode, party_id: context.hub.partyId }
}

/**
 * Resolves TO to a destination. No TO (open routing) is left to the caller, which knows the module's
 * rules. An unknown party is 4001; one that is invited, offline or unregistered is 4003 (status_codes: 4xxx).
 */
export async function resolveDestination(
  context: HubContext,
  to: PartyRef | undefined,
  requesterPlatformId: string,
): Promise<Destination | undefined> {
  if (!to) return undefined
  if (sameParty(to, hubParty(context))) return { kind: 'hub' }
  // One query on the hot path of every routed request: the party's status and its platform together.
  const found = await context.db
    .selectFrom('parties')
    .innerJoin('platforms', 'platforms.id', 'parties.platform_id')
    .selectAll('platforms')
    .select('parties.status as party_status')
    .where('parties.country_code', '=', to.country_code)
    .where('parties.party_id', '=', to.party_id)
    // An unregistered (SUSPENDED) party is still one the hub knows: 4003, not 4001. CONNECTED sorts first.
    .orderBy('parties.status')
    .executeTakeFirst()
  if (!found) {
    throw new OcpiError('HUB_ERR_UNKNOWN_RECEIVER', `Unknown receiver ${to.country_code}*${to.party_id}`)
  }
  const { party_status, ...platform } = found
  if (platform.status !== 'CONNECTED' || party_status !== 'CONNECTED') {
    throw new OcpiError(
      'HUB_ERR_RECEIVER_NOT_CONNECTED',
      `${to.country_code}*${to.party_id} is not connected to the hub (${party_status})`,
    )
  }
  if (platform.id === requesterPlatformId) {
    throw new OcpiError(
      'HUB_ERR_ROUTING_HEADERS',
      `${to.country_code}*${to.party_id} is one of your own roles: the hub does not route a platform to itself`,
    )
  }
  return { kind: 'party', party: to, platform }
}
