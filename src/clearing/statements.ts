import { randomUUID } from 'node:crypto'
import type { PartyRef } from '../core/party.ts'
import { listPriceDiscrepancies } from '../modules/cdrs/price-discrepancies.store.ts'
import type { Db } from '../storage/database.ts'
import { partiesCondition, type PartyColumnsFilter } from '../storage/party-columns.ts'
import type { CdrLedgerTable, ClearingStatementsTable } from '../storage/tables.ts'
import { sql, type Selectable } from 'kysely'

/**
 * Clearing statements (docs/clearing.md): per CPO, eMSP, period and currency, the sums of the CDRs the hub
 * delivered, credit CDRs netted. Amounts are summed in ten-thousandths (integers) so that a month of CDRs
 * adds up exactly to what a partner's own sum of the 4-decimal amounts gives.
 */

export interface Period {
  /** Inclusive, ISO 8601. A CDR belongs to the period its end_date_time falls in. */
  readonly from: string
  /** Exclusive. */
  readonly to: string
}

export interface StatementKey {
  readonly cpo: PartyRef
  readonly emsp: PartyRef
  readonly currency: string
}

export interface StatementFigures {
  readonly sessions: number
  readonly credit_cdrs: number
  readonly energy_kwh: number
  readonly time_hours: number
  readonly parking_time_hours: number
  readonly amount_excl_vat: number
  readonly tax_amount: number
  readonly amount_incl_vat: number
  readonly disputed_lines: number
  readonly disputed_amount_excl_vat: number
}

export interface StatementLine {
  readonly cdr_id: string
  readonly location_id: string
  readonly start_date_time: string
  readonly end_date_time: string
  readonly energy_kwh: number
  readonly amount_excl_vat: number
  readonly tax_amount: number
  readonly credit: boolean
  readonly credit_reference_id: string | null
  readonly dispute: { readonly reason: string; readonly resolution: string | null } | null
}

/** A price difference the pricing checks found for a CDR; listed beside its statement. */
export interface PriceDiscrepancy {
  readonly cdr_id: string
  readonly description: string
}

/** The price discrepancies listed beside a statement: by default the CDR check's (docs/pricing.md). */
export type PriceDiscrepancySource = (
  key: StatementKey,
  period: Period,
) => Promise<readonly PriceDiscrepancy[]>

/** Discrepancies at most listed beside one statement; the admin API has them all. */
const DISCREPANCIES_PER_STATEMENT = 1_000

/**
 * The CDR check's findings for a statement's CPO, eMSP and currency, of sessions that started in the
 * period (a statement counts CDRs by their end: a session across the period's end is listed in the next).
 */
export function storedPriceDiscrepancies(db: Db): PriceDiscrepancySource {
  return async (key, period) => {
    const { entries } = await listPriceDiscrepancies(db, {
      cpo: key.cpo,
      emsp: key.emsp,
      from: new Date(period.from),
      to: new Date(period.to),
      limit: DISCREPANCIES_PER_STATEMENT,
    })
    return entries
      .filter((entry) => entry.currency === key.currency)
      .map((entry) => ({
        cdr_id: entry.cdr_id,
        description: entry.differences
          .map(
            (difference) =>
              `${String(difference['field'])} (${String(difference['taxes'])}): CDR ${String(difference['cdr'])}, tariffs ${String(difference['recomputed'])}`,
          )
          .join('; '),
      }))
  }
}

export interface Statement extends StatementKey {
  /** The closed document's id; absent while the period is open (a live computation). */
  readonly id: string | null
  readonly period: Period
  readonly status: 'OPEN' | 'CLOSED'
  /** Filled by the agreements work when a statement is tied to an agreement. */
  readonly agreement_id: string | null
  readonly corrects_id: string | null
  readonly closed_at: string | null
  readonly figures: StatementFigures
  readonly lines: readonly StatementLine[]
  readonly price_discrepancies: readonly PriceDiscrepancy[]
}

const UNITS = 10_000
const units = (value: string | number): number => Math.round(Number(value) * UNITS)
const fromUnits = (value: number): number => value / UNITS

/** The month `YYYY-MM` as a period (UTC). */
export function monthPeriod(month: string): Period {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number]
  return {
    from: new Date(Date.UTC(year, monthNumber - 1, 1)).toISOString(),
    to: new Date(Date.UTC(year, monthNumber, 1)).toISOString(),
  }
}

/** The `month`, or `from` and `to`, of a request: never both, never neither. */
export interface PeriodRequest {
  readonly month?: string
  readonly from?: string
  readonly to?: string
}

