import { upperParty, type PartyRef } from '../../core/party.ts'

/**
 * OICP identifiers and the OCPI parties in them (oicp.md §3). Only the ISO forms map to an OCPI party; a
 * DIN OperatorID (`+49*536`) would need an E.164 → ISO country table, which the bridge does not have.
 */

const ISO_OPERATOR_ID = /^([A-Za-z]{2})\*?([A-Za-z0-9]{3})$/
const ISO_PROVIDER_ID = /^([A-Za-z]{2})[*-]?([A-Za-z0-9]{3})$/
/** The book's ISO EvseID (upper case); the bridge upper-cases before matching, as HBS does. */
const ISO_EVSE_ID = /^([A-Z]{2})\*?([A-Z0-9]{3})\*?E[A-Z0-9*]{1,30}$/

/** The OCPI CPO party of an ISO OperatorID (`DE*ABC`, `DEABC`); undefined for a DIN one. */
export function partyOfOperatorId(operatorId: string): PartyRef | undefined {
  const match = ISO_OPERATOR_ID.exec(operatorId)
  return match ? upperParty({ country_code: match[1]!, party_id: match[2]! }) : undefined
}

/** The OCPI eMSP party of a ProviderID (`DE-8EO`, `DE*8EO`, `DE8EO`). */
export function partyOfProviderId(providerId: string): PartyRef | undefined {
  const match = ISO_PROVIDER_ID.exec(providerId)
  return match ? upperParty({ country_code: match[1]!, party_id: match[2]! }) : undefined
}

/** A party as an OICP OperatorID or ProviderID: `NL*ABC`. */
export function oicpPartyId(party: PartyRef): string {
  return `${party.country_code.toUpperCase()}*${party.party_id.toUpperCase()}`
}

/** The EvseID as the bridge sends it (upper case), or undefined when it is not an ISO EvseID. */
export function isoEvseId(text: string): string | undefined {
  const upper = text.toUpperCase()
  return ISO_EVSE_ID.test(upper) ? upper : undefined
}

/** The operator party an ISO EvseID belongs to. */
export function partyOfEvseId(evseId: string): PartyRef | undefined {
  const match = ISO_EVSE_ID.exec(evseId.toUpperCase())
  return match ? { country_code: match[1]!, party_id: match[2]! } : undefined
}

/** An EvcoID (EMAID, ISO or DIN form), as HBS's RemoteIdentification requires (oicp.md §3). */
const EVCO_ID =
  /^(([A-Za-z]{2}-?[A-Za-z0-9]{3}-?C[A-Za-z0-9]{8}-?[\dA-Za-z])|([A-Za-z]{2}[*-]?[A-Za-z0-9]{3}[*-]?[A-Za-z0-9]{6}[*-]?[\dX]))$/

/** The contract id as an EvcoID, or undefined when it is not EMAID-shaped (mapping.md §5: refused). */
export function evcoIdOf(contractId: string): string | undefined {
  return EVCO_ID.test(contractId) ? contractId : undefined
}

/** The eMSP party an EvcoID belongs to (its ProviderID part: `DE-8EO-C…` → DE/8EO), or undefined when not an EvcoID. */
export function partyOfEvcoId(evcoId: string): PartyRef | undefined {
  if (!evcoIdOf(evcoId)) return undefined
  return partyOfProviderId(evcoId.replace(/^([A-Za-z]{2})[*-]?([A-Za-z0-9]{3}).*$/, '$1$2'))
}
