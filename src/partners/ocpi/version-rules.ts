import type { PartyRef } from '../../core/party.ts'
import { ROUTING_HEADERS } from '../../core/routing-headers.ts'
import type { OcpiVersion } from '../../core/ocpi-versions.ts'

/** How the Authorization token is written: Base64-encoded, or as it is. */
export type TokenEncoding = 'base64' | 'raw'

/** What differs between OCPI versions on the wire when the hub calls a partner, one named rule each. */
export interface OcpiVersionRules {
  /** 2.2 and later Base64-encode the token; 2.1.1 peers read it as it is. */
  readonly tokenEncoding: TokenEncoding
  /** 2.1.1 has no OCPI-from/to-* headers: its receivers work out everything from the URL and the token. */
  readonly carriesRoutingHeaders: boolean
  /** 2.1.1 endpoints name no interface (SENDER/RECEIVER): one URL per module, its side follows from the party's role. */
  readonly endpointsNameTheirInterface: boolean
}

const CURRENT: OcpiVersionRules = {
  tokenEncoding: 'base64',
  carriesRoutingHeaders: true,
  endpointsNameTheirInterface: true,
}

/** One entry per version the hub speaks: a new version cannot be added without deciding each rule. */
const VERSION_RULES: Readonly<Record<OcpiVersion, OcpiVersionRules>> = {
  '2.3.0': CURRENT,
  '2.2.1': CURRENT,
  '2.1.1': { tokenEncoding: 'raw', carriesRoutingHeaders: false, endpointsNameTheirInterface: false },
}

export function rulesOf(version: OcpiVersion): OcpiVersionRules {
  return VERSION_RULES[version]
}

/** Configuration modules are platform-to-platform: their messages carry no routing headers (transport_and_format). */
const PLATFORM_TO_PLATFORM: ReadonlySet<string> = new Set(['versions', 'credentials', 'hubclientinfo'])

/** The routing headers of a call to a partner of `version`: FROM and TO, or none where they do not belong. */
export function outboundRoutingHeaders(
  version: OcpiVersion,
  module: string,
  from: PartyRef,
  to: PartyRef,
): Record<string, string> {
  if (!rulesOf(version).carriesRoutingHeaders || PLATFORM_TO_PLATFORM.has(module)) return {}
  return {
    [ROUTING_HEADERS.fromCountryCode]: from.country_code,
    [ROUTING_HEADERS.fromPartyId]: from.party_id,
    [ROUTING_HEADERS.toCountryCode]: to.country_code,
    [ROUTING_HEADERS.toPartyId]: to.party_id,
  }
}
