import PDFDocument from 'pdfkit'
import type { Statement } from './booking.schema.ts'

const KIND_WORDS = { SLOT: 'Booked slot', CANCELLATION_FEE: 'Cancellation fee' } as const

/** `2027-01-04T17:00:00.000Z` as `2027-01-04 17:00` (the statement counts in UTC, as its month does). */
const utcMinute = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)}`

/**
 * An owner's earnings statement of one month as a PDF: the same lines and total as the JSON statement
 * (and the portal's CSV). Uncompressed, so its figures can be read in the file's text.
 */
export function earningsPdf(statement: Statement, ownerEmail: string): Promise<Buffer> {
  const doc = new PDFDocument({ compress: false, size: 'A4', margin: 50 })
  const chunks: Buffer[] = []
  doc.on('data', (chunk: Buffer) => chunks.push(chunk))
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  const amount = (value: number) => `${value.toFixed(2)} ${statement.currency}`
  doc.fontSize(16).text(`Earnings statement ${statement.period}`)
  doc.fontSize(10).text(`Owner: ${ownerEmail}. Times in UTC; amounts captured from drivers in the month.`)
  doc.moveDown()
  if (statement.lines.length === 0) doc.text('Nothing earned in this month.')
  for (const line of statement.lines) {
    const when = `${utcMinute(line.start)} to ${utcMinute(line.end)}`
    doc.fontSize(10).text(`${when}: ${KIND_WORDS[line.kind]}, ${amount(line.amount)}`)
    doc
      .fontSize(8)
      .text(`booking ${line.booking_id}, charger ${line.listing_id}, settled ${utcMinute(line.settled_at)}`)
  }
  doc
    .moveDown()
    .fontSize(12)
    .text(`Total ${amount(statement.total)}`)
  doc.end()
  return done
}
