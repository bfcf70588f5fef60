import type { PartyRef } from '../core/party.ts'
import type { Period, Statement } from './statements.ts'

/** The hub's fee settings (CLEARING_FEE_PERCENT, CLEARING_FEE_PER_CDR). */
export interface FeeSettings {
  readonly percent: number
  readonly perCdr: number
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
 * The hub's invoices for a period: a transaction fee line per statement, charged to its CPO. A credit CDR
 * takes its session's fixed fee back, so the count is the statement's net sessions.
 */
export function invoicesOf(statements: readonly Statement[], fees: FeeSettings): Invoice[] {
  const invoices = new Map<
    string,
    { party: PartyRef; period: Period; currency: string; lines: InvoiceLine[] }
  >()
  for (const statement of statements) {
    const id = `${statement.cpo.country_code}*${statement.cpo.party_id}*${statement.currency}`
    const invoice = invoices.get(id) ?? {
      party: statement.cpo,
      period: statement.period,
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
