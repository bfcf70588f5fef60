import { useState } from 'preact/hooks'
import { query } from '../../shared/api.ts'
import { ErrorNote, formatTime, useLoad } from '../../shared/components.tsx'
import { navigate, useLocation } from '../../shared/router.ts'
import { useConsole } from '../console-context.ts'
import { partyName, type LoggedMessage } from '../hub-types.ts'

/** GET /admin/messages: a page of the log, and where the next one starts (null: the last page). */
interface MessagePage {
  readonly messages: readonly LoggedMessage[]
  readonly next_cursor?: string | null
}

const FILTERS = ['correlation_id', 'party', 'module', 'status', 'since', 'until'] as const
type Filter = (typeof FILTERS)[number]

/** The message log: search it, then read one exchange from end to end (every hop of its correlation id). */
export function MessagesPage() {
  const { api } = useConsole()
  const { search } = useLocation()
  const applied = Object.fromEntries(FILTERS.map((name) => [name, search.get(name) ?? ''])) as Record<
    Filter,
    string
  >
  const [form, setForm] = useState(applied)
  const [selected, setSelected] = useState<LoggedMessage | undefined>(undefined)
  // The pages read so far, newest first: "Older messages" adds the next one below.
  const [cursors, setCursors] = useState<readonly string[]>([])
  const searchPath = `/messages${query({
    ...applied,
    since: toIso(applied.since),
    until: toIso(applied.until),
    bodies: 'false',
    limit: 100,
    cursor: cursors.at(-1),
  })}`
  const results = useLoad(() => api.get<MessagePage>(searchPath), searchPath)
  const correlationId = selected?.correlation_id ?? (applied.correlation_id || undefined)

  const submit = (event: Event) => {
    event.preventDefault()
    setSelected(undefined)
    setCursors([])
    navigate(`/messages${query(form)}`)
  }
  const onInput = (name: Filter) => (event: { currentTarget: HTMLInputElement }) =>
    setForm((previous) => ({ ...previous, [name]: event.currentTarget.value }))
  const field = (name: Filter, label: string, placeholder = '') => (
    <label>
      {label}
      <input type="text" value={form[name]} placeholder={placeholder} onInput={onInput(name)} />
    </label>
  )
  const timeField = (name: Filter, label: string) => (
    <label>
      {label}
      <input type="datetime-local" value={form[name]} onInput={onInput(name)} />
    </label>
  )
  return (
    <>
      <h1>Message log</h1>
      <form class="filters" role="search" onSubmit={submit}>
        {field('correlation_id', 'Correlation id')}
        {field('party', 'Party or platform id', 'NL*ABC')}
        {field('module', 'Module', 'sessions')}
        <label>
          Status
          <select
            value={form.status}
            onChange={(event) => setForm((previous) => ({ ...previous, status: event.currentTarget.value }))}
          >
            <option value="">Any status</option>
            <option value="ok">Succeeded</option>
            <option value="error">Failed</option>
          </select>
        </label>
        {timeField('since', 'From')}
        {timeField('until', 'Until')}
        <button type="submit">Search</button>
      </form>
      <ErrorNote error={results.error} />
      {results.data && (
        <MessageTable messages={results.data.messages} onSelect={setSelected} selected={selected?.id} />
      )}
      <div class="actions">
        {cursors.length > 0 && (
          <button type="button" class="secondary" onClick={() => setCursors([])}>
            Newest messages
          </button>
        )}
        {results.data?.next_cursor && (
          <button
            type="button"
            class="secondary"
            onClick={() => setCursors((previous) => [...previous, results.data?.next_cursor ?? ''])}
          >
            Older messages
          </button>
        )}
      </div>
      {correlationId && <Exchange correlationId={correlationId} selectedId={selected?.id} />}
    </>
  )
}

