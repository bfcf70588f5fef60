import { moduleOfEndpoint } from '../core/modules.ts'
import { hashToken } from '../core/tokens.ts'
import type { PartyRef } from '../core/party.ts'
import type { PartyDirectory } from '../directory/party-directory.ts'

interface KnownPlatform {
  readonly id: string
  readonly versionsUrl: string | null
  /** Endpoint URLs without a trailing slash, longest first (the most specific match wins). */
  readonly endpoints: readonly { readonly url: string; readonly module: string }[]
  /** Its parties that are not SUSPENDED: with exactly one, a message without routing headers is that party's. */
  readonly parties: readonly PartyRef[]
}

/** What the log can tell about an outbound call's receiver from the URL and token alone. */
export interface OutboundReceiver {
  readonly platformId: string | null
  readonly module: string | null
  readonly party: PartyRef | null
}

// A version details URL ends with the version: `…/2.3.0`.
const VERSION_SEGMENT = /\/\d+\.\d+(\.\d+)?\/?$/

/**
 * What the log reads from the party directory, indexed for it: the client reports outbound calls by URL
 * and token hash only, and the log wants the platform, module and party. The index is built again when the
 * directory's snapshot changed, at flush time, never on the request path.
 */
export class OutboundReceivers {
  readonly #directory: PartyDirectory
  #builtFrom: number | undefined
  #byId = new Map<string, KnownPlatform>()
  #byTokenHash = new Map<string, string>()

  constructor(directory: PartyDirectory) {
    this.#directory = directory
  }

  /**
   * Brings the index up to the directory. When something logged is unknown, the directory first checks
   * the store (a platform another hub process created a moment ago).
   */
  async refresh(hasMisses: boolean): Promise<void> {
    if (hasMisses) await this.#directory.catchUp()
    if (this.#builtFrom !== this.#directory.version) this.#build()
  }

  knowsPlatform(id: string): boolean {
    return this.#byId.has(id)
  }

  knowsToken(tokenHash: string): boolean {
    return this.#byTokenHash.has(tokenHash)
  }

  /** The single party of a platform, or null when it has several (then only routing headers tell). */
  onlyPartyOf(platformId: string | null): PartyRef | null {
    const parties = platformId ? this.#byId.get(platformId)?.parties : undefined
    return parties?.length === 1 ? parties[0]! : null
  }

  /** The platform that was called (by the token presented) and the module (by the endpoint URL called). */
  receiverOf(url: string, tokenHash: string | undefined): OutboundReceiver {
    const platformId = (tokenHash && this.#byTokenHash.get(tokenHash)) || null
    const candidates = platformId ? [this.#byId.get(platformId)!] : [...this.#byId.values()]
    for (const platform of candidates) {
      if (platform.versionsUrl === url) return this.#found(platform.id, 'versions')
      const endpoint = platform.endpoints.find((e) => startsAtBoundary(url, e.url))
      if (endpoint) return this.#found(platform.id, endpoint.module)
    }
    const module = VERSION_SEGMENT.test(url.split('?', 1)[0]!) ? 'versions' : null
    return { platformId, module, party: this.onlyPartyOf(platformId) }
  }

  #found(platformId: string, module: string): OutboundReceiver {
    return { platformId, module, party: this.onlyPartyOf(platformId) }
  }

  #build(): void {
    const byId = new Map<string, KnownPlatform>()
    const byTokenHash = new Map<string, string>()
    for (const row of this.#directory.platforms()) {
      byId.set(row.id, {
        id: row.id,
        versionsUrl: row.versions_url,
        endpoints: row.endpoints
          .map((e) => ({ url: e.url.replace(/\/+$/, ''), module: moduleOfEndpoint(e.identifier) }))
          .sort((a, b) => b.url.length - a.url.length),
        parties: this.#directory
          .partiesOf(row.id)
          .filter((p) => p.status !== 'SUSPENDED')
          .map((p) => ({ country_code: p.country_code, party_id: p.party_id })),
      })
      // Only the hash is kept: the log's memory holds no partner token.
      if (row.outbound_token) byTokenHash.set(hashToken(row.outbound_token), row.id)
    }
    this.#byId = byId
    this.#byTokenHash = byTokenHash
    this.#builtFrom = this.#directory.version
  }
}

function startsAtBoundary(url: string, prefix: string): boolean {
  if (!prefix || !url.startsWith(prefix)) return false
  const next = url[prefix.length]
  return next === undefined || next === '/' || next === '?'
}