export const PERIOD_REQUIRED = 'name the period: month=YYYY-MM, or from and to (from before to)'

/** The period a request names; undefined when it names none, or both, or from not before to. */
export function requestedPeriod(request: PeriodRequest): Period | undefined {
  if (request.month && !request.from && !request.to) return monthPeriod(request.month)
  if (!request.month && request.from && request.to && Date.parse(request.from) < Date.parse(request.to)) {
    return { from: new Date(request.from).toISOString(), to: new Date(request.to).toISOString() }
  }
  return undefined
}

/** Which statements (ledger lines, closed documents): by CPO, eMSP, currency, or a party's own. */
export type StatementFilter = PartyColumnsFilter

/**
 * The roaming agreement a statement comes under: of its CPO and eMSP, in force during part of the period
 * and accepted at some time (not only proposed); the active one first, then the latest. None in open
 * roaming without one (docs/agreements.md).
 */
async function agreementOf(db: Db, key: StatementKey, period: Period): Promise<string | null> {
  const row = await db
    .selectFrom('agreements')
    .select('id')
    .where(partiesCondition({ cpo: key.cpo, emsp: key.emsp }))
    .where('state', '!=', 'proposed')
    .where((eb) => eb.or([eb('valid_from', 'is', null), eb('valid_from', '<', new Date(period.to))]))
    .where((eb) => eb.or([eb('valid_until', 'is', null), eb('valid_until', '>', new Date(period.from))]))
    .orderBy(sql`state = 'active'`, 'desc')
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row?.id ?? null
}

/** The statements of a period computed from the ledger, one per CPO, eMSP and currency. */
export async function computeStatements(
  db: Db,
  period: Period,
  filter: StatementFilter = {},
  discrepancies: PriceDiscrepancySource = storedPriceDiscrepancies(db),
): Promise<Statement[]> {
  const rows = await db
    .selectFrom('cdr_ledger')
    .selectAll()
    .where('end_date_time', '>=', new Date(period.from))
    .where('end_date_time', '<', new Date(period.to))
    .where(partiesCondition(filter))
    .orderBy('end_date_time')
    .orderBy('cdr_id')
    .execute()

  const groups = new Map<string, { key: StatementKey; rows: typeof rows }>()
  for (const row of rows) {
    const id = [
      row.cpo_country_code,
      row.cpo_party_id,
      row.emsp_country_code,
      row.emsp_party_id,
      row.currency,
    ].join('*')
    const group = groups.get(id) ?? {
      key: {
        cpo: { country_code: row.cpo_country_code, party_id: row.cpo_party_id },
        emsp: { country_code: row.emsp_country_code, party_id: row.emsp_party_id },
        currency: row.currency,
      },
      rows: [],
    }
    group.rows.push(row)
    groups.set(id, group)
  }
  const statements: Statement[] = []
  for (const { key, rows: groupRows } of groups.values()) {
    const lines = groupRows.map(lineOf)
    statements.push({
      ...key,
      id: null,
      period,
      status: 'OPEN',
      agreement_id: await agreementOf(db, key, period),
      corrects_id: null,
      closed_at: null,
      figures: sumLines(groupRows),
      lines,
      price_discrepancies: await discrepancies(key, period),
    })
  }
  return statements
}

type LedgerRow = Selectable<CdrLedgerTable>

function lineOf(row: LedgerRow): StatementLine {
  return {
    cdr_id: row.cdr_id,
    location_id: row.location_id,
    start_date_time: new Date(row.start_date_time).toISOString(),
    end_date_time: new Date(row.end_date_time).toISOString(),
    energy_kwh: Number(row.total_energy),
    amount_excl_vat: Number(row.before_taxes),
    tax_amount: Number(row.tax_amount),
    credit: row.credit,
    credit_reference_id: row.credit_reference_id,
    dispute: row.dispute_reason ? { reason: row.dispute_reason, resolution: row.dispute_resolution } : null,
  }
}

/**
 * Credit CDRs carry negated costs (mod_cdrs): their amounts are added as they are, while their energy,
 * time and session are taken off, so a credited session nets to nothing.
 */
