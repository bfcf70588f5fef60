import type { PartyRef } from '../core/party.ts'
import { sameParty } from '../core/party.ts'
import { INTERFACE_IMPLEMENTERS } from '../core/modules.ts'
import type { PartyDirectory } from '../directory/party-directory.ts'
import type { Db } from '../storage/database.ts'
import type { PartyRoles } from '../storage/party-columns.ts'
import type { PartyRow } from '../storage/tables.ts'
import {
  computeStatements,
  listClosedStatements,
  sumFigures,
  type Period,
  type Statement,
  type StatementFigures,
  type StatementFilter,
} from './statements.ts'

/**
 * Statements per platform (docs/clearing.md): the one-CPO/one-eMSP statements of a platform's parties on one
 * side of the CDRs, against a partner platform's parties on the other side or against everyone, summed per
 * currency. Built from the statements themselves (the same `involving` filter the parties' routes use), so
 * a platform's figures are always the sum of the statements they list.
 */

/** The roles in which a party is on a CDR's receiving side (mod_cdrs: OTHER is eMSP-like). */
const CDR_RECEIVERS: readonly string[] = INTERFACE_IMPLEMENTERS.cdrs.RECEIVER

const LIVE: readonly string[] = ['CONNECTED', 'OFFLINE']

/**
 * The parties a platform clears: all it holds or held (CONNECTED, OFFLINE, or SUSPENDED after it
 * unregistered or the role was taken off), but not one that another platform holds live in that role now:
 * that party's clearing is the new holder's (decision 0033).
 */
export function clearingPartiesOf(
  directory: Pick<PartyDirectory, 'partiesOf' | 'partiesWithIds'>,
  platformId: string,
): PartyRow[] {
  return directory
    .partiesOf(platformId)
    .filter(
      (party) =>
        party.status !== 'PLANNED' &&
        !directory
          .partiesWithIds(party)
          .some(
            (other) =>
              other.party.platform_id !== platformId &&
              other.party.role === party.role &&
              LIVE.includes(other.party.status),
          ),
    )
}

/** Parties by the side of a CDR they are on: CPOs post CDRs, eMSPs (and OTHER) receive them. */
export function sidesOf(parties: readonly PartyRow[]): PartyRoles {
  const refs = (roles: readonly string[]) =>
    parties
      .filter((party) => roles.includes(party.role))
      .map(({ country_code, party_id }) => ({ country_code, party_id }))
  return { cpos: refs(['CPO']), emsps: refs(CDR_RECEIVERS) }
}

/** A platform as clearing sees it: its id and its parties by side. */
export interface ClearingPlatform {
  readonly id: string
  readonly parties: PartyRoles
}

export interface PlatformStatement {
  readonly platform: string
  /** The partner platform whose parties are on the other side; `null`: every partner. */
  readonly partner: string | null
  /** The platform's side of the CDRs summed: as `CPO` it posted them, as `EMSP` it received them. */
  readonly role: 'CPO' | 'EMSP'
  readonly currency: string
  readonly period: Period
  readonly status: 'OPEN' | 'CLOSED'
  readonly figures: StatementFigures
  /** The one-CPO/one-eMSP statements summed, lines included. */
  readonly statements: readonly Statement[]
}

type StatementSource = (db: Db, period: Period, filter: StatementFilter) => Promise<Statement[]>

/**
 * The closed documents that count: of each statement (CPO, eMSP, currency, period) the latest, so a
 * correction replaces what it corrects instead of being added to it. Every document stays as it was.
 */
function latestDocuments(statements: readonly Statement[]): Statement[] {
  const latest = new Map<string, Statement>()
  for (const statement of statements) {
    const key = [
      statement.cpo.country_code,
      statement.cpo.party_id,
      statement.emsp.country_code,
      statement.emsp.party_id,
      statement.currency,
      statement.period.from,
      statement.period.to,
    ].join('*')
    const known = latest.get(key)
    if (!known || (known.closed_at ?? '') <= (statement.closed_at ?? '')) latest.set(key, statement)
  }
  return [...latest.values()]
}

const closedSource: StatementSource = async (db, period, filter) =>
  latestDocuments(await listClosedStatements(db, period, filter))

async function platformStatements(
  db: Db,
  source: StatementSource,
  status: PlatformStatement['status'],
  period: Period,
  platform: ClearingPlatform,
  partner: ClearingPlatform | undefined,
): Promise<PlatformStatement[]> {
  const among = (parties: readonly PartyRef[], party: PartyRef) =>
    parties.some((known) => sameParty(known, party))
  const sides = [
    {
      role: 'CPO' as const,
      involving: { cpos: platform.parties.cpos, emsps: [] },
      counterpart: (s: Statement) => !partner || among(partner.parties.emsps, s.emsp),
    },
    {
      role: 'EMSP' as const,
      involving: { cpos: [], emsps: platform.parties.emsps },
      counterpart: (s: Statement) => !partner || among(partner.parties.cpos, s.cpo),
    },
  ]
  const result: PlatformStatement[] = []
  for (const { role, involving, counterpart } of sides) {
    const byCurrency = new Map<string, Statement[]>()
    for (const statement of (await source(db, period, { involving })).filter(counterpart)) {
      byCurrency.set(statement.currency, [...(byCurrency.get(statement.currency) ?? []), statement])
    }
    for (const [currency, statements] of byCurrency) {
      result.push({
        platform: platform.id,
        partner: partner?.id ?? null,
        role,
        currency,
        period,
        status,
        figures: sumFigures(statements.map((statement) => statement.figures)),
        statements,
      })
    }
  }
  return result
}

/** A platform's statements of a period from the ledger now (open), as CPO and as eMSP, per currency. */
export function computePlatformStatements(
  db: Db,
  period: Period,
  platform: ClearingPlatform,
  partner?: ClearingPlatform,
): Promise<PlatformStatement[]> {
  return platformStatements(db, computeStatements, 'OPEN', period, platform, partner)
}

/** A platform's statements summed from the closed documents of the period (each statement's latest). */
export function closedPlatformStatements(
  db: Db,
  period: Period,
  platform: ClearingPlatform,
  partner?: ClearingPlatform,
): Promise<PlatformStatement[]> {
  return platformStatements(db, closedSource, 'CLOSED', period, platform, partner)
}
