import { useState } from 'preact/hooks'
import { query } from '../../shared/api.ts'
import {
  ErrorNote,
  formatTime,
  RowAction,
  StatusBadge,
  Tile,
  useAction,
  useLoad,
} from '../../shared/components.tsx'
import { useHubEvents } from '../../shared/events.ts'
import { money } from '../../shared/money.ts'
import { useConsole } from '../console-context.ts'
import { partyOf, PartyField } from '../form-fields.tsx'
import {
  type Invoice,
  type NetworkInsights,
  partyName,
  type PartyAnalytics,
  type Statement,
  type StatementLine,
  type TopPartner,
} from '../hub-types.ts'

/** A CDR crossed the hub (its ledger line is written), or the price check found it off its tariffs. */
const CDR_EVENTS = ['cdr.received', 'cdr.price_discrepancy'] as const

const VIEWS = { statements: 'Statements', invoices: 'Fee invoices', analytics: 'Analytics' } as const
type View = keyof typeof VIEWS

/** The UTC month now, as the month input writes it (YYYY-MM). */
const thisMonth = () => new Date().toISOString().slice(0, 7)

/** One statement per CPO, eMSP and currency in a period: closed documents and open ones share it. */
const statementKey = (statement: Statement) =>
  `${partyName(statement.cpo)} ${partyName(statement.emsp)} ${statement.currency}`

const percent = (share: number | null) => (share === null ? '–' : `${Math.round(share * 1000) / 10} %`)

/** The filters as the clearing routes take them: a party only once it is one, always as `NL*ABC`. */
function periodQuery(month: string, cpo: string, emsp: string) {
  const party = (text: string) => {
    const parsed = partyOf(text)
    return parsed && partyName(parsed)
  }
  return { month, cpo: party(cpo), emsp: party(emsp) }
}

export function ClearingPage() {
  const [view, setView] = useState<View>('statements')
  const [filters, setFilters] = useState({ month: thisMonth(), cpo: '', emsp: '' })
  const update = (name: keyof typeof filters, value: string) =>
    setFilters((previous) => ({ ...previous, [name]: value }))
  return (
    <>
      <h1>Clearing</h1>
      <p class="muted">
        What each eMSP owes each CPO from the CDRs the hub delivered, per month and currency, credit CDRs
        netted; the hub's own fee invoices; and figures about charging. A closed period's statements are
        documents that never change: a correction is a new document that names the old one.
      </p>
      <form class="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <label>
          Month
          <input
            type="month"
            required
            value={filters.month}
            onInput={(event) => event.currentTarget.value && update('month', event.currentTarget.value)}
          />
        </label>
        <PartyField label="CPO" value={filters.cpo} onInput={(value) => update('cpo', value)} />
        <PartyField label="eMSP" value={filters.emsp} onInput={(value) => update('emsp', value)} />
      </form>
      <div class="filters" role="group" aria-label="What to show">
        {(Object.keys(VIEWS) as View[]).map((key) => (
          <button
            key={key}
            type="button"
            class={key === view ? undefined : 'secondary'}
            aria-pressed={key === view}
            onClick={() => setView(key)}
          >
            {VIEWS[key]}
          </button>
        ))}
      </div>
      {view === 'statements' && <Statements {...filters} />}
      {view === 'invoices' && <Invoices {...filters} />}
      {view === 'analytics' && <Analytics month={filters.month} party={filters.cpo || filters.emsp} />}
    </>
  )
}

function Downloads(props: {
  path: string
  parameters: Readonly<Record<string, string | undefined>>
  what: string
}) {
  const { path, parameters, what } = props
  return (
    <p class="actions">
      {(['csv', 'pdf'] as const).map((format) => (
        <a
          key={format}
          href={`/admin${path}${query({ ...parameters, format })}`}
          download
          aria-label={`Download the ${what} as ${format.toUpperCase()}`}
        >
          Download the {what} as {format.toUpperCase()}
        </a>
      ))}
    </p>
  )
}

