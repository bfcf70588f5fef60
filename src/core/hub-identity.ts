import type { PartyRef } from './party.ts'

/** The hub's own identity, as partners see it. */
export interface HubIdentity {
  readonly countryCode: string
  readonly partyId: string
  readonly name: string
  /** GET here lists the OCPI versions the hub speaks. */
  readonly versionsUrl: string
  /** Base of every OCPI 2.3.0 endpoint of the hub. */
  readonly baseUrl230: string
  /** `…/ocpi`: each version's endpoints live below `…/ocpi/{version}`. */
  readonly ocpiBaseUrl: string
}

/** The hub as a party: FROM of what it answers or sends itself, the TO that means "the hub". */
export function hubParty(hub: HubIdentity): PartyRef {
  return { country_code: hub.countryCode, party_id: hub.partyId }
}