function sumLines(rows: readonly LedgerRow[]): StatementFigures {
  let sessions = 0
  let credits = 0
  let energy = 0
  let time = 0
  let parking = 0
  let excl = 0
  let tax = 0
  let disputed = 0
  let disputedExcl = 0
  for (const row of rows) {
    const sign = row.credit ? -1 : 1
    if (row.credit) credits++
    sessions += sign
    energy += sign * Math.abs(units(row.total_energy))
    time += sign * Math.abs(units(row.total_time))
    parking += sign * Math.abs(units(row.total_parking_time))
    excl += units(row.before_taxes)
    tax += units(row.tax_amount)
    // A dispute counts until it is resolved.
    if (row.dispute_reason && !row.dispute_resolution) {
      disputed++
      disputedExcl += units(row.before_taxes)
    }
  }
  return {
    sessions,
    credit_cdrs: credits,
    energy_kwh: fromUnits(energy),
    time_hours: fromUnits(time),
    parking_time_hours: fromUnits(parking),
    amount_excl_vat: fromUnits(excl),
    tax_amount: fromUnits(tax),
    amount_incl_vat: fromUnits(excl + tax),
    disputed_lines: disputed,
    disputed_amount_excl_vat: fromUnits(disputedExcl),
  }
}

/** Several statements' figures added up, amounts in ten-thousandths as the statements were (exact). */
export function sumFigures(figures: readonly StatementFigures[]): StatementFigures {
  const total = (pick: (f: StatementFigures) => number) =>
    fromUnits(figures.reduce((sum, f) => sum + units(pick(f)), 0))
  const count = (pick: (f: StatementFigures) => number) => figures.reduce((sum, f) => sum + pick(f), 0)
  return {
    sessions: count((f) => f.sessions),
    credit_cdrs: count((f) => f.credit_cdrs),
    energy_kwh: total((f) => f.energy_kwh),
    time_hours: total((f) => f.time_hours),
    parking_time_hours: total((f) => f.parking_time_hours),
    amount_excl_vat: total((f) => f.amount_excl_vat),
    tax_amount: total((f) => f.tax_amount),
    amount_incl_vat: total((f) => f.amount_incl_vat),
    disputed_lines: count((f) => f.disputed_lines),
    disputed_amount_excl_vat: total((f) => f.disputed_amount_excl_vat),
  }
}

type StatementRow = Selectable<ClearingStatementsTable>

function closedStatement(row: StatementRow): Statement {
  const document = row.figures as {
    figures: StatementFigures
    lines: StatementLine[]
    price_discrepancies: PriceDiscrepancy[]
  }
  return {
    id: row.id,
    cpo: { country_code: row.cpo_country_code, party_id: row.cpo_party_id },
    emsp: { country_code: row.emsp_country_code, party_id: row.emsp_party_id },
    currency: row.currency,
    period: { from: new Date(row.period_from).toISOString(), to: new Date(row.period_to).toISOString() },
    status: 'CLOSED',
    agreement_id: row.agreement_id,
    corrects_id: row.corrects_id,
    closed_at: new Date(row.closed_at).toISOString(),
    ...document,
  }
}

/** The closed statements whose period overlaps `period`, corrections included. */
export async function listClosedStatements(
  db: Db,
  period: Period,
  filter: StatementFilter = {},
): Promise<Statement[]> {
  const rows = await db
    .selectFrom('clearing_statements')
    .selectAll()
    .where('period_from', '<', new Date(period.to))
    .where('period_to', '>', new Date(period.from))
    .where(partiesCondition(filter))
    .orderBy('closed_at')
    .orderBy('id')
    .execute()
  return rows.map(closedStatement)
}

/** A closed statement (or correction) by its id, if it is one `filter` lets through. */
export async function findClosedStatement(
  db: Db,
  id: string,
  filter: StatementFilter = {},
): Promise<Statement | undefined> {
  const row = await db
    .selectFrom('clearing_statements')
    .selectAll()
    .where('id', '=', id)
    .where(partiesCondition(filter))
    .executeTakeFirst()
  return row && closedStatement(row)
}

export class ClearingRefused extends Error {
  override name = 'ClearingRefused'
  constructor(
    readonly kind: 'conflict' | 'not-found' | 'invalid',
    message: string,
  ) {
    super(message)
  }
}

async function periodClosed(db: Db, cpo: PartyRef, emsp: PartyRef, endDateTime: string): Promise<boolean> {
  const row = await db
    .selectFrom('clearing_statements')
    .select('id')
    .where(partiesCondition({ cpo, emsp }))
    .where('period_from', '<=', new Date(endDateTime))
    .where('period_to', '>', new Date(endDateTime))
    .executeTakeFirst()
  return row !== undefined
}

function insertable(statement: Statement, id: string, correctsId: string | null) {
  return {
    id,
    cpo_country_code: statement.cpo.country_code,
    cpo_party_id: statement.cpo.party_id,
    emsp_country_code: statement.emsp.country_code,
    emsp_party_id: statement.emsp.party_id,
    period_from: statement.period.from,
    period_to: statement.period.to,
    currency: statement.currency,
    agreement_id: statement.agreement_id,
    corrects_id: correctsId,
    figures: JSON.stringify({
      figures: statement.figures,
      lines: statement.lines,
      price_discrepancies: statement.price_discrepancies,
    }),
  }
}

