import type { FastifyBaseLogger } from 'fastify'
import { sql } from 'kysely'
import type { AuthenticatedPartner } from '../core/authenticated-partner.ts'
import { partyKey, type PartyRef } from '../core/party.ts'
import type { Db, Store } from '../storage/database.ts'
import type { AgreementRow, PartyBlockRow, PartyRow, PlatformRow } from '../storage/tables.ts'
import { findAgreement, listAgreements, listBlocks, type AgreementFilter } from './agreement-reads.ts'
import { DirectoryTransaction } from './directory-transaction.ts'
import { listPartiesPage, type PartyPage, type PartyPageRequest } from './party-page.ts'
import { readRoamingPolicy, type RoamingPolicy } from './roaming-policy.ts'
import type { RoamingMode } from '../config/config.ts'

/** A party (role, country_code, party_id) as the directory keeps it. */
export interface PartyRole {
  role: string
  country_code: string
  party_id: string
  business_details?: Record<string, unknown> | null
}

/** A party with the platform that holds it. */
export interface PlacedParty {
  readonly party: PartyRow
  readonly platform: PlatformRow
}

/** A connected platform with its connected parties (country_code, party_id, role order). */
export interface ReceivingPlatform {
  readonly platform: PlatformRow
  readonly parties: readonly PartyRow[]
}

/** A platform the still-alive check looks at. */
export interface StillAliveCandidate {
  readonly id: string
  readonly status: string
  /** 2.1.1 partners read the token raw. */
  readonly version: string | null
  readonly versions_url: string | null
  readonly outbound_token: string | null
  /** CONNECTED: it called within the still-alive time. OFFLINE: it called the hub after it was marked OFFLINE. */
  readonly seen_recently: boolean
}

export interface PartyDirectoryOptions {
  /**
   * The oldest a snapshot may be and still authenticate a request; older, the request waits for the store
   * to confirm it (or refuses with 503). Infinity for a store no other process writes (PGlite).
   */
  readonly maxStalenessMs: number
  /** How often the store's directory version is compared with the snapshot's; 0: never (PGlite). */
  readonly pollIntervalMs: number
  readonly log: FastifyBaseLogger
  readonly roamingMode: RoamingMode
}

/** Bounds for PostgreSQL, where several hub processes share the directory (docs/operations.md). */
export const SHARED_STORE_BOUNDS = { maxStalenessMs: 1_000, pollIntervalMs: 250 } as const

/** The store's parties and platforms as one process sees them at one version. */
class Snapshot {
  readonly platforms: readonly PlatformRow[]
  readonly #platformById = new Map<string, PlatformRow>()
  readonly #partiesByPlatform = new Map<string, PartyRow[]>()
  readonly #partiesByKey = new Map<string, PartyRow[]>()
  readonly #platformByTokenHash = new Map<string, PlatformRow>()
  readonly #parties: readonly PartyRow[]
  readonly #receiving: readonly ReceivingPlatform[]
  /** Ids of the OFFLINE platforms: their queue waits (read by every claim of the delivery worker). */
  readonly offlinePlatformIds: readonly string[]

