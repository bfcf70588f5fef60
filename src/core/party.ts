/** Roles of OCPI 2.3.0 (types.asciidoc). PTP is used by the Payments module but missing from the enum: accepted. */
export const ROLES = ['CPO', 'EMSP', 'NAP', 'NSP', 'OTHER', 'SCSP', 'PTP'] as const
export type Role = (typeof ROLES)[number]

export interface PartyRef {
  readonly country_code: string
  readonly party_id: string
}

/** CiString identifiers compare case-insensitively; the hub keys parties by their upper-case form. */
export function partyKey(party: PartyRef): string {
  return `${party.country_code.toUpperCase()}*${party.party_id.toUpperCase()}`
}

export function sameParty(a: PartyRef, b: PartyRef): boolean {
  return partyKey(a) === partyKey(b)
}

/** A party in one of its roles. */
export interface PartyInRole extends PartyRef {
  readonly role: string
}

/** A party in one role as messages name it: `CPO NL/ABC`. */
export function roleLabel(party: PartyInRole): string {
  return `${party.role} ${party.country_code.toUpperCase()}/${party.party_id.toUpperCase()}`
}

/** A party in one role, keyed case-insensitively as `partyKey` keys parties. */
export function roleKey(party: PartyInRole): string {
  return `${party.role} ${partyKey(party)}`
}

/** The same party with its ids upper-cased: the form the hub stores and keys parties by. */
export function upperParty(party: PartyRef): PartyRef {
  return { country_code: party.country_code.toUpperCase(), party_id: party.party_id.toUpperCase() }
}

const PARTY_TEXT = /^([A-Za-z]{2})[-*]([A-Za-z0-9]{3})$/

/** A party written `NL*ABC` or `NL-ABC` (admin query and path parameters), upper-cased; else undefined. */
export function partyFromText(text: string | undefined): PartyRef | undefined {
  const match = text === undefined ? null : PARTY_TEXT.exec(text)
  return match ? upperParty({ country_code: match[1]!, party_id: match[2]! }) : undefined
}
