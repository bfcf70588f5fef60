import { useState } from 'preact/hooks'
import { TimeChart } from '../../shared/chart.tsx'
import { ErrorNote, Tile, useLoad } from '../../shared/components.tsx'
import { useHubEvents } from '../../shared/events.ts'
import { useConsole } from '../console-context.ts'
import { DELIVERY_EVENTS } from './deliveries.tsx'
import { PARTY_EVENTS } from './parties.tsx'

/** GET /admin/stats?window=hour|day (docs/admin-api.md, Overview figures). */
interface HubStats {
  readonly window: 'hour' | 'day'
  readonly bucket_seconds: number
  readonly parties: {
    readonly total: number
    readonly by_role: Readonly<Record<string, number>>
    readonly by_status: Readonly<Record<string, number>>
  }
  readonly buckets: readonly Bucket[]
  readonly queue: { readonly pending: number; readonly failed: number; readonly dead: number }
}

interface Bucket {
  readonly start: string
  readonly requests_in: number
  readonly requests_out: number
  readonly errors_in: number
  readonly errors_out: number
  readonly deliveries_delivered: number
  readonly deliveries_failed: number
  readonly deliveries_dead: number
}

/** Partner writes the hub accepted: each one is traffic, and a broadcast queues messages. */
const TRAFFIC_EVENTS = [
  'location.changed',
  'tariff.changed',
  'token.changed',
  'session.updated',
  'cdr.received',
]

const WINDOWS = { hour: 'Last hour', day: 'Last day' } as const

export function OverviewPage() {
  const { api } = useConsole()
  const [window, setWindow] = useState<keyof typeof WINDOWS>('hour')
  const stats = useLoad(() => api.get<HubStats>(`/stats?window=${window}`), window)
  useHubEvents([...PARTY_EVENTS, ...DELIVERY_EVENTS, ...TRAFFIC_EVENTS], stats.reload)
  const data = stats.data
  return (
    <>
      <h1>Overview</h1>
      <ErrorNote error={stats.error} />
      {data && <Figures stats={data} />}
      <div class="filters" role="group" aria-label="Time window of the charts">
        {Object.entries(WINDOWS).map(([key, label]) => (
          <button
            key={key}
            type="button"
            class={key === window ? undefined : 'secondary'}
            aria-pressed={key === window}
            onClick={() => setWindow(key as keyof typeof WINDOWS)}
          >
            {label}
          </button>
        ))}
      </div>
      {data && <Charts stats={data} />}
      {data && (
        <>
          <h2>Parties by role and status</h2>
          <div class="charts">
            <CountTable caption="By role" heading="Role" counts={data.parties.by_role} />
            <CountTable caption="By status" heading="Status" counts={data.parties.by_status} />
          </div>
        </>
      )}
    </>
  )
}

/** The latest full minutes, as rates; the current bucket is still filling and would read low. */
function Figures({ stats }: { stats: HubStats }) {
  const recent = stats.buckets.slice(-6, -1)
  const perMinute = (value: (bucket: Bucket) => number) =>
    round(sum(recent, value) / Math.max(1, (recent.length * stats.bucket_seconds) / 60))
  const requests = sum(stats.buckets, requestsOf)
  const errors = sum(stats.buckets, errorsOf)
  return (
    <div class="tiles">
      <Tile label="Connected parties" value={stats.parties.by_status['CONNECTED'] ?? 0} />
      <Tile label="Invited, not connected" value={stats.parties.by_status['PLANNED'] ?? 0} />
      <Tile label="Offline parties" value={stats.parties.by_status['OFFLINE'] ?? 0} />
      <Tile label="Requests per minute" value={perMinute(requestsOf)} />
      <Tile label="Deliveries per minute" value={perMinute((bucket) => bucket.deliveries_delivered)} />
      <Tile
        label={`Error rate, ${WINDOWS[stats.window].toLowerCase()}`}
        value={`${requests ? round((100 * errors) / requests) : 0} %`}
      />
      <Tile label="Queue depth" value={stats.queue.pending + stats.queue.failed} />
      <Tile label="Dead letters" value={stats.queue.dead} />
    </div>
  )
}

function Charts({ stats }: { stats: HubStats }) {
  const times = stats.buckets.map((bucket) => Date.parse(bucket.start) / 1000)
  const unit = stats.bucket_seconds === 60 ? 'minute' : `${stats.bucket_seconds / 60} minutes`
  return (
    <div class="charts">
      <TimeChart
        title={`Requests and deliveries per ${unit}`}
        times={times}
        series={[
          {
            label: 'Requests in',
            stroke: '#1d4ed8',
            values: stats.buckets.map((bucket) => bucket.requests_in),
          },
          {
            label: 'Requests out',
            stroke: '#7c3aed',
            values: stats.buckets.map((bucket) => bucket.requests_out),
          },
          {
            label: 'Delivered',
            stroke: '#047857',
            values: stats.buckets.map((bucket) => bucket.deliveries_delivered),
          },
        ]}
      />
      <TimeChart
        title={`Errors per ${unit}`}
        times={times}
        series={[
          { label: 'Errors', stroke: '#b91c1c', values: stats.buckets.map(errorsOf) },
          {
            label: 'Failed tries',
            stroke: '#b45309',
            values: stats.buckets.map((bucket) => bucket.deliveries_failed),
          },
          { label: 'Dead', stroke: '#111827', values: stats.buckets.map((bucket) => bucket.deliveries_dead) },
        ]}
      />
    </div>
  )
}

function CountTable(props: { caption: string; heading: string; counts: Readonly<Record<string, number>> }) {
  const entries = Object.entries(props.counts).sort(([a], [b]) => a.localeCompare(b))
  return (
    <div class="table-wrap">
      <table>
        <caption class="muted">{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">{props.heading}</th>
            <th scope="col">Parties</th>
          </tr>
        </thead>
        <tbody>
          {entries.length === 0 && (
            <tr>
              <td colSpan={2}>None yet: invite a partner on the Invitations page.</td>
            </tr>
          )}
          {entries.map(([name, count]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td>{count}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

const requestsOf = (bucket: Bucket) => bucket.requests_in + bucket.requests_out
const errorsOf = (bucket: Bucket) => bucket.errors_in + bucket.errors_out

function sum(buckets: readonly Bucket[], value: (bucket: Bucket) => number): number {
  return buckets.reduce((total, bucket) => total + value(bucket), 0)
}

function round(value: number): number {
  return Math.round(value * 10) / 10
}