  constructor(
    readonly version: number,
    platforms: readonly PlatformRow[],
    parties: readonly PartyRow[],
    /** Agreements and blocks at the same version (migration 0016 bumps it too). */
    readonly roaming: RoamingPolicy,
  ) {
    this.platforms = platforms
    this.#parties = parties
    for (const platform of platforms) {
      this.#platformById.set(platform.id, platform)
      if (platform.invitation_token_hash)
        this.#platformByTokenHash.set(platform.invitation_token_hash, platform)
      if (platform.inbound_token_hash) this.#platformByTokenHash.set(platform.inbound_token_hash, platform)
    }
    for (const party of parties) {
      pushTo(this.#partiesByPlatform, party.platform_id, party)
      pushTo(this.#partiesByKey, partyKey(party), party)
    }
    this.offlinePlatformIds = platforms.filter((p) => p.status === 'OFFLINE').map((p) => p.id)
    this.#receiving = [...platforms]
      .filter((platform) => isRegistered(platform.status))
      .sort((a, b) => compareText(a.id, b.id))
      .map((platform) => ({
        platform,
        parties: this.partiesOf(platform.id).filter((party) => isRegistered(party.status)),
      }))
      .filter((receiving) => receiving.parties.length > 0)
  }

  platform(id: string): PlatformRow | undefined {
    return this.#platformById.get(id)
  }

  platformByTokenHash(hash: string): PlatformRow | undefined {
    return this.#platformByTokenHash.get(hash)
  }

  partiesOf(platformId: string): readonly PartyRow[] {
    return this.#partiesByPlatform.get(platformId) ?? []
  }

  partiesWithIds(party: PartyRef): readonly PartyRow[] {
    return this.#partiesByKey.get(partyKey(party)) ?? []
  }

  allParties(): readonly PartyRow[] {
    return this.#parties
  }

  receivingPlatforms(): readonly ReceivingPlatform[] {
    return this.#receiving
  }
}

function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}

/**
 * Registered and not suspended: CONNECTED, or OFFLINE because it stopped answering. An OFFLINE receiver is
 * still sent what it would have received: its queue waits until the still-alive check finds it again.
 */
function isRegistered(status: string): boolean {
  return status === 'CONNECTED' || status === 'OFFLINE'
}

/** True when the platform's invitation token (token A) has passed its expiry. */
export function tokenAExpired(platform: PlatformRow | undefined, now: Date = new Date()): boolean {
  const expiresAt = platform?.token_a_expires_at
  return Boolean(platform?.invitation_token_hash && expiresAt && expiresAt.getTime() <= now.getTime())
}

/** Byte order, as PostgreSQL's "C" collation and the old `order by platforms.id` on ids of ASCII. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

async function storedVersion(db: Db): Promise<number> {
  const row = await db
    .selectFrom('directory_version')
    .select(sql<string>`version::text`.as('version'))
    .executeTakeFirstOrThrow()
  return Number(row.version)
}

/**
 * The party directory: the only code that reads or writes the `platforms` and `parties` tables. Requests
 * read an in-memory snapshot (no store round trip); every write goes through `write`, which reloads the
 * snapshot after the commit, before it returns. The store bumps its directory version with every change
 * (triggers of migration 0007). Other processes see the version move on their next poll and reload (docs/decisions/0005).
 */
export class PartyDirectory {
  readonly #db: Db
  readonly #options: PartyDirectoryOptions
  #snapshot: Snapshot
  /** When the last check that found the snapshot current started. */
  #confirmedAt: number
  /** A write committed but its reload failed: the next read must check the store first. */
  #stale = false
  #timer: NodeJS.Timeout | undefined
  #checking: Promise<void> | undefined
  #loading: Promise<void> | undefined
  #loadsRequested = 0
  #loadsDone = 0
  #pollFailing = false

  private constructor(db: Db, options: PartyDirectoryOptions, snapshot: Snapshot, confirmedAt: number) {
    this.#db = db
    this.#options = options
    this.#snapshot = snapshot
    this.#confirmedAt = confirmedAt
  }

