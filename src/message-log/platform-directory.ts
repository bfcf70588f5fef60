import { hashToken } from '../core/tokens.ts'
import type { PartyRef } from '../core/party.ts'
import type { Db } from '../storage/database.ts'

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
 * The message log's copy of the party directory: the client reports outbound calls by URL and token hash
 * only, and the log wants the platform, module and party. Loaded in one query and refreshed when something
 * is unknown or stale, at flush time, never on the request path.
 */
export class PlatformDirectory {
  readonly #db: Db
  #byId = new Map<string, KnownPlatform>()
  #byTokenHash = new Map<string, string>()
  #loadedAt = 0

  constructor(db: Db) {
    this.#db = db
  }

  /**
   * Loads the directory again when it is a minute old, or when it misses something logged after it was
   * loaded (a platform the hub called or heard from exists in the store by then). Something logged before
   * the last load that is still unknown stays unknown: no reload for it.
   */
  async refreshIfNeeded(latestMiss: number | undefined): Promise<void> {
    const stale = Date.now() - this.#loadedAt >= 60_000
    if (stale || (latestMiss !== undefined && latestMiss >= this.#loadedAt)) await this.#load()
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

  async #load(): Promise<void> {
    const [platforms, parties] = await Promise.all([
      this.#db
        .selectFrom('platforms')
        .select(['id', 'versions_url', 'endpoints', 'outbound_token'])
        .execute(),
      this.#db
        .selectFrom('parties')
        .select(['platform_id', 'country_code', 'party_id'])
        .where('status', '!=', 'SUSPENDED')
        .execute(),
    ])
    const partiesOf = new Map<string, PartyRef[]>()
    for (const p of parties) {
      const list = partiesOf.get(p.platform_id) ?? []
      list.push({ country_code: p.country_code, party_id: p.party_id })
      partiesOf.set(p.platform_id, list)
    }
    const byId = new Map<string, KnownPlatform>()
    const byTokenHash = new Map<string, string>()
    for (const row of platforms) {
      byId.set(row.id, {
        id: row.id,
        versionsUrl: row.versions_url,
        endpoints: row.endpoints
          .map((e) => ({ url: e.url.replace(/\/+$/, ''), module: e.identifier.toLowerCase() }))
          .sort((a, b) => b.url.length - a.url.length),
        parties: partiesOf.get(row.id) ?? [],
      })
      // Only the hash is kept: the log's memory holds no partner token.
      if (row.outbound_token) byTokenHash.set(hashToken(row.outbound_token), row.id)
    }
    this.#byId = byId
    this.#byTokenHash = byTokenHash
    this.#loadedAt = Date.now()
  }
}

function startsAtBoundary(url: string, prefix: string): boolean {
  if (!prefix || !url.startsWith(prefix)) return false
  const next = url[prefix.length]
  return next === undefined || next === '/' || next === '?'
}
