import { useState } from 'preact/hooks'
import { query } from '../../shared/api.ts'
import { CursorPager, ErrorNote, formatTime, useLoad } from '../../shared/components.tsx'
import { useHubEvents } from '../../shared/events.ts'
import { useConsole } from '../console-context.ts'
import { partyName, type PriceDiscrepancyPage } from '../hub-types.ts'
import { dayStart, PARTY_TEXT, PartyField } from '../form-fields.tsx'

/** The CDR check recorded a finding (it runs after the CDR's delivery). */
const CDR_EVENTS = ['cdr.price_discrepancy'] as const

const TAXES_WORDS: Record<string, string> = { before_taxes: 'excl. VAT', after_taxes: 'incl. VAT' }

export function PriceDiscrepanciesPage() {
  const { api } = useConsole()
  const [filters, setFilters] = useState({ cpo: '', emsp: '', from: '', to: '' })
  const [cursor, setCursor] = useState<string | undefined>(undefined)
  const path = `/price-discrepancies${query({
    cpo: PARTY_TEXT.test(filters.cpo) ? filters.cpo : undefined,
    emsp: PARTY_TEXT.test(filters.emsp) ? filters.emsp : undefined,
    from: dayStart(filters.from),
    to: dayStart(filters.to),
    limit: 50,
    cursor,
  })}`
  const page = useLoad(() => api.get<PriceDiscrepancyPage>(path), path)
  useHubEvents(CDR_EVENTS, page.reload)
  const update = (name: keyof typeof filters, value: string) => {
    setCursor(undefined)
    setFilters((previous) => ({ ...previous, [name]: value }))
  }
  const partyField = (name: 'cpo' | 'emsp', label: string) => (
    <PartyField label={label} value={filters[name]} onInput={(value) => update(name, value)} />
  )
  return (
    <>
      <h1>Price discrepancies</h1>
      <p class="muted">
        Every CDR that crosses the hub is priced again from the tariffs it carries, or from the CPO's tariffs
        valid during the session. Where a total or a cost differs by more than a cent it is listed here. The
        CDR was delivered as it was: this list informs, it never holds a CDR back.
      </p>
      <form class="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        {partyField('cpo', 'CPO')}
        {partyField('emsp', 'eMSP')}
        <label>
          Sessions from
          <input
            type="date"
            value={filters.from}
            onInput={(event) => update('from', event.currentTarget.value)}
          />
        </label>
        <label>
          until (not included)
          <input
            type="date"
            value={filters.to}
            onInput={(event) => update('to', event.currentTarget.value)}
          />
        </label>
      </form>
      <ErrorNote error={page.error} />
      {page.data?.discrepancies.length === 0 && <p class="muted">No CDR differs from its tariffs.</p>}
      {page.data && page.data.discrepancies.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">CDR</th>
                <th scope="col">CPO → eMSP</th>
                <th scope="col">Session start</th>
                <th scope="col">Priced from</th>
                <th scope="col">What differs (CDR / hub)</th>
                <th scope="col">Found</th>
              </tr>
            </thead>
            <tbody>
              {page.data.discrepancies.map((found) => (
                <tr key={found.id} data-cdr-id={found.cdr_id}>
                  <td>
                    <code>{found.cdr_id}</code>
                    <div class="muted">correlation {found.correlation_id}</div>
                  </td>
                  <td>
                    {partyName(found.cpo)} → {partyName(found.emsp)}
                  </td>
                  <td>{formatTime(found.session_start)}</td>
                  <td>
                    {found.tariff_source === 'cdr' ? "the CDR's tariffs" : "the CPO's tariffs at the hub"}
                  </td>
                  <td>
                    <ul class="plain">
                      {found.differences.map((difference) => (
                        <li key={`${difference.field} ${difference.taxes}`}>
                          {difference.field} ({TAXES_WORDS[difference.taxes] ?? difference.taxes}):{' '}
                          {difference.cdr} / {difference.recomputed} {found.currency}
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>{formatTime(found.found_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CursorPager cursor={cursor} nextCursor={page.data?.next_cursor} onPage={setCursor} />
    </>
  )
}