  /** Loads the directory and, on a shared store, starts polling its version. */
  static async open(
    store: Store,
    db: Db,
    log: FastifyBaseLogger,
    roamingMode: RoamingMode,
  ): Promise<PartyDirectory> {
    const options: PartyDirectoryOptions = store.supportsMultipleConnections
      ? { ...SHARED_STORE_BOUNDS, log, roamingMode }
      : { maxStalenessMs: Infinity, pollIntervalMs: 0, log, roamingMode }
    const startedAt = Date.now()
    const directory = new PartyDirectory(db, options, await PartyDirectory.#read(db, roamingMode), startedAt)
    directory.#startPolling()
    return directory
  }

  /** Stops polling and waits for a check or load in progress. */
  async close(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await Promise.allSettled([this.#checking, this.#loading])
  }

  // ── Reads from the snapshot ────────────────────────────────────────────────────────────────────────

  /**
   * The platform holding one of the candidate token hashes: its invitation token (token A) or the token
   * the hub issued it. The first candidate that matches wins. A snapshot older than the bound is checked
   * against the store first; an unknown token too (it may have been issued by another process just now).
   */
  async authenticate(
    candidates: readonly { token: string; hash: string }[],
  ): Promise<AuthenticatedPartner | undefined> {
    await this.ensureCurrent()
    let found = this.#findPartner(candidates)
    if (!found && this.#options.pollIntervalMs) {
      await this.#check()
      found = this.#findPartner(candidates)
    }
    if (found?.usedInvitationToken && tokenAExpired(this.#snapshot.platform(found.platformId))) {
      // Answered as an unknown token: the caller learns nothing; the operator sees why here.
      this.#options.log.info(
        { platformId: found.platformId, platformName: found.platformName },
        'token A refused: the invitation expired (POST /admin/platforms/{id}/reissue-token-a gives a new one)',
      )
      return undefined
    }
    return found
  }

  /** Resolves once the snapshot is known to be at most the bound old; rejects when the store cannot tell. */
  async ensureCurrent(): Promise<void> {
    if (!this.#stale && Date.now() - this.#confirmedAt <= this.#options.maxStalenessMs) return
    await this.#check()
  }

  /**
   * Checks the store's version now (one query) and reloads when it moved, for reads that must see a
   * change another process made a moment ago. A store no other process writes (PGlite) needs no check.
   */
  async catchUp(): Promise<void> {
    if (this.#options.pollIntervalMs || this.#stale) await this.#check()
  }

  /** The store's directory version the snapshot was read at: it changes when the snapshot does. */
  get version(): number {
    return this.#snapshot.version
  }

  platform(id: string): PlatformRow | undefined {
    return this.#snapshot.platform(id)
  }

  /** Who roams with whom: agreements and blocks, at the snapshot's version (docs/agreements.md). */
  get roaming(): RoamingPolicy {
    return this.#snapshot.roaming
  }

  /** Every platform, oldest first. */
  platforms(): readonly PlatformRow[] {
    return this.#snapshot.platforms
  }

  /** The parties of a platform, whatever their status, in (country_code, party_id, role) order. */
  partiesOf(platformId: string): readonly PartyRow[] {
    return this.#snapshot.partiesOf(platformId)
  }

  /** The parties a platform may act as: its CONNECTED ones. */
  connectedPartiesOf(platformId: string): readonly PartyRow[] {
    return this.partiesOf(platformId).filter((party) => party.status === 'CONNECTED')
  }

  /** Every party of every platform, in (country_code, party_id, role) order. */
  allParties(): readonly PartyRow[] {
    return this.#snapshot.allParties()
  }

  /** Every CONNECTED party, in (country_code, party_id, role) order. */
  connectedParties(): PartyRow[] {
    return this.allParties().filter((party) => party.status === 'CONNECTED')
  }

  /** Every role held under these ids, on whatever platform, with that platform. */
  partiesWithIds(party: PartyRef): PlacedParty[] {
    return this.#snapshot
      .partiesWithIds(party)
      .map((row) => ({ party: row, platform: this.#snapshot.platform(row.platform_id)! }))
  }

  /**
   * The platforms broadcasts go to (in id order): CONNECTED or OFFLINE, with their CONNECTED or OFFLINE
   * parties; platforms without one are left out.
   */
  receivingPlatforms(): readonly ReceivingPlatform[] {
    return this.#snapshot.receivingPlatforms()
  }

  /** Platforms marked OFFLINE: their messages wait in the queue until they answer again. */
  offlinePlatformIds(): readonly string[] {
    return this.#snapshot.offlinePlatformIds
  }

  /** Live (not SUSPENDED) parties of other platforms that hold one of these roles. */
  liveRoleConflicts(roles: readonly PartyRole[], exceptPlatformId?: string): PartyRow[] {
    const conflicts = roles.flatMap((role) =>
      this.#snapshot
        .partiesWithIds(role)
        .filter(
          (party) =>
            party.role === role.role &&
            party.status !== 'SUSPENDED' &&
            party.platform_id !== exceptPlatformId,
        ),
    )
    // A role listed twice is one conflict.
    return [...new Set(conflicts)]
  }

  // ── Reads from the store ───────────────────────────────────────────────────────────────────────────

  /** One page of the parties a platform may read as ClientInfo: a store query, for its paging and filters. */
  async listPartiesPage(callerPlatformId: string, page: PartyPageRequest): Promise<PartyPage> {
    return listPartiesPage(this.#db, callerPlatformId, page)
  }

  /** Roaming agreements in any state, read from the store (docs/agreements.md). */
  async listAgreements(filter: AgreementFilter): Promise<AgreementRow[]> {
    return listAgreements(this.#db, filter)
  }

  async findAgreement(id: string): Promise<AgreementRow | undefined> {
    return findAgreement(this.#db, id)
  }

  async listBlocks(): Promise<PartyBlockRow[]> {
    return listBlocks(this.#db)
  }

  /**
   * CONNECTED platforms silent since `silentSince` (no call since, counted from registration when they
   * never called) and every OFFLINE one, for the still-alive check: read from the store, since
   * last_seen_at is written there without a directory change.
   */
  async stillAliveCandidates(silentSince: Date): Promise<StillAliveCandidate[]> {
    const lastContact = sql<Date>`coalesce(last_seen_at, registered_at, created_at)`
    // Marking a platform OFFLINE sets its updated_at, so a later last_seen_at is a call made while OFFLINE.
    // Any other change while OFFLINE also moves updated_at: that only costs a probe, never a false revival.
    const seenRecently = sql<boolean>`case when status = 'OFFLINE'
      then coalesce(last_seen_at > updated_at, false)
      else ${lastContact} >= ${silentSince} end`
    // A platform without a versions endpoint has nothing to probe: the OICP bridge, which never calls the
    // hub (its health is its last sync with HBS), would be marked OFFLINE and its queue to HBS would wait.
    return this.#db
      .selectFrom('platforms')
      .select(['id', 'status', 'version', 'versions_url', 'outbound_token'])
      .select(seenRecently.as('seen_recently'))
      .where('status', 'in', ['CONNECTED', 'OFFLINE'])
      .where((eb) => eb.or([eb('status', '=', 'OFFLINE'), eb(lastContact, '<', silentSince)]))
      .where('versions_url', 'is not', null)
      .orderBy('id')
      .execute()
  }

  // ── Writes ─────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Runs `work` in one store transaction: its directory changes and whatever else it writes with `tx.db`
   * (queued ClientInfo, for example) commit together. The store's triggers bump the directory version in
   * the same transaction (migration 0007); after the commit this process reloads its snapshot before
   * `write` returns.
   *
   * The version row is locked first. Every change locks it anyway, through the triggers, but only after
   * the row it changed: two writes changing different rows (an invitation and a peer's HubClientInfo,
   * say) would then each hold a row the other's trigger waits behind, and PostgreSQL aborts one as a
   * deadlock. Taken first, the lock makes directory writes wait in turn instead.
   */
  async write<T>(work: (tx: DirectoryTransaction) => Promise<T>): Promise<T> {
    let changed = false
    const result = await this.#db.transaction().execute(async (trx) => {
      await trx.selectFrom('directory_version').select('version').forUpdate().execute()
      const tx = new DirectoryTransaction(trx)
      const value = await work(tx)
      changed = tx.changed
      return value
    })
    if (changed) await this.#reloadAfterWrite()
    return result
  }

  /**
   * Records that a partner called (platforms.last_seen_at). Not a directory change: no version bump, no
   * reload anywhere; this process's snapshot is updated in place.
   */
  async recordLastSeen(platformId: string, at: Date): Promise<void> {
    await this.#db.updateTable('platforms').set({ last_seen_at: at }).where('id', '=', platformId).execute()
    const platform = this.#snapshot.platform(platformId)
    if (platform) platform.last_seen_at = at
  }

  /**
   * When a partner last called, read from the store: another hub process may have recorded a later call
   * than this process's snapshot holds.
   */
  async lastSeenAt(platformId: string): Promise<Date | null> {
    const row = await this.#db
      .selectFrom('platforms')
      .select('last_seen_at')
      .where('id', '=', platformId)
      .executeTakeFirst()
    return row?.last_seen_at ?? null
  }

  // ── Keeping the snapshot current ───────────────────────────────────────────────────────────────────

  #findPartner(candidates: readonly { token: string; hash: string }[]): AuthenticatedPartner | undefined {
    for (const candidate of candidates) {
      const platform = this.#snapshot.platformByTokenHash(candidate.hash)
      if (!platform) continue
      const usedInvitationToken = platform.invitation_token_hash === candidate.hash
      return {
        platformId: platform.id,
        platformName: platform.name,
        registered: !usedInvitationToken && isRegistered(platform.status),
        usedInvitationToken,
        clearingOnly: !usedInvitationToken && platform.status === 'SUSPENDED',
        token: candidate.token,
      }
    }
    return undefined
  }

  async #reloadAfterWrite(): Promise<void> {
    try {
      await this.#reload()
    } catch (error) {
      // The write is committed: the caller must not see it fail. The next read checks the store first.
      this.#stale = true
      this.#options.log.warn({ err: error }, 'party directory: could not reload after a change')
    }
  }

  #startPolling(): void {
    if (!this.#options.pollIntervalMs) return
    this.#timer = setInterval(() => {
      this.#check().then(
        () => {
          if (this.#pollFailing) this.#options.log.info('party directory: the store answers again')
          this.#pollFailing = false
        },
        (error: unknown) => {
          if (!this.#pollFailing)
            this.#options.log.warn(
              { err: error },
              'party directory: cannot read the directory version; requests check the store themselves',
            )
          this.#pollFailing = true
        },
      )
    }, this.#options.pollIntervalMs)
    this.#timer.unref()
  }

  /** Compares the store's version with the snapshot's and reloads when they differ. Calls in flight share one check. */
  #check(): Promise<void> {
    this.#checking ??= (async () => {
      const startedAt = Date.now()
      if (!this.#stale && (await storedVersion(this.#db)) === this.#snapshot.version) {
        this.#confirmedAt = Math.max(this.#confirmedAt, startedAt)
        return
      }
      await this.#reload()
    })().finally(() => (this.#checking = undefined))
    return this.#checking
  }

  /** Loads a snapshot that started after this call: a load already running may predate a just-committed write. */
  async #reload(): Promise<void> {
    const wanted = ++this.#loadsRequested
    while (this.#loadsDone < wanted) {
      this.#loading ??= (async () => {
        const upTo = this.#loadsRequested
        const startedAt = Date.now()
        this.#snapshot = await PartyDirectory.#read(this.#db, this.#options.roamingMode)
        this.#confirmedAt = Math.max(this.#confirmedAt, startedAt)
        this.#stale = false
        this.#loadsDone = upTo
      })().finally(() => (this.#loading = undefined))
      await this.#loading
    }
  }

  /** The whole directory at one version (one repeatable-read transaction). */
  static async #read(db: Db, roamingMode: RoamingMode): Promise<Snapshot> {
    return db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        const version = await storedVersion(trx)
        const platforms = await trx
          .selectFrom('platforms')
          .selectAll()
          .orderBy('created_at')
          .orderBy('id')
          .execute()
        const parties = await trx
          .selectFrom('parties')
          .selectAll()
          .orderBy('country_code')
          .orderBy('party_id')
          .orderBy('role')
          .execute()
        return new Snapshot(version, platforms, parties, await readRoamingPolicy(trx, roamingMode))
      })
  }
}