/**
 * The advisory lock closing a period takes: beyond int4, so no hashtext() lock of the outbox is it, and
 * not the still-alive check's.
 */
const CLOSING_LOCK = 4_307_120_017

/**
 * Closes a period: its statements become documents that are never changed again. Refused, with nothing
 * closed, when one of them was closed before or overlaps a closed one (a correction is the way to change
 * it; `filter` closes the others).
 */
export async function closePeriod(
  db: Db,
  period: Period,
  filter: StatementFilter = {},
): Promise<Statement[]> {
  const statements = await computeStatements(db, period, filter)
  return db.transaction().execute(async (trx) => {
    // One close at a time: two overlapping periods closed at once would each find no overlap and both
    // insert (the unique index only catches the same period twice). Held until the transaction ends.
    await sql`select pg_advisory_xact_lock(${CLOSING_LOCK}::bigint)`.execute(trx)
    const closed: Statement[] = []
    for (const statement of statements) {
      // A period overlapping a closed one would count its CDRs twice.
      const overlapping = await trx
        .selectFrom('clearing_statements')
        .select('id')
        .where(partiesCondition(statement))
        .where('period_from', '<', new Date(period.to))
        .where('period_to', '>', new Date(period.from))
        .executeTakeFirst()
      const inserted = overlapping
        ? undefined
        : await trx
            .insertInto('clearing_statements')
            .values(insertable(statement, randomUUID(), null))
            .onConflict((oc) => oc.doNothing())
            .returningAll()
            .executeTakeFirst()
      if (!inserted) {
        throw new ClearingRefused(
          'conflict',
          `The statement of ${statement.cpo.country_code}*${statement.cpo.party_id} to ${statement.emsp.country_code}*${statement.emsp.party_id} in ${statement.currency} for ${period.from}..${period.to} is closed already (or a period overlapping it): it cannot change; issue a correction instead`,
        )
      }
      closed.push(closedStatement(inserted))
    }
    return closed
  })
}

/** A correction of a closed statement: the ledger's figures now, as a new document naming the old one. */
export async function correctStatement(db: Db, id: string): Promise<Statement> {
  const old = await findClosedStatement(db, id)
  if (!old) throw new ClearingRefused('not-found', `Unknown statement ${id}`)
  const [current] = await computeStatements(db, old.period, old)
  const basis: Statement = current ?? { ...old, lines: [], figures: sumLines([]), price_discrepancies: [] }
  const inserted = await db
    .insertInto('clearing_statements')
    .values(insertable({ ...basis, agreement_id: old.agreement_id }, randomUUID(), old.id))
    .returningAll()
    .executeTakeFirstOrThrow()
  return closedStatement(inserted)
}

/**
 * Marks a ledger line disputed, or records the resolution of its dispute. Refused once the line's period
 * is closed: the dispute then goes with a correction.
 */
export async function setDispute(
  db: Db,
  cpo: PartyRef,
  cdrId: string,
  change: { readonly reason?: string; readonly resolution?: string },
): Promise<StatementLine> {
  const row = await db
    .selectFrom('cdr_ledger')
    .selectAll()
    .where('cpo_country_code', '=', cpo.country_code)
    .where('cpo_party_id', '=', cpo.party_id)
    .where('cdr_id', '=', cdrId.toUpperCase())
    .executeTakeFirst()
  if (!row)
    throw new ClearingRefused('not-found', `Unknown CDR ${cdrId} of ${cpo.country_code}*${cpo.party_id}`)
  const emsp = { country_code: row.emsp_country_code, party_id: row.emsp_party_id }
  if (await periodClosed(db, cpo, emsp, new Date(row.end_date_time).toISOString())) {
    throw new ClearingRefused(
      'conflict',
      `CDR ${row.cdr_id} belongs to a closed statement: it cannot change; issue a correction instead`,
    )
  }
  if (change.resolution !== undefined && !row.dispute_reason) {
    throw new ClearingRefused('invalid', `CDR ${row.cdr_id} is not disputed: there is nothing to resolve`)
  }
  const updated = await db
    .updateTable('cdr_ledger')
    .set(
      change.reason !== undefined
        ? { dispute_reason: change.reason, dispute_resolution: null }
        : { dispute_resolution: change.resolution ?? null },
    )
    .where('hub_id', '=', row.hub_id)
    .returningAll()
    .executeTakeFirstOrThrow()
  return lineOf(updated)
}
