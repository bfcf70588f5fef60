import { OcpiError } from '../core/errors.ts'
import { sameParty, type PartyRef } from '../core/party.ts'
import type { PartyDirectory } from '../directory/party-directory.ts'
import type { AuthenticatedPartner } from '../core/authenticated-partner.ts'
import type { RoutingHeaders } from '../core/routing-headers.ts'

export interface RequesterParty extends PartyRef {
  readonly role: string
}

/** The authenticated platform with the parties (roles) it may act as: those it claimed and are CONNECTED. */
export interface Requester {
  readonly platformId: string
  readonly parties: readonly RequesterParty[]
}

export function loadRequester(directory: PartyDirectory, partner: AuthenticatedPartner): Requester {
  const parties = directory
    .connectedPartiesOf(partner.platformId)
    .map(({ role, country_code, party_id }) => ({
      role,
      country_code,
      party_id,
    }))
  return { platformId: partner.platformId, parties }
}

/** True when the requester holds `party` in one of `roles`. */
export function actsAs(requester: Requester, party: PartyRef, roles: readonly string[]): boolean {
  return requester.parties.some((p) => roles.includes(p.role) && sameParty(p, party))
}

/** A FROM header must name one of the requester's own parties: nobody speaks for another party. */
export function checkFromHeader(requester: Requester, routing: RoutingHeaders): void {
  const from = routing.from
  if (from && !requester.parties.some((p) => sameParty(p, from))) {
    throw new OcpiError(
      'HUB_ERR_ROUTING_HEADERS',
      `OCPI-from-* names ${from.country_code}*${from.party_id}, which is not one of your roles`,
    )
  }
}

/** Who the requester speaks as: its FROM header, else the given fallback (the owner in the URL). */
export function requesterParty(
  requester: Requester,
  routing: RoutingHeaders,
  fallback?: PartyRef,
): PartyRef | undefined {
  return routing.from ?? fallback ?? requester.parties[0]
}