/** Every hop of one correlation id, oldest first, each with its request and answer. */
function Exchange({ correlationId, selectedId }: { correlationId: string; selectedId: number | undefined }) {
  const { api } = useConsole()
  const path = `/messages${query({ correlation_id: correlationId, order: 'asc' })}`
  const hops = useLoad(() => api.get<{ messages: LoggedMessage[] }>(path), path)
  return (
    <section class="card" aria-labelledby="exchange-title">
      <h2 id="exchange-title">Exchange {correlationId}</h2>
      <ErrorNote error={hops.error} />
      {hops.data?.messages.length === 0 && <p class="muted">No message carries this correlation id.</p>}
      <ol>
        {hops.data?.messages.map((hop, index) => (
          <li key={hop.id}>
            <details open={hop.id === selectedId || hops.data?.messages.length === 1}>
              <summary>
                {formatTime(hop.time)} · {hop.direction === 'in' ? 'to the hub' : 'from the hub'} ·{' '}
                {hop.method} {hop.path} · {outcome(hop)}
              </summary>
              <p class="muted">
                From {partyName(hop.from)} to {partyName(hop.to)}
                {hop.module ? `, module ${hop.module}` : ''}
                {hop.latency_ms !== null ? `, ${hop.latency_ms} ms` : ''}
                {hop.note ? `. ${hop.note}` : ''}
              </p>
              <h3>Request</h3>
              <pre tabIndex={0} role="region" aria-label={`Request body of hop ${index + 1}`}>
                {pretty(hop.request_body)}
              </pre>
              {hop.request_body_truncated && <p class="muted">{CUT}</p>}
              <h3>Answer</h3>
              <pre tabIndex={0} role="region" aria-label={`Answer body of hop ${index + 1}`}>
                {pretty(hop.response_body)}
              </pre>
              {hop.response_body_truncated && <p class="muted">{CUT}</p>}
            </details>
          </li>
        ))}
      </ol>
    </section>
  )
}

export function MessageTable(props: {
  messages: readonly LoggedMessage[]
  onSelect: (message: LoggedMessage) => void
  selected?: number | undefined
}) {
  if (props.messages.length === 0) return <p class="muted">No messages match.</p>
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Direction</th>
            <th scope="col">From → to</th>
            <th scope="col">Request</th>
            <th scope="col">Outcome</th>
            <th scope="col">Correlation id</th>
          </tr>
        </thead>
        <tbody>
          {props.messages.map((message) => (
            <tr key={message.id} class={message.id === props.selected ? 'selected' : undefined}>
              <td>{formatTime(message.time)}</td>
              <td>{message.direction === 'in' ? 'in' : 'out'}</td>
              <td>
                {partyName(message.from)} → {partyName(message.to)}
              </td>
              <td>
                {message.method} {message.module ?? message.path}
              </td>
              <td>{outcome(message)}</td>
              <td>
                {message.correlation_id ? (
                  <button type="button" class="secondary" onClick={() => props.onSelect(message)}>
                    Show exchange <span class="muted">{message.correlation_id.slice(0, 8)}</span>
                  </button>
                ) : (
                  '–'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function outcome(message: LoggedMessage): string {
  if (message.error) return `no answer: ${message.error}`
  const parts = [message.http_status === null ? undefined : `HTTP ${message.http_status}`]
  if (message.ocpi_status !== null) parts.push(`OCPI ${message.ocpi_status}`)
  return parts.filter(Boolean).join(', ') || '–'
}

const CUT =
  'Only the start of this body is kept (MESSAGE_LOG_BODY_LIMIT_BYTES; accepted exchanges keep less, MESSAGE_LOG_ACCEPTED_BODY_LIMIT_BYTES).'

/** Bodies are JSON text (secrets already masked by the hub): indented when they parse, as they are if not. */
function pretty(body: string | null | undefined): string {
  if (!body) return '(none)'
  try {
    return JSON.stringify(JSON.parse(body), null, 2)
  } catch {
    return body
  }
}

/** A datetime-local value (the browser's time zone) as RFC 3339 for the API. */
function toIso(value: string): string | undefined {
  if (!value) return undefined
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}
