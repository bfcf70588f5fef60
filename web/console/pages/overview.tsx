import { useState } from 'preact/hooks'
import { TimeChart } from '../../shared/chart.tsx'
import { ErrorNote, useLoad } from '../../shared/components.tsx'
import { useHubEvents } from '../../shared/events.ts'
import { useConsole } from '../console-context.ts'
import { DELIVERY_EVENTS } from './deliveries.tsx'
import { PARTY_EVENTS } from './parties.tsx'

/** GET /admin/stats?window=hour|day. */
export interface HubStats {
  readonly window: 'hour' | 'day'
  readonly parties: readonly { readonly role: string; readonly status: string; readonly count: number }[]
  readonly series: readonly {
    readonly time: string
    readonly requests: number
    readonly deliveries: number
    readonly errors: number
  }[]
  readonly queue_depth: number
  readonly dead_letters: number
}

const WINDOWS = { hour: 'Last hour', day: 'Last day' } as const

export function OverviewPage() {
  const { api } = useConsole()
  const [window, setWindow] = useState<keyof typeof WINDOWS>('hour')
  const stats = useLoad(() => api.get<HubStats>(`/stats?window=${window}`), window)
  useHubEvents([...PARTY_EVENTS, ...DELIVERY_EVENTS], stats.reload)
  const data = stats.data
  const totals = data?.series.reduce(
    (sum, minute) => ({
      requests: sum.requests + minute.requests,
      deliveries: sum.deliveries + minute.deliveries,
      errors: sum.errors + minute.errors,
    }),
    { requests: 0, deliveries: 0, errors: 0 },
  )
  const minutes = Math.max(1, data?.series.length ?? 1)
  const times = data?.series.map((minute) => Date.parse(minute.time) / 1000) ?? []
  return (
    <>
      <h1>Overview</h1>
      <ErrorNote error={stats.error} />
      {data && totals && (
        <>
          <div class="tiles">
            <Tile label="Connected parties" value={count(data, 'CONNECTED')} />
            <Tile label="Invited, not connected" value={count(data, 'PLANNED')} />
            <Tile label="Offline" value={count(data, 'OFFLINE')} />
            <Tile label="Requests per minute" value={round(totals.requests / minutes)} />
            <Tile label="Deliveries per minute" value={round(totals.deliveries / minutes)} />
            <Tile
              label="Error rate"
              value={`${totals.requests ? round((100 * totals.errors) / totals.requests) : 0} %`}
            />
            <Tile label="Queue depth" value={data.queue_depth} />
            <Tile label="Dead letters" value={data.dead_letters} />
          </div>
          <div class="filters" role="group" aria-label="Time window">
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
          <div class="charts">
            <TimeChart
              title="Requests and deliveries per minute"
              times={times}
              series={[
                {
                  label: 'Requests',
                  stroke: '#1d4ed8',
                  values: data.series.map((minute) => minute.requests),
                },
                {
                  label: 'Deliveries',
                  stroke: '#047857',
                  values: data.series.map((minute) => minute.deliveries),
                },
              ]}
            />
            <TimeChart
              title="Errors per minute"
              times={times}
              series={[
                { label: 'Errors', stroke: '#b91c1c', values: data.series.map((minute) => minute.errors) },
              ]}
            />
          </div>
          <h2>Parties by role and status</h2>
          <PartyCounts stats={data} />
        </>
      )}
    </>
  )
}

function Tile({ label, value }: { label: string; value: number | string }) {
  return (
    <div class="tile">
      <div class="value">{value}</div>
      <div class="label">{label}</div>
    </div>
  )
}

function PartyCounts({ stats }: { stats: HubStats }) {
  const roles = [...new Set(stats.parties.map((entry) => entry.role))].sort()
  const statuses = [...new Set(stats.parties.map((entry) => entry.status))].sort()
  if (roles.length === 0) return <p class="muted">No party yet: invite one on the Invitations page.</p>
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Role</th>
            {statuses.map((status) => (
              <th scope="col" key={status}>
                {status}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {roles.map((role) => (
            <tr key={role}>
              <th scope="row">{role}</th>
              {statuses.map((status) => (
                <td key={status}>
                  {stats.parties.find((entry) => entry.role === role && entry.status === status)?.count ?? 0}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function count(stats: HubStats, status: string): number {
  return stats.parties.filter((entry) => entry.status === status).reduce((sum, entry) => sum + entry.count, 0)
}

function round(value: number): number {
  return Math.round(value * 10) / 10
}
