import type { PartyRef } from '../../src/core/party.ts'
import { encodeToken } from '../../src/core/tokens.ts'
import type { PlatformSpec, RegisteredPlatform } from '../partners/partner-contract.ts'
import type { BenchContext } from './bench-context.ts'
import type { HubUnderTest } from './hub-under-test.ts'

/** A simulated party connected to the hub under test. */
export interface BenchParty extends RegisteredPlatform {
  readonly party: PartyRef
}

/** Party ids of the bench: `prefix` + a 2-digit number (`C01`, `E17`). */
export function partyIds(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i + 1).padStart(2, '0')}`)
}

/**
 * Connects parties through the real flow: an admin invitation, then the partner's credentials handshake
 * (run by the partners process). One party per platform.
 */
export async function connectParties(
  context: BenchContext,
  hub: HubUnderTest,
  role: 'CPO' | 'EMSP',
  countryCode: string,
  ids: readonly string[],
  endpoints: PlatformSpec['endpoints'],
): Promise<BenchParty[]> {
  const platforms = []
  for (const id of ids) {
    const roles = [{ role, country_code: countryCode, party_id: id }]
    const name = `${role} ${countryCode}${id}`
    const invitation = await hub.admin<{ token_a: string }>('POST', '/invitations', { name, roles })
    platforms.push({ name, roles, endpoints, tokenA: invitation.token_a })
  }
  const registered = await context.partners.call('register', { hubVersionsUrl: hub.versionsUrl, platforms })
  return ids.map((party_id) => {
    const platform = registered.find((r) => r.name === `${role} ${countryCode}${party_id}`)!
    return { ...platform, party: { country_code: countryCode, party_id } }
  })
}

export function tokenHeader(token: string): Record<string, string> {
  return { authorization: `Token ${encodeToken(token)}` }
}

export function routeHeaders(from: PartyRef, to: PartyRef): Record<string, string> {
  return {
    'ocpi-from-country-code': from.country_code,
    'ocpi-from-party-id': from.party_id,
    'ocpi-to-country-code': to.country_code,
    'ocpi-to-party-id': to.party_id,
  }
}
