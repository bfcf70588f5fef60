import { useState } from 'preact/hooks'
import { query } from '../../shared/api.ts'
import {
  CursorPager,
  ErrorNote,
  formatTime,
  Link,
  StatusBadge,
  useAction,
  useLoad,
} from '../../shared/components.tsx'
import { useHubEvents } from '../../shared/events.ts'
import { useConsole } from '../console-context.ts'
import { partyName, type Delivery, type PartyRef, type ReceiverSummary } from '../hub-types.ts'

export const DELIVERY_EVENTS = ['delivery.delivered', 'delivery.failed', 'delivery.dead'] as const

/** What the live stream says of one try (GET /admin/events). */
interface DeliveryEvent {
  readonly delivery_id: number | string
  readonly to: PartyRef
  readonly module: string
  readonly attempts: number
  readonly error?: string
}

type DeliveryOutcome = DeliveryEvent & { readonly name: string }

const OUTCOME_WORDS: Record<string, string> = {
  'delivery.delivered': 'Delivered',
  'delivery.failed': 'Failed, will retry',
  'delivery.dead': 'Gave up (dead)',
}

export function DeliveriesPage() {
  const { api, canChange } = useConsole()
  const summary = useLoad(() => api.get<{ receivers: ReceiverSummary[] }>('/deliveries/summary'), 'summary')
  const [deadCursor, setDeadCursor] = useState<string | undefined>(undefined)
  const dead = useLoad(
    () =>
      api.get<{ deliveries: Delivery[]; next_cursor: string | null }>(
        `/deliveries${query({ state: 'dead', cursor: deadCursor })}`,
      ),
    `dead ${deadCursor ?? ''}`,
  )
  const reload = () => {
    summary.reload()
    dead.reload()
  }
  const [recent, setRecent] = useState<readonly DeliveryOutcome[]>([])
  useHubEvents(DELIVERY_EVENTS, (event) => {
    reload()
    const outcome = { ...(event.data as DeliveryEvent), name: event.name }
    setRecent((previous) => [outcome, ...previous].slice(0, 10))
  })
  const [outcome, setOutcome] = useState('')
  const retryAll = useAction(async (receiver: ReceiverSummary) => {
    await api.post('/deliveries/retry-dead', { receiver_platform_id: receiver.receiver_platform_id })
    setOutcome(`The dead messages for ${receiver.name ?? receiver.receiver_platform_id} are queued again.`)
    reload()
  })
  return (
    <>
      <h1>Deliveries</h1>
      <p class="muted">
        Messages the hub must still push to a partner: waiting ones are retried with growing pauses; dead ones
        gave up and wait for you.
      </p>
      <h2>Per receiver</h2>
      <ErrorNote error={summary.error ?? retryAll.error} />
      {outcome && <p role="status">{outcome}</p>}
      {summary.data && summary.data.receivers.length === 0 && (
        <p class="muted">Nothing waits: every message went out.</p>
      )}
      {summary.data && summary.data.receivers.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Receiver</th>
                <th scope="col">Waiting</th>
                <th scope="col">Dead</th>
                <th scope="col">Last error</th>
                {canChange && <th scope="col">Action</th>}
              </tr>
            </thead>
            <tbody>
              {summary.data.receivers.map((receiver) => (
                <tr key={receiver.receiver_platform_id}>
                  <td>
                    <Link
                      to={
                        receiver.kind === 'webhook'
                          ? '/webhooks'
                          : `/parties/${receiver.receiver_platform_id}`
                      }
                    >
                      {receiver.name ?? receiver.receiver_platform_id}
                    </Link>
                  </td>
                  <td>{receiver.waiting}</td>
                  <td>{receiver.dead}</td>
                  <td>{receiver.last_error ?? '–'}</td>
                  {canChange && (
                    <td>
                      {receiver.dead > 0 && (
                        <button
                          type="button"
                          disabled={retryAll.busy}
                          onClick={() => void retryAll.run(receiver)}
                          aria-label={`Retry all dead for ${receiver.name ?? receiver.receiver_platform_id}`}
                        >
                          Retry all dead
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Live</h2>
      <ul class="live" aria-live="polite" aria-label="Delivery outcomes as they happen">
        {recent.length === 0 && <li>Outcomes of the next tries appear here as they happen.</li>}
        {recent.map((one, index) => (
          <li key={`${one.delivery_id}-${one.attempts}-${index}`}>
            {OUTCOME_WORDS[one.name] ?? one.name}: delivery {one.delivery_id}, {one.module} to{' '}
            {partyName(one.to)}
            {one.error ? ` (${one.error})` : ''}
          </li>
        ))}
      </ul>
      <h2>Dead letters</h2>
      <ErrorNote error={dead.error} />
      {dead.data && (
        <DeliveryTable deliveries={dead.data.deliveries} onRetried={reload} empty="No dead letters." />
      )}
      <CursorPager cursor={deadCursor} nextCursor={dead.data?.next_cursor} onPage={setDeadCursor} />
    </>
  )
}

/** Queued messages with their last error and, for operators who may change things, a retry button each. */
export function DeliveryTable(props: {
  deliveries: readonly Delivery[]
  onRetried: () => void
  empty: string
}) {
  const { api, canChange } = useConsole()
  const retry = useAction(async (delivery: Delivery) => {
    await api.post(`/deliveries/${delivery.id}/retry`)
    props.onRetried()
  })
  if (props.deliveries.length === 0) return <p class="muted">{props.empty}</p>
  return (
    <>
      <ErrorNote error={retry.error} />
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">State</th>
              <th scope="col">To</th>
              <th scope="col">Message</th>
              <th scope="col">Tries</th>
              <th scope="col">Last error</th>
              <th scope="col">Next try</th>
              {canChange && <th scope="col">Action</th>}
            </tr>
          </thead>
          <tbody>
            {props.deliveries.map((delivery) => (
              <tr key={delivery.id}>
                <td>
                  <StatusBadge status={delivery.state} />
                </td>
                <td>{partyName(delivery.to)}</td>
                <td>
                  {delivery.method} {delivery.module}
                  {delivery.correlation_id && (
                    <div>
                      <Link to={`/messages${query({ correlation_id: delivery.correlation_id })}`}>
                        Exchange
                      </Link>
                    </div>
                  )}
                </td>
                <td>{delivery.attempts}</td>
                <td>
                  {delivery.last_error ??
                    (delivery.last_http_status ? `HTTP ${delivery.last_http_status}` : '–')}
                </td>
                <td>{delivery.state === 'dead' ? '–' : formatTime(delivery.next_attempt_at)}</td>
                {canChange && (
                  <td>
                    <button
                      type="button"
                      class="secondary"
                      disabled={retry.busy}
                      onClick={() => void retry.run(delivery)}
                      aria-label={`Retry delivery ${delivery.id}`}
                    >
                      Retry
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}
