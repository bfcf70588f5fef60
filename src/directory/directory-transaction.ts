import type { Db } from '../storage/database.ts'
import type {
  AgreementRow,
  AgreementState,
  ConnectionStatus,
  EndpointRow,
  NewPlatformRow,
  PartyRow,
  PlatformContact,
  PlatformRow,
  PlatformUpdate,
} from '../storage/tables.ts'
import type { PartyRole } from './party-directory.ts'
import type { PartyRef } from '../core/party.ts'
import type { RoamingMode } from '../config/config.ts'
import { readRoamingPolicy, type RoamingPolicy } from './roaming-policy.ts'

/** A new agreement as the admin API describes it (docs/agreements.md). */
export interface NewAgreement {
  readonly id: string
  readonly cpo: PartyRef
  readonly emsp: PartyRef
  readonly modules: readonly string[] | undefined
  readonly locationIds: readonly string[] | undefined
  readonly validFrom: Date | undefined
  readonly validUntil: Date | undefined
}

/** A platform and its first CONNECTED party (country_code, party_id, role order), read inside a transaction. */
export interface ConnectedPlatformRow {
  readonly id: string
  readonly endpoints: readonly EndpointRow[]
  readonly peer_hub: boolean
  readonly country_code: string
  readonly party_id: string
}

/**
 * The directory inside one store transaction (PartyDirectory.write): reads here see the transaction's own
 * changes, and every write marks the transaction as a directory change. `db` is the transaction itself, for
 * what the caller writes with the change (the outbox).
 */
export class DirectoryTransaction {
  #changed = false

  constructor(readonly db: Db) {}

  /** True once something the snapshot holds has been written: the writing process reloads after the commit. */
  get changed(): boolean {
    return this.#changed
  }

  /** Reads a platform and locks its row until the transaction ends: handshakes of one platform run one at a time. */
  async lockPlatform(id: string): Promise<PlatformRow | undefined> {
    return this.db.selectFrom('platforms').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()
  }

  /** Reads a platform without locking it. */
  async platform(id: string): Promise<PlatformRow | undefined> {
    return this.db.selectFrom('platforms').selectAll().where('id', '=', id).executeTakeFirst()
  }

  /** The parties of a platform as they are in this transaction. */
  async partiesOf(platformId: string): Promise<PartyRow[]> {
    return this.db
      .selectFrom('parties')
      .selectAll()
      .where('platform_id', '=', platformId)
      .orderBy('country_code')
      .orderBy('party_id')
      .orderBy('role')
      .execute()
  }

  /** Every CONNECTED platform but one with each of its CONNECTED parties, in platform id order. */
  async connectedPlatformParties(exceptPlatformId: string): Promise<ConnectedPlatformRow[]> {
    return this.db
      .selectFrom('platforms')
      .innerJoin('parties', 'parties.platform_id', 'platforms.id')
      .select([
        'platforms.id',
        'platforms.endpoints',
        'platforms.peer_hub',
        'parties.country_code',
        'parties.party_id',
      ])
      .where('platforms.status', '=', 'CONNECTED')
      .where('parties.status', '=', 'CONNECTED')
      .where('platforms.id', '<>', exceptPlatformId)
      .orderBy('platforms.id')
      .orderBy('parties.country_code')
      .orderBy('parties.party_id')
      .orderBy('parties.role')
      .execute()
  }

  async insertPlatform(
    platform: Omit<NewPlatformRow, 'endpoints'> & { endpoints: readonly EndpointRow[] },
  ): Promise<void> {
    this.#changed = true
    await this.db
      .insertInto('platforms')
      .values({ ...platform, endpoints: JSON.stringify(platform.endpoints) })
      .execute()
  }

