import type { RoamingMode } from '../config/config.ts'
import { partyKey, type PartyRef } from '../core/party.ts'
import type { Db } from '../storage/database.ts'
import type { AgreementRow, PartyBlockRow } from '../storage/tables.ts'

/** Why a pair does not roam, for the messages and logs of the places that refuse. */
export type RoamingRefusal = 'blocked' | 'no agreement'

function pairKey(cpo: PartyRef, other: PartyRef): string {
  return `${partyKey(cpo)}|${partyKey(other)}`
}

/**
 * Who roams with whom (docs/agreements.md), held in the party directory's snapshot so that every check
 * on the hot path is a Map lookup. Open mode with no blocks is `unrestricted`: callers skip the check.
 * Agreements are between a CPO party and the party on the other side (an eMSP, or any other role of a
 * module's audience); blocks stop a pair whichever of the two blocked the other.
 */
export class RoamingPolicy {
  /** Open mode and no blocks: everybody roams with everybody. */
  readonly unrestricted: boolean
  readonly #agreements = new Map<string, AgreementRow[]>()
  readonly #blocked = new Set<string>()
  /** The instant the agreements' validity is judged at when a check names none; undefined: the present. */
  readonly #at: Date | undefined

  constructor(
    readonly mode: RoamingMode,
    agreements: readonly AgreementRow[],
    blocks: readonly PartyBlockRow[],
    at?: Date,
  ) {
    this.#at = at
    for (const agreement of agreements) {
      if (agreement.state !== 'active') continue
      const key = pairKey(
        { country_code: agreement.cpo_country_code, party_id: agreement.cpo_party_id },
        { country_code: agreement.emsp_country_code, party_id: agreement.emsp_party_id },
      )
      const list = this.#agreements.get(key)
      if (list) list.push(agreement)
      else this.#agreements.set(key, [agreement])
    }
    for (const block of blocks) {
      const blocker = { country_code: block.blocker_country_code, party_id: block.blocker_party_id }
      const blocked = { country_code: block.blocked_country_code, party_id: block.blocked_party_id }
      this.#blocked.add(pairKey(blocker, blocked))
      this.#blocked.add(pairKey(blocked, blocker))
    }
    this.unrestricted = mode === 'open' && this.#blocked.size === 0
  }

  /**
   * Like `refusal`, for an owned object crossing from its owner to a reader: the CPO side is the owner when the
   * module's owners are CPOs (Locations, Tariffs), else the reader (Tokens). Only Locations have a scope of
   * their own.
   */
  objectRefusal(
    owner: PartyRef,
    reader: PartyRef,
    module: string,
    ownerIsCpo: boolean,
    objectId?: string,
    /**
     * For a Tariff: the ids of the owner's Locations whose connectors list it (upper case). Where the
     * agreements covering Tariffs list Locations, a Tariff that Locations list crosses only when one of
     * them is listed (one no Location lists yet crosses). Undefined: no Location scope is applied.
     */
    referencingLocations?: readonly string[],
  ): RoamingRefusal | undefined {
    if (this.unrestricted) return undefined
    const locationId = module === 'locations' ? objectId : undefined
    const refusal = ownerIsCpo
      ? this.refusal(owner, reader, module, locationId)
      : this.refusal(reader, owner, module, locationId)
    if (refusal || module !== 'tariffs' || !referencingLocations) return refusal
    const scope = this.locationScope(owner, reader, 'tariffs')
    return tariffInScope(scope, referencingLocations) ? undefined : 'no agreement'
  }

  /**
   * For a request between two parties whose roles the caller does not sort out: they roam when they do in
   * either orientation (an agreement names its CPO; blocks hold both ways).
   */
  pairRefusal(a: PartyRef, b: PartyRef, module: string, locationId?: string): RoamingRefusal | undefined {
    if (this.unrestricted) return undefined
    const one = this.refusal(a, b, module, locationId)
    return one && this.refusal(b, a, module, locationId)
  }

  /**
   * Which of the CPO's Locations `other` may see, once the pair roams for `module` (Locations, or Tariffs:
   * those the Locations' connectors list): undefined for all of them (open mode, or an agreement without a
   * Location list), else the ids the covering agreements list (upper case).
   */
  locationScope(
    cpo: PartyRef,
    other: PartyRef,
    module: 'locations' | 'tariffs' = 'locations',
    now: Date = this.#now(),
  ): readonly string[] | undefined {
    if (this.mode === 'open') return undefined
    const ids = new Set<string>()
    for (const agreement of this.#agreements.get(pairKey(cpo, other)) ?? []) {
      if (!covers(agreement, module, undefined, this.#judgedAt(agreement, now))) continue
      if (!agreement.location_ids) return undefined
      for (const id of agreement.location_ids) ids.add(id)
    }
    return [...ids]
  }

  /**
   * Undefined when the CPO `cpo` and the party `other` roam for `module` (and the Location `locationId`,
   * when the message is about one), else why not.
   */
  refusal(
    cpo: PartyRef,
    other: PartyRef,
    module: string,
    locationId?: string,
    now: Date = this.#now(),
  ): RoamingRefusal | undefined {
    if (this.unrestricted) return undefined
    const key = pairKey(cpo, other)
    if (this.#blocked.has(key)) return 'blocked'
    if (this.mode === 'open') return undefined
    const inScope = this.#agreements
      .get(key)
      ?.some((agreement) => covers(agreement, module, locationId, this.#judgedAt(agreement, now)))
    return inScope ? undefined : 'no agreement'
  }

  #now(): Date {
    return this.#at ?? new Date()
  }

  /**
   * A policy of a past instant judges an agreement changed since then as at its change: the change (an
   * accept, a resume) queued what the agreement meant at that moment, so comparing with the instant before
   * it would queue it again.
   */
  #judgedAt(agreement: AgreementRow, now: Date): Date {
    return this.#at && agreement.updated_at > now ? agreement.updated_at : now
  }
}

/**
 * The policy as the store holds it now: its active agreements and its blocks, read through `db`; their
 * validity judged at `at` (the periodic validity check compares two instants; an agreement changed after
 * `at`, at its change), else at each check's present.
 */
export async function readRoamingPolicy(db: Db, mode: RoamingMode, at?: Date): Promise<RoamingPolicy> {
  const agreements = await db.selectFrom('agreements').selectAll().where('state', '=', 'active').execute()
  const blocks = await db.selectFrom('party_blocks').selectAll().execute()
  return new RoamingPolicy(mode, agreements, blocks, at)
}

function covers(agreement: AgreementRow, module: string, locationId: string | undefined, now: Date): boolean {
  if (agreement.valid_from && agreement.valid_from > now) return false
  if (agreement.valid_until && agreement.valid_until <= now) return false
  if (agreement.modules && !agreement.modules.includes(module)) return false
  // Location ids are case-insensitive (CiString); the agreement holds them upper case.
  if (
    locationId !== undefined &&
    agreement.location_ids &&
    !agreement.location_ids.includes(locationId.toUpperCase())
  )
    return false
  return true
}

/**
 * Whether a Tariff listed by `referencingLocations` is in a Location scope (`RoamingPolicy.locationScope`):
 * all Locations, a listed one, or none yet (a Tariff is often pushed before the Locations that list it).
 */
export function tariffInScope(
  scope: readonly string[] | undefined,
  referencingLocations: readonly string[],
): boolean {
  return !scope || referencingLocations.length === 0 || referencingLocations.some((id) => scope.includes(id))
}
