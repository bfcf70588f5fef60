import { useEffect, useMemo, useState } from 'preact/hooks'
import { ErrorNote, useLoad } from '../../shared/components.tsx'
import type { Statement } from '../market-api.ts'
import { money } from '../../shared/money.ts'
import { useOwner } from '../owner-context.ts'
import { TEXT } from '../strings.ts'
import { slotText } from './listing.tsx'

const words = TEXT.earnings

/** One field of a CSV row, quoted when it holds a separator, a quote or a line break (RFC 4180). */
function csvField(value: string | number): string {
  const text = String(value)
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** The month's statement as CSV: one line per captured slot or fee, then the total. */
export function statementCsv(statement: Statement): string {
  const rows: (string | number)[][] = [
    ['booking_id', 'listing_id', 'slot_start', 'slot_end', 'kind', 'amount', 'currency', 'settled_at'],
    ...statement.lines.map((line) => [
      line.booking_id,
      line.listing_id,
      line.start,
      line.end,
      line.kind,
      line.amount.toFixed(2),
      statement.currency,
      line.settled_at,
    ]),
    ['total', '', '', '', '', statement.total.toFixed(2), statement.currency, ''],
  ]
  return `${rows.map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`
}

const thisMonth = () => new Date().toISOString().slice(0, 7)

export function EarningsPage() {
  const { api } = useOwner()
  const [period, setPeriod] = useState(thisMonth)
  const statement = useLoad(() => api.get<Statement>(`/earnings?period=${period}`), `earnings-${period}`)
  const data = statement.data
  const csvUrl = useMemo(
    () => (data ? URL.createObjectURL(new Blob([statementCsv(data)], { type: 'text/csv' })) : undefined),
    [data],
  )
  useEffect(() => () => csvUrl && URL.revokeObjectURL(csvUrl), [csvUrl])
  return (
    <>
      <h1>{words.title}</h1>
      <label>
        {words.month}
        <input
          type="month"
          required
          value={period}
          onInput={(event) => event.currentTarget.value && setPeriod(event.currentTarget.value)}
        />
      </label>
      <ErrorNote error={statement.error} />
      {data && (
        <section class="card" aria-labelledby="statement-heading">
          <h2 id="statement-heading">
            {words.total}: <span data-testid="earnings-total">{money(data.total, data.currency)}</span>
          </h2>
          {data.lines.length === 0 ? (
            <p class="muted">{words.none}</p>
          ) : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{words.when}</th>
                    <th scope="col">{words.what}</th>
                    <th scope="col">{words.amount}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.lines.map((line) => (
                    <tr key={`${line.booking_id}-${line.kind}`}>
                      <td>{slotText(line)}</td>
                      <td>{words.kind[line.kind]}</td>
                      <td>{money(line.amount, data.currency)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <p>
            <a href={csvUrl} download={`earnings-${data.period}.csv`}>
              {words.downloadCsv}
            </a>
          </p>
          <p>
            {/* Made by the marketplace: the browser's session cookie goes with the link. */}
            <a
              href={`/api/earnings/statement.pdf?period=${data.period}`}
              download={`earnings-${data.period}.pdf`}
            >
              {words.downloadPdf}
            </a>
          </p>
        </section>
      )}
    </>
  )
}
