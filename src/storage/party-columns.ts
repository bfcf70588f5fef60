import { sql, type RawBuilder } from 'kysely'
import type { PartyRef } from '../core/party.ts'

/**
 * Which rows of a table that names a CPO and an eMSP in the columns `cpo_country_code`, `cpo_party_id`,
 * `emsp_country_code`, `emsp_party_id` (the CDR ledger, closed statements, agreements, price
 * discrepancies): every condition given must hold.
 */
export interface PartyColumnsFilter {
  readonly cpo?: PartyRef | undefined
  readonly emsp?: PartyRef | undefined
  /** For tables with a `currency` column. */
  readonly currency?: string | undefined
  /** The CPO is one of `cpos` or the eMSP one of `emsps`: what a party may see of its own. */
  readonly involving?: PartyRoles | undefined
}

/** A partner's parties by the side of a CDR they are on: CPOs post CDRs, eMSPs receive them. */
export interface PartyRoles {
  readonly cpos: readonly PartyRef[]
  readonly emsps: readonly PartyRef[]
}

const isParty = (side: 'cpo' | 'emsp', party: PartyRef): RawBuilder<boolean> =>
  sql<boolean>`(${sql.ref(`${side}_country_code`)} = ${party.country_code} and ${sql.ref(`${side}_party_id`)} = ${party.party_id})`

/** The filter as one condition (`where(partiesCondition(filter))`): the queries share it instead of repeating it. */
export function partiesCondition(filter: PartyColumnsFilter): RawBuilder<boolean> {
  const conditions: RawBuilder<boolean>[] = []
  if (filter.cpo) conditions.push(isParty('cpo', filter.cpo))
  if (filter.emsp) conditions.push(isParty('emsp', filter.emsp))
  if (filter.currency) conditions.push(sql<boolean>`currency = ${filter.currency}`)
  if (filter.involving) {
    const sides = [
      ...filter.involving.cpos.map((party) => isParty('cpo', party)),
      ...filter.involving.emsps.map((party) => isParty('emsp', party)),
    ]
    conditions.push(sides.length ? sql<boolean>`(${sql.join(sides, sql` or `)})` : sql<boolean>`false`)
  }
  return conditions.length ? sql<boolean>`(${sql.join(conditions, sql` and `)})` : sql<boolean>`true`
}