function Statements({ month, cpo, emsp }: { month: string; cpo: string; emsp: string }) {
  const { api, canChange } = useConsole()
  const parameters = periodQuery(month, cpo, emsp)
  const search = query(parameters)
  const open = useLoad(
    () => api.get<{ statements: Statement[] }>(`/clearing/statements${search}`),
    `open ${search}`,
  )
  const closed = useLoad(
    () => api.get<{ statements: Statement[] }>(`/clearing/statements/closed${search}`),
    `closed ${search}`,
  )
  useHubEvents(CDR_EVENTS, open.reload)
  const [shownKey, setShownKey] = useState<string | undefined>(undefined)
  const [outcome, setOutcome] = useState('')
  const change = useAction(async (what: () => Promise<string>) => {
    setOutcome(await what())
    open.reload()
    closed.reload()
  })
  const closedKeys = new Set(closed.data?.statements.map(statementKey))
  // A closed document stands for its statement; the ledger's open figures show where none is closed.
  const statements = [
    ...(closed.data?.statements ?? []),
    ...(open.data?.statements.filter((statement) => !closedKeys.has(statementKey(statement))) ?? []),
  ]
  const openLeft = statements.some((statement) => statement.status === 'OPEN')
  // A party half typed is left out of the filters: closing then would close more than the operator meant.
  const halfTyped = (cpo !== '' && !parameters.cpo) || (emsp !== '' && !parameters.emsp)
  const rowKey = (statement: Statement) => statement.id ?? statementKey(statement)
  const shown = statements.find((statement) => rowKey(statement) === shownKey)
  const periodWords = `${month}${parameters.cpo ? ` of ${parameters.cpo}` : ''}${parameters.emsp ? ` with ${parameters.emsp}` : ''}`

  return (
    <>
      <h2>Statements of {periodWords}</h2>
      <Downloads path="/clearing/statements" parameters={parameters} what="open statements" />
      {closed.data && closed.data.statements.length > 0 && (
        <Downloads path="/clearing/statements/closed" parameters={parameters} what="closed statements" />
      )}
      <ErrorNote error={open.error ?? closed.error ?? change.error} />
      {outcome && <p role="status">{outcome}</p>}
      {canChange && openLeft && !halfTyped && (
        <div class="actions">
          <RowAction
            words="Close the period"
            label={`Close the period ${periodWords}`}
            danger
            confirm={`Close ${periodWords}? Its open statements become documents that never change.`}
            disabled={change.busy}
            run={async () => {
              const { statements: done } = await api.post<{ statements: Statement[] }>(
                '/clearing/periods/close',
                parameters,
              )
              return `${done.length} statement${done.length === 1 ? ' is' : 's are'} closed for ${periodWords}.`
            }}
            onRun={change.run}
          />
        </div>
      )}
      {open.data && closed.data && statements.length === 0 && (
        <p class="muted">No CDR crossed the hub in this period.</p>
      )}
      {statements.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">CPO → eMSP</th>
                <th scope="col">Status</th>
                <th scope="col">Sessions</th>
                <th scope="col">Credit CDRs</th>
                <th scope="col">Energy (kWh)</th>
                <th scope="col">Excl. VAT</th>
                <th scope="col">VAT</th>
                <th scope="col">Incl. VAT</th>
                <th scope="col">Disputed</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {statements.map((statement) => {
                const key = rowKey(statement)
                const { figures, currency } = statement
                const name = `${partyName(statement.cpo)} → ${partyName(statement.emsp)} ${currency}`
                return (
                  <tr
                    key={key}
                    class={key === shownKey ? 'selected' : undefined}
                    data-statement={statementKey(statement)}
                  >
                    <td>
                      {partyName(statement.cpo)} → {partyName(statement.emsp)}
                      {statement.corrects_id && <div class="muted">corrects {statement.corrects_id}</div>}
                    </td>
                    <td>
                      <StatusBadge status={statement.status} />
                      {statement.closed_at && <div class="muted">{formatTime(statement.closed_at)}</div>}
                    </td>
                    <td data-testid="sessions">{figures.sessions}</td>
                    <td>{figures.credit_cdrs}</td>
                    <td>{figures.energy_kwh}</td>
                    <td data-testid="excl-vat">{money(figures.amount_excl_vat, currency, 'code')}</td>
                    <td>{money(figures.tax_amount, currency, 'code')}</td>
                    <td data-testid="incl-vat">{money(figures.amount_incl_vat, currency, 'code')}</td>
                    <td>
                      {figures.disputed_lines > 0
                        ? `${figures.disputed_lines} (${money(figures.disputed_amount_excl_vat, currency, 'code')})`
                        : '–'}
                    </td>
                    <td>
                      <div class="actions">
                        <button
                          type="button"
                          class="secondary"
                          aria-label={`${key === shownKey ? 'Hide' : 'Show'} lines of ${name}`}
                          aria-expanded={key === shownKey}
                          onClick={() => setShownKey(key === shownKey ? undefined : key)}
                        >
                          {key === shownKey ? 'Hide lines' : 'Show lines'}
                        </button>
                        {canChange && statement.id && (
                          <RowAction
                            words="Issue correction"
                            label={`Issue correction of ${name}`}
                            confirm={`Issue a correction of the closed statement ${name} from the CDRs as they are now?`}
                            disabled={change.busy}
                            run={async () => {
                              await api.post(
                                `/clearing/statements/${encodeURIComponent(statement.id!)}/corrections`,
                              )
                              return `A correction of ${name} is issued.`
                            }}
                            onRun={change.run}
                          />
                        )}
                      </div>
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
      {shown && (
        <StatementLines
          statement={shown}
          busy={change.busy}
          onRun={canChange && shown.status === 'OPEN' ? change.run : undefined}
        />
      )}
    </>
  )
}

function StatementLines(props: {
  statement: Statement
  busy: boolean
  /** Absent for viewers and for closed statements: their lines cannot change. */
  onRun: ((run: () => Promise<string>) => Promise<void>) | undefined
}) {
  const { statement, busy, onRun } = props
  const { currency } = statement
  return (
    <section class="card" aria-labelledby="statement-lines">
      <h2 id="statement-lines">
        Lines of {partyName(statement.cpo)} → {partyName(statement.emsp)} in {currency}
      </h2>
      {statement.status === 'CLOSED' && (
        <p class="muted">
          This statement is closed: its lines cannot change. Issue a correction to take later changes in.
        </p>
      )}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">CDR</th>
              <th scope="col">Location</th>
              <th scope="col">Session</th>
              <th scope="col">Energy (kWh)</th>
              <th scope="col">Excl. VAT</th>
              <th scope="col">VAT</th>
              <th scope="col">Dispute</th>
              {onRun && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {statement.lines.map((line) => (
              <tr key={line.cdr_id} data-cdr-id={line.cdr_id}>
                <td>
                  <code>{line.cdr_id}</code>
                  {line.credit && <div class="muted">credit of {line.credit_reference_id ?? '–'}</div>}
                </td>
                <td>{line.location_id}</td>
                <td>
                  {formatTime(line.start_date_time)} – {formatTime(line.end_date_time)}
                </td>
                <td>{line.energy_kwh}</td>
                <td>{money(line.amount_excl_vat, currency, 'code')}</td>
                <td>{money(line.tax_amount, currency, 'code')}</td>
                <td data-testid="dispute">
                  {line.dispute ? (
                    <>
                      <StatusBadge status={line.dispute.resolution ? 'resolved' : 'disputed'} />{' '}
                      {line.dispute.reason}
                      {line.dispute.resolution && <div class="muted">{line.dispute.resolution}</div>}
                    </>
                  ) : (
                    '–'
                  )}
                </td>
                {onRun && (
                  <td>
                    <DisputeForm statement={statement} line={line} busy={busy} onRun={onRun} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>Price discrepancies</h3>
      {statement.price_discrepancies.length === 0 ? (
        <p class="muted">No CDR of this statement differs from its tariffs.</p>
      ) : (
        <ul class="plain">
          {statement.price_discrepancies.map((found) => (
            <li key={found.cdr_id}>
              <code>{found.cdr_id}</code>: {found.description}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

/** Flags a line disputed with a reason, or records the resolution of its open dispute. */
function DisputeForm(props: {
  statement: Statement
  line: StatementLine
  busy: boolean
  onRun: (run: () => Promise<string>) => Promise<void>
}) {
  const { api } = useConsole()
  const { statement, line, busy, onRun } = props
  const [text, setText] = useState('')
  const resolving = line.dispute !== null && line.dispute.resolution === null
  const words = resolving ? 'Resolve' : 'Flag dispute'
  const field = resolving ? 'resolution' : 'reason'
  return (
    <form
      class="actions"
      onSubmit={(event) => {
        event.preventDefault()
        if (!text.trim()) return
        void onRun(async () => {
          await api.request(
            'PUT',
            `/clearing/cdrs/${encodeURIComponent(partyName(statement.cpo))}/${encodeURIComponent(line.cdr_id)}/dispute`,
            { [field]: text.trim() },
          )
          setText('')
          return resolving ? `The dispute of ${line.cdr_id} is resolved.` : `${line.cdr_id} is disputed.`
        })
      }}
    >
      <input
        aria-label={`${resolving ? 'Resolution' : 'Dispute reason'} for ${line.cdr_id}`}
        placeholder={resolving ? 'Resolution' : 'Reason'}
        maxLength={500}
        required
        value={text}
        onInput={(event) => setText(event.currentTarget.value)}
      />
      <button type="submit" class="secondary" disabled={busy} aria-label={`${words} ${line.cdr_id}`}>
        {words}
      </button>
    </form>
  )
}

function Invoices({ month, cpo, emsp }: { month: string; cpo: string; emsp: string }) {
  const { api } = useConsole()
  const parameters = periodQuery(month, cpo, emsp)
  const search = query(parameters)
  const invoices = useLoad(
    () => api.get<{ invoices: Invoice[] }>(`/clearing/invoices${search}`),
    `invoices ${search}`,
  )
  return (
    <>
      <h2>Fee invoices of {month}</h2>
      <p class="muted">
        The hub's fees to each CPO: a transaction fee per statement and the membership fee of its tier (by its
        EVSEs at the hub now).
      </p>
      <Downloads path="/clearing/invoices" parameters={parameters} what="invoices" />
      <ErrorNote error={invoices.error} />
      {invoices.data?.invoices.length === 0 && <p class="muted">No fee is due for this period.</p>}
      {invoices.data?.invoices.map((invoice) => (
        <section
          key={`${partyName(invoice.party)} ${invoice.currency}`}
          class="card"
          data-invoice={`${partyName(invoice.party)} ${invoice.currency}`}
        >
          <h3>
            {partyName(invoice.party)}: {money(invoice.total, invoice.currency, 'code')}
          </h3>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">CDRs</th>
                  <th scope="col">Basis excl. VAT</th>
                  <th scope="col">Amount</th>
                </tr>
              </thead>
              <tbody>
                {invoice.lines.map((line) => (
                  <tr key={line.description}>
                    <td>{line.description}</td>
                    <td>{line.cdrs}</td>
                    <td>{money(line.basis_excl_vat, invoice.currency, 'code')}</td>
                    <td>{money(line.amount, invoice.currency, 'code')}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row" colSpan={3}>
                    Total
                  </th>
                  <td data-testid="invoice-total">{money(invoice.total, invoice.currency, 'code')}</td>
                </tr>
              </tfoot>
            </table>
          </div>
        </section>
      ))}
    </>
  )
}

function Analytics({ month, party }: { month: string; party: string }) {
  const { api } = useConsole()
  const network = useLoad(
    () => api.get<NetworkInsights>(`/clearing/analytics/network${query({ month })}`),
    `network ${month}`,
  )
  const parsed = partyOf(party)
  const partyPath =
    parsed && `/clearing/analytics/parties/${encodeURIComponent(partyName(parsed))}${query({ month })}`
  return (
    <>
      <h2>Network insights of {month}</h2>
      <p class="muted">The whole network, anonymised: no party, Location or token is named.</p>
      <ErrorNote error={network.error} />
      {network.data && (
        <>
          <div class="tiles">
            <Tile label="Sessions" value={network.data.sessions} testId="network-sessions" />
            <Tile label="Energy (kWh)" value={network.data.energy_kwh} />
            <Tile label="Average energy (kWh)" value={network.data.average_energy_kwh} />
            <Tile label="Average hours" value={network.data.average_hours} />
            <Tile label="Active CPOs" value={network.data.active_cpos} />
            <Tile label="Active eMSPs" value={network.data.active_emsps} />
          </div>
          <div class="table-wrap">
            <table>
              <caption class="muted">Amounts per currency</caption>
              <thead>
                <tr>
                  <th scope="col">Currency</th>
                  <th scope="col">Sessions</th>
                  <th scope="col">Excl. VAT</th>
                </tr>
              </thead>
              <tbody>
                {network.data.by_currency.map((entry) => (
                  <tr key={entry.currency}>
                    <th scope="row">{entry.currency}</th>
                    <td>{entry.sessions}</td>
                    <td>{money(entry.amount_excl_vat, entry.currency, 'code')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <SessionsByHour
            caption="Sessions by hour of the day they started (UTC)"
            hours={network.data.sessions_by_hour}
          />
        </>
      )}
      <h2>A party's figures</h2>
      {!parsed && <p class="muted">Name a party as CPO or eMSP above (like NL*ABC) to see its figures.</p>}
      {partyPath && <PartyFigures path={partyPath} />}
    </>
  )
}

function PartyFigures({ path }: { path: string }) {
  const { api } = useConsole()
  const figures = useLoad(() => api.get<PartyAnalytics>(path), path)
  if (figures.error) return <ErrorNote error={figures.error} />
  if (!figures.data) return <p class="muted">Loading…</p>
  const { party, as_cpo: asCpo, as_emsp: asEmsp } = figures.data
  return (
    <>
      <h3>{partyName(party)} as CPO</h3>
      <div class="tiles">
        <Tile label="Sessions" value={asCpo.sessions} testId="cpo-sessions" />
        <Tile label="Energy (kWh)" value={asCpo.energy_kwh} />
      </div>
      {asCpo.locations.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="muted">Per Location (utilisation: charging hours over its EVSEs' hours)</caption>
            <thead>
              <tr>
                <th scope="col">Location</th>
                <th scope="col">Sessions</th>
                <th scope="col">Energy (kWh)</th>
                <th scope="col">Charging hours</th>
                <th scope="col">EVSEs</th>
                <th scope="col">Utilisation</th>
              </tr>
            </thead>
            <tbody>
              {asCpo.locations.map((location) => (
                <tr key={location.location_id}>
                  <th scope="row">{location.location_id}</th>
                  <td>{location.sessions}</td>
                  <td>{location.energy_kwh}</td>
                  <td>{location.charging_hours}</td>
                  <td>{location.evses ?? '–'}</td>
                  <td>{percent(location.utilisation)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <SessionsByHour caption="Its sessions by hour of the day (UTC)" hours={asCpo.sessions_by_hour} />
      <Partners caption="Its top eMSPs" partners={asCpo.top_partners} />
      <h3>{partyName(party)} as eMSP</h3>
      <div class="tiles">
        <Tile label="Sessions" value={asEmsp.sessions} testId="emsp-sessions" />
        <Tile label="Energy (kWh)" value={asEmsp.energy_kwh} />
      </div>
      <Partners caption="Its top CPOs" partners={asEmsp.top_partners} />
    </>
  )
}

function Partners({ caption, partners }: { caption: string; partners: readonly TopPartner[] }) {
  if (partners.length === 0) return null
  return (
    <div class="table-wrap">
      <table>
        <caption class="muted">{caption} (share: of its sessions through the hub)</caption>
        <thead>
          <tr>
            <th scope="col">Partner</th>
            <th scope="col">Sessions</th>
            <th scope="col">Energy (kWh)</th>
            <th scope="col">Share</th>
          </tr>
        </thead>
        <tbody>
          {partners.map((partner) => (
            <tr key={partyName(partner.party)}>
              <th scope="row">{partyName(partner.party)}</th>
              <td>{partner.sessions}</td>
              <td>{partner.energy_kwh}</td>
              <td>{percent(partner.share)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** 24 counts as a two-row table: narrow screens scroll it sideways. */
function SessionsByHour({ caption, hours }: { caption: string; hours: readonly number[] }) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="muted">{caption}</caption>
        <tbody>
          <tr>
            <th scope="row">Hour</th>
            {hours.map((_, hour) => (
              <td key={hour}>{hour}</td>
            ))}
          </tr>
          <tr>
            <th scope="row">Sessions</th>
            {hours.map((count, hour) => (
              <td key={hour}>{count}</td>
            ))}
          </tr>
        </tbody>
      </table>
    </div>
  )
}
