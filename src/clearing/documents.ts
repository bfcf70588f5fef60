import { stringify } from 'csv-stringify/sync'
import PDFDocument from 'pdfkit'
import type { Invoice } from './fees.ts'
import type { PlatformStatement } from './platform-statements.ts'
import type { Statement, StatementFigures } from './statements.ts'

/** Statements and invoices as CSV and PDF downloads (docs/clearing.md). */

const party = (ref: { country_code: string; party_id: string }) => `${ref.country_code}*${ref.party_id}`

/** One row per CDR line, then a TOTAL row per statement with its figures. */
export function statementsCsv(statements: readonly Statement[]): string {
  const rows: (string | number | boolean)[][] = [
    [
      'statement_id',
      'status',
      'cpo',
      'emsp',
      'period_from',
      'period_to',
      'currency',
      'row',
      'cdr_id',
      'location_id',
      'end_date_time',
      'credit',
      'energy_kwh',
      'amount_excl_vat',
      'tax_amount',
      'amount_incl_vat',
      'disputed',
      'sessions',
    ],
  ]
  for (const s of statements) {
    const head = [s.id ?? '', s.status, party(s.cpo), party(s.emsp), s.period.from, s.period.to, s.currency]
    for (const line of s.lines) {
      rows.push([
        ...head,
        'LINE',
        line.cdr_id,
        line.location_id,
        line.end_date_time,
        line.credit,
        line.energy_kwh,
        line.amount_excl_vat,
        line.tax_amount,
        line.amount_excl_vat + line.tax_amount,
        line.dispute !== null && line.dispute.resolution === null,
        '',
      ])
    }
    const f = s.figures
    rows.push([
      ...head,
      'TOTAL',
      '',
      '',
      '',
      f.credit_cdrs > 0,
      f.energy_kwh,
      f.amount_excl_vat,
      f.tax_amount,
      f.amount_incl_vat,
      f.disputed_lines > 0,
      f.sessions,
    ])
  }
  return stringify(rows)
}

const figureColumns = [
  'sessions',
  'credit_cdrs',
  'energy_kwh',
  'amount_excl_vat',
  'tax_amount',
  'amount_incl_vat',
  'disputed_lines',
] as const
const figureCells = (f: StatementFigures) => figureColumns.map((column) => f[column])

/** One STATEMENT row per one-CPO/one-eMSP statement summed, then a TOTAL row per platform statement. */
export function platformStatementsCsv(statements: readonly PlatformStatement[]): string {
  const rows: (string | number)[][] = [
    [
      'platform',
      'partner',
      'role',
      'status',
      'period_from',
      'period_to',
      'currency',
      'row',
      'statement_id',
      'cpo',
      'emsp',
      ...figureColumns,
    ],
  ]
  for (const s of statements) {
    const head = [s.platform, s.partner ?? '', s.role, s.status, s.period.from, s.period.to, s.currency]
    for (const one of s.statements) {
      rows.push([
        ...head,
        'STATEMENT',
        one.id ?? '',
        party(one.cpo),
        party(one.emsp),
        ...figureCells(one.figures),
      ])
    }
    rows.push([...head, 'TOTAL', '', '', '', ...figureCells(s.figures)])
  }
  return stringify(rows)
}

export function invoicesCsv(invoices: readonly Invoice[]): string {
  const rows: (string | number)[][] = [
    ['party', 'period_from', 'period_to', 'currency', 'description', 'cdrs', 'basis_excl_vat', 'amount'],
  ]
  for (const invoice of invoices) {
    const head = [party(invoice.party), invoice.period.from, invoice.period.to, invoice.currency]
    for (const line of invoice.lines)
      rows.push([...head, line.description, line.cdrs, line.basis_excl_vat, line.amount])
    rows.push([...head, 'TOTAL', '', '', invoice.total])
  }
  return stringify(rows)
}

/** Uncompressed, so the figures can be found in the file's text. */
function pdf(write: (doc: PDFKit.PDFDocument) => void): Promise<Buffer> {
  const doc = new PDFDocument({ compress: false, size: 'A4', margin: 50 })
  const chunks: Buffer[] = []
  doc.on('data', (chunk: Buffer) => chunks.push(chunk))
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  write(doc)
  doc.end()
  return done
}

export function statementsPdf(statements: readonly Statement[], hubName: string): Promise<Buffer> {
  return pdf((doc) => {
    doc.fontSize(16).text(`${hubName}: clearing statements`)
    for (const s of statements) {
      const f = s.figures
      doc
        .moveDown()
        .fontSize(12)
        .text(`${party(s.cpo)} to ${party(s.emsp)}, ${s.period.from} to ${s.period.to}, ${s.currency}`)
      doc
        .fontSize(9)
        .text(
          `Statement ${s.id ?? '(open)'} ${s.status}${s.corrects_id ? `, corrects ${s.corrects_id}` : ''}`,
        )
      for (const line of s.lines) {
        const disputed = line.dispute && line.dispute.resolution === null ? ' DISPUTED' : ''
        doc.text(
          `${line.end_date_time} ${line.cdr_id} ${line.location_id} ${line.energy_kwh} kWh ${line.amount_excl_vat} + ${line.tax_amount}${line.credit ? ' CREDIT' : ''}${disputed}`,
        )
      }
      doc
        .fontSize(10)
        .text(
          `Sessions ${f.sessions}, energy ${f.energy_kwh} kWh, excl. VAT ${f.amount_excl_vat}, taxes ${f.tax_amount}, incl. VAT ${f.amount_incl_vat}`,
        )
    }
  })
}

export function invoicesPdf(invoices: readonly Invoice[], hubName: string): Promise<Buffer> {
  return pdf((doc) => {
    doc.fontSize(16).text(`${hubName}: invoices`)
    for (const invoice of invoices) {
      doc
        .moveDown()
        .fontSize(12)
        .text(`${party(invoice.party)}, ${invoice.period.from} to ${invoice.period.to}, ${invoice.currency}`)
      for (const line of invoice.lines)
        doc.fontSize(9).text(`${line.description}: ${line.cdrs} CDRs, ${line.amount}`)
      doc.fontSize(10).text(`Total ${invoice.total}`)
    }
  })
}

export function platformStatementsPdf(
  statements: readonly PlatformStatement[],
  hubName: string,
): Promise<Buffer> {
  const sums = (f: StatementFigures) =>
    `Sessions ${f.sessions}, energy ${f.energy_kwh} kWh, excl. VAT ${f.amount_excl_vat}, taxes ${f.tax_amount}, incl. VAT ${f.amount_incl_vat}`
  return pdf((doc) => {
    doc.fontSize(16).text(`${hubName}: platform statements`)
    for (const s of statements) {
      doc
        .moveDown()
        .fontSize(12)
        .text(
          `Platform ${s.platform} as ${s.role} with ${s.partner ?? 'every partner'}, ${s.period.from} to ${s.period.to}, ${s.currency}, ${s.status}`,
        )
      for (const one of s.statements) {
        doc
          .fontSize(9)
          .text(`${party(one.cpo)} to ${party(one.emsp)} ${one.id ?? '(open)'}: ${sums(one.figures)}`)
      }
      doc.fontSize(10).text(`Total: ${sums(s.figures)}`)
    }
  })
}
