import { sql } from 'kysely'
import type { HubConfig } from '../config/config.ts'
import { partyKey, type PartyRef } from '../core/party.ts'
import type { Db } from '../storage/database.ts'
import { computeStatements, type Period, type Statement } from './statements.ts'

/** The hub's fee settings (CLEARING_FEE_PERCENT, CLEARING_FEE_PER_CDR, CLEARING_MEMBERSHIP_*). */
export type FeeSettings = HubConfig['clearingFees']

/** A CPO's EVSEs in its stored Locations, REMOVED ones left out: what its membership tier depends on. */
export async function countEvses(db: Db): Promise<Map<string, { party: PartyRef; evses: number }>> {
  const { rows } = await sql<{ country_code: string; party_id: string; evses: string | number }>`
    select o.country_code, o.party_id, count(*) as evses
    from ocpi_objects o, jsonb_array_elements(coalesce(o.data -> 'evses', '[]'::jsonb)) evse
    where o.module = 'locations' and evse ->> 'status' <> 'REMOVED'
    group by o.country_code, o.party_id`.execute(db)
  return new Map(
    rows.map((row) => {
      const party = { country_code: row.country_code, party_id: row.party_id }
      return [partyKey(party), { party, evses: Number(row.evses) }]
    }),
  )
}

/** The fee of the highest tier the EVSE count reaches. */
export function membershipFee(evses: number, tiers: FeeSettings['membershipTiers']): number {
  return tiers.filter((tier) => evses >= tier.fromEvses).at(-1)?.fee ?? 0
}

export interface InvoiceLine {
  readonly description: string
  readonly cdrs: number
  readonly basis_excl_vat: number
  readonly amount: number
}

/** The hub's invoice to one party for one period and currency. */
export interface Invoice {
  readonly party: PartyRef
  readonly period: Period
  readonly currency: string
  readonly lines: readonly InvoiceLine[]
  readonly total: number
}

const UNITS = 10_000
const round = (value: number): number => Math.round(value * UNITS) / UNITS

/**
 * The hub's invoices for a period: a CPO's membership fee by its tier, and a transaction fee line per
 * statement, charged to its CPO. A credit CDR takes its session's fixed fee back, so the count is the
 * statement's net sessions.
 */
export function invoicesOf(
  period: Period,
  statements: readonly Statement[],
  fees: FeeSettings,
  evses: ReadonlyMap<string, { party: PartyRef; evses: number }>,
): Invoice[] {
  const invoices = new Map<
    string,
    { party: PartyRef; period: Period; currency: string; lines: InvoiceLine[] }
  >()
  for (const { party, evses: count } of evses.values()) {
    const fee = membershipFee(count, fees.membershipTiers)
    if (fee === 0) continue
    invoices.set(`${partyKey(party)}*${fees.membershipCurrency}`, {
      party,
      period,
      currency: fees.membershipCurrency,
      lines: [{ description: `Membership, ${count} EVSEs`, cdrs: 0, basis_excl_vat: 0, amount: fee }],
    })
  }
  for (const statement of statements) {
    const id = `${partyKey(statement.cpo)}*${statement.currency}`
    const invoice = invoices.get(id) ?? {
      party: statement.cpo,
      period,
      currency: statement.currency,
      lines: [],
    }
    const { sessions, amount_excl_vat: basis } = statement.figures
    invoice.lines.push({
      description: `Transaction fee, CDRs to ${statement.emsp.country_code}*${statement.emsp.party_id}`,
      cdrs: sessions,
      basis_excl_vat: basis,
      amount: round((basis * fees.percent) / 100 + sessions * fees.perCdr),
    })
    invoices.set(id, invoice)
  }
  return [...invoices.values()].map((invoice) => ({
    ...invoice,
    total: round(invoice.lines.reduce((sum, line) => sum + line.amount, 0)),
  }))
}

/**
 * The hub's invoices for a period from the ledger now: of every CPO, or of `cpo` alone; `emsp` narrows
 * the transaction fees to its statements (a membership fee is the CPO's whatever its partners).
 */
export async function invoicesFor(
  db: Db,
  period: Period,
  filter: { readonly cpo?: PartyRef; readonly emsp?: PartyRef },
  fees: FeeSettings,
): Promise<Invoice[]> {
  const [statements, evses] = await Promise.all([computeStatements(db, period, filter), countEvses(db)])
  const members = new Map(
    [...evses].filter(([, { party }]) => !filter.cpo || partyKey(party) === partyKey(filter.cpo)),
  )
  return invoicesOf(period, statements, fees, members)
}