  async updatePlatform(
    id: string,
    update: Omit<PlatformUpdate, 'endpoints' | 'contact'> & {
      endpoints?: readonly EndpointRow[]
      contact?: PlatformContact | null
    },
  ): Promise<void> {
    this.#changed = true
    const { endpoints, contact, ...rest } = update
    await this.db
      .updateTable('platforms')
      .set({
        ...rest,
        ...(endpoints ? { endpoints: JSON.stringify(endpoints) } : {}),
        ...(contact !== undefined ? { contact: contact && JSON.stringify(contact) } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .execute()
  }

  /** Moves last_seen_at only: not a change any process reloads for (the version trigger skips it). */
  async recordLastSeen(id: string, at: Date): Promise<void> {
    await this.db.updateTable('platforms').set({ last_seen_at: at }).where('id', '=', id).execute()
  }

  async deletePlatform(id: string): Promise<void> {
    this.#changed = true
    await this.db.deleteFrom('platforms').where('id', '=', id).execute()
  }

  async insertParties(
    platformId: string,
    status: ConnectionStatus,
    roles: readonly PartyRole[],
  ): Promise<void> {
    if (roles.length === 0) return
    this.#changed = true
    await this.db
      .insertInto('parties')
      .values(
        roles.map((r) => ({
          platform_id: platformId,
          role: r.role,
          country_code: r.country_code.toUpperCase(),
          party_id: r.party_id.toUpperCase(),
          business_details: r.business_details ? JSON.stringify(r.business_details) : null,
          status,
        })),
      )
      .execute()
  }

  /** One party of the platform to `status`. */
  async setPartyStatus(platformId: string, party: PartyRole, status: ConnectionStatus): Promise<void> {
    this.#changed = true
    await this.db
      .updateTable('parties')
      .set({ status, last_updated: new Date() })
      .where('platform_id', '=', platformId)
      .where('role', '=', party.role)
      .where('country_code', '=', party.country_code.toUpperCase())
      .where('party_id', '=', party.party_id.toUpperCase())
      .execute()
  }

  async deleteParty(platformId: string, party: PartyRole): Promise<void> {
    this.#changed = true
    await this.db
      .deleteFrom('parties')
      .where('platform_id', '=', platformId)
      .where('role', '=', party.role)
      .where('country_code', '=', party.country_code.toUpperCase())
      .where('party_id', '=', party.party_id.toUpperCase())
      .execute()
  }

  /**
   * Makes the claimed roles CONNECTED with the business details the partner sent, and sets every other
   * role of the platform back to PLANNED (allowed by its invitation, but not claimed now).
   */
  async applyClaimedRoles(platformId: string, claimed: readonly PartyRole[]): Promise<void> {
    this.#changed = true
    await this.db
      .updateTable('parties')
      .set({ status: 'PLANNED', last_updated: new Date() })
      .where('platform_id', '=', platformId)
      .where('status', '<>', 'PLANNED')
      .execute()
    for (const role of claimed) {
      await this.db
        .updateTable('parties')
        .set({
          status: 'CONNECTED',
          business_details: role.business_details ? JSON.stringify(role.business_details) : null,
          last_updated: new Date(),
        })
        .where('platform_id', '=', platformId)
        .where('role', '=', role.role)
        .where('country_code', '=', role.country_code.toUpperCase())
        .where('party_id', '=', role.party_id.toUpperCase())
        .execute()
    }
  }

  /** Every party of the platform to `status`. */
  async setPartiesStatus(platformId: string, status: ConnectionStatus): Promise<void> {
    this.#changed = true
    await this.db
      .updateTable('parties')
      .set({ status, last_updated: new Date() })
      .where('platform_id', '=', platformId)
      .execute()
  }

  /** The CONNECTED or OFFLINE parties of the platform to `status`; PLANNED and SUSPENDED ones stay. */
  async setLivePartiesStatus(
    platformId: string,
    status: Extract<ConnectionStatus, 'CONNECTED' | 'OFFLINE'>,
  ): Promise<void> {
    const [result] = await this.db
      .updateTable('parties')
      .set({ status, last_updated: new Date() })
      .where('platform_id', '=', platformId)
      .where('status', 'in', ['CONNECTED', 'OFFLINE'])
      .where('status', '<>', status)
      .execute()
    // The still-alive check confirms statuses that did not change: no reload for those (nor a version bump:
    // the store's trigger counts rows).
    if ((result?.numUpdatedRows ?? 0n) > 0n) this.#changed = true
  }

  // ── Roaming agreements and blocks: in the snapshot too (migration 0016) ─────────────────────────────

  async createAgreement(agreement: NewAgreement): Promise<AgreementRow> {
    this.#changed = true
    return this.db
      .insertInto('agreements')
      .values({
        id: agreement.id,
        cpo_country_code: agreement.cpo.country_code.toUpperCase(),
        cpo_party_id: agreement.cpo.party_id.toUpperCase(),
        emsp_country_code: agreement.emsp.country_code.toUpperCase(),
        emsp_party_id: agreement.emsp.party_id.toUpperCase(),
        state: 'proposed',
        modules: agreement.modules ? JSON.stringify(agreement.modules) : null,
        location_ids: agreement.locationIds ? JSON.stringify(agreement.locationIds) : null,
        valid_from: agreement.validFrom ?? null,
        valid_until: agreement.validUntil ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
  }

  /**
   * Who roams with whom as this transaction sees it: its own changes included; agreements' validity judged
   * at `at`, else at the present of each check.
   */
  async roamingPolicy(mode: RoamingMode, at?: Date): Promise<RoamingPolicy> {
    return readRoamingPolicy(this.db, mode, at)
  }

  /**
   * Locks the row of the periodic validity check until the transaction ends and returns the moment up to which
   * bounds were applied; undefined when another process holds it (it is running the check).
   */
  async claimValidityCheck(): Promise<Date | undefined> {
    const row = await this.db
      .selectFrom('agreement_validity_check')
      .select('checked_until')
      .forUpdate()
      .skipLocked()
      .executeTakeFirst()
    return row?.checked_until
  }

  async setValidityCheckedUntil(until: Date): Promise<void> {
    await this.db.updateTable('agreement_validity_check').set({ checked_until: until }).execute()
  }

  /**
   * The active agreements one of whose bounds falls in (`since`, `until`] and that were already active then:
   * one accepted after its bound passed was judged by the accept itself.
   */
  async agreementsPassingBounds(since: Date, until: Date): Promise<AgreementRow[]> {
    return this.db
      .selectFrom('agreements')
      .selectAll()
      .where('state', '=', 'active')
      .where((eb) =>
        eb.or(
          (['valid_from', 'valid_until'] as const).map((bound) =>
            eb.and([eb(bound, '>', since), eb(bound, '<=', until), eb('updated_at', '<', eb.ref(bound))]),
          ),
        ),
      )
      .orderBy('id')
      .execute()
  }

  /**
   * The roaming mode the hub last ran in, its row locked until the transaction ends (processes starting
   * together take turns); `mode` is recorded and returned when none was (the first start).
   */
  async claimRoamingMode(mode: RoamingMode): Promise<RoamingMode> {
    await this.db
      .insertInto('roaming_mode_record')
      .values({ mode })
      .onConflict((oc) => oc.doNothing())
      .execute()
    const row = await this.db
      .selectFrom('roaming_mode_record')
      .select('mode')
      .forUpdate()
      .executeTakeFirstOrThrow()
    return row.mode
  }

  async recordRoamingMode(mode: RoamingMode): Promise<void> {
    await this.db.updateTable('roaming_mode_record').set({ mode, recorded_at: new Date() }).execute()
  }

  /** Reads an agreement and locks it until the transaction ends: its state changes one at a time. */
  async lockAgreement(id: string): Promise<AgreementRow | undefined> {
    return this.db.selectFrom('agreements').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()
  }

  async setAgreementState(id: string, state: AgreementState): Promise<AgreementRow> {
    this.#changed = true
    return this.db
      .updateTable('agreements')
      .set({ state, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
  }

  /** False when `blocker` already blocked `blocked`. */
  async addBlock(blocker: PartyRef, blocked: PartyRef): Promise<boolean> {
    const result = await this.db
      .insertInto('party_blocks')
      .values({
        blocker_country_code: blocker.country_code.toUpperCase(),
        blocker_party_id: blocker.party_id.toUpperCase(),
        blocked_country_code: blocked.country_code.toUpperCase(),
        blocked_party_id: blocked.party_id.toUpperCase(),
      })
      .onConflict((oc) => oc.doNothing())
      .returning('created_at')
      .executeTakeFirst()
    const added = result !== undefined
    if (added) this.#changed = true
    return added
  }

  /** False when there was no such block. */
  async removeBlock(blocker: PartyRef, blocked: PartyRef): Promise<boolean> {
    const result = await this.db
      .deleteFrom('party_blocks')
      .where('blocker_country_code', '=', blocker.country_code.toUpperCase())
      .where('blocker_party_id', '=', blocker.party_id.toUpperCase())
      .where('blocked_country_code', '=', blocked.country_code.toUpperCase())
      .where('blocked_party_id', '=', blocked.party_id.toUpperCase())
      .executeTakeFirst()
    const removed = (result.numDeletedRows ?? 0n) > 0n
    if (removed) this.#changed = true
    return removed
  }
}
