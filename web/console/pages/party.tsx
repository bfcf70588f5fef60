import { useState } from 'preact/hooks'
import { query } from '../../shared/api.ts'
import {
  Details,
  ErrorNote,
  formatTime,
  Link,
  StatusBadge,
  useAction,
  useLoad,
} from '../../shared/components.tsx'
import { useHubEvents } from '../../shared/events.ts'
import { navigate } from '../../shared/router.ts'
import { useConsole } from '../console-context.ts'
import type { Delivery, Invitation, LoggedMessage, Platform } from '../hub-types.ts'
import { DELIVERY_EVENTS, DeliveryTable } from './deliveries.tsx'
import { CreatedInvitation } from './invitations.tsx'
import { MessageTable } from './messages.tsx'
import { PARTY_EVENTS } from './parties.tsx'

interface TrafficCounts {
  readonly requests_in: number
  readonly requests_out: number
  readonly errors_in: number
  readonly errors_out: number
}

/** GET /admin/platforms/{id}/traffic. */
interface PlatformTraffic {
  readonly last_hour: TrafficCounts
  readonly last_day: TrafficCounts
  readonly deliveries: { readonly waiting: number; readonly dead: number }
}

function describeTraffic(counts: TrafficCounts | undefined): string {
  if (!counts) return '–'
  const errors = counts.errors_in + counts.errors_out
  return `${counts.requests_in} in, ${counts.requests_out} out, ${errors} ${errors === 1 ? 'error' : 'errors'}`
}

export function PartyPage({ id }: { id: string }) {
  const { api, canChange } = useConsole()
  const platform = useLoad(() => api.get<Platform>(`/platforms/${encodeURIComponent(id)}`), id)
  const recent = useLoad(
    () =>
      api.get<{ messages: LoggedMessage[] }>(`/messages${query({ party: id, bodies: 'false', limit: 20 })}`),
    id,
  )
  const traffic = useLoad(() => api.get<PlatformTraffic>(`/platforms/${encodeURIComponent(id)}/traffic`), id)
  const deliveries = useLoad(async () => {
    const [waiting, dead] = await Promise.all([
      api.get<{ deliveries: Delivery[] }>(`/deliveries${query({ party: id, state: 'failed' })}`),
      api.get<{ deliveries: Delivery[] }>(`/deliveries${query({ party: id, state: 'dead' })}`),
    ])
    return { waiting: waiting.deliveries, dead: dead.deliveries }
  }, id)
  useHubEvents(PARTY_EVENTS, platform.reload)
  useHubEvents(DELIVERY_EVENTS, () => {
    deliveries.reload()
    traffic.reload()
  })

  const [confirming, setConfirming] = useState(false)
  const [outcome, setOutcome] = useState('')
  const disconnect = useAction(async () => {
    await api.delete(`/platforms/${encodeURIComponent(id)}`)
    setConfirming(false)
    setOutcome('Disconnected: its tokens no longer open the hub.')
    platform.reload()
  })
  const [reissued, setReissued] = useState<Invitation | undefined>(undefined)
  const reissue = useAction(async () => {
    setReissued(await api.post<Invitation>(`/platforms/${encodeURIComponent(id)}/reissue-token-a`))
    platform.reload()
  })
  const rotate = useAction(async () => {
    await api.post(`/platforms/${encodeURIComponent(id)}/rotate-token`)
    setOutcome('Token rotated: the partner now uses a new token to call the hub.')
    platform.reload()
  })

  if (platform.error) {
    return (
      <>
        <h1>Party</h1>
        <ErrorNote error={platform.error} />
        <Link to="/parties">Back to the parties</Link>
      </>
    )
  }
  const data = platform.data
  if (!data) return <p class="muted">Loading…</p>
  const live = data.status === 'CONNECTED' || data.status === 'OFFLINE'
  return (
    <>
      <h1>
        {data.name} <StatusBadge status={data.status} />
      </h1>
      <section class="card" aria-labelledby="party-details">
        <h2 id="party-details">Details</h2>
        <Details
          rows={[
            ['Platform id', data.id],
            [
              'Connected by',
              data.initiated_by === 'hub' ? 'the hub (it registered at the partner)' : 'the partner',
            ],
            ['OCPI version', data.version],
            ['Versions URL', data.versions_url],
            ['Registered', formatTime(data.registered_at)],
            ['Last seen', formatTime(data.last_seen_at)],
            ['Invited', formatTime(data.created_at)],
          ]}
        />
        {canChange && (
          <div class="actions">
            {live && (
              <button
                type="button"
                class="secondary"
                disabled={rotate.busy}
                onClick={() => void rotate.run()}
              >
                Rotate token
              </button>
            )}
            {data.status === 'PLANNED' && data.initiated_by === 'partner' && (
              <button
                type="button"
                class="secondary"
                disabled={reissue.busy}
                onClick={() => void reissue.run()}
              >
                Issue a new token A
              </button>
            )}
            {data.status !== 'SUSPENDED' && !confirming && (
              <button type="button" class="danger" onClick={() => setConfirming(true)}>
                Disconnect
              </button>
            )}
          </div>
        )}
        {confirming && (
          <div class="notice" role="alertdialog" aria-labelledby="confirm-disconnect">
            <p id="confirm-disconnect">
              Disconnect {data.name}? Its tokens stop working at once and the hub tells the partner.
            </p>
            <div class="actions">
              <button
                type="button"
                class="danger"
                disabled={disconnect.busy}
                onClick={() => void disconnect.run()}
              >
                Disconnect now
              </button>
              <button type="button" class="secondary" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </div>
          </div>
        )}
        {outcome && <p role="status">{outcome}</p>}
        <ErrorNote error={disconnect.error ?? rotate.error ?? reissue.error} />
      </section>
      {reissued && (
        <CreatedInvitation
          invitation={{ ...reissued, name: data.name }}
          onDone={() => setReissued(undefined)}
        />
      )}

      <h2>Roles</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Role</th>
              <th scope="col">Party</th>
              <th scope="col">Business name</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {data.roles.map((role) => (
              <tr key={`${role.role}${role.country_code}${role.party_id}`}>
                <td>{role.role}</td>
                <td>
                  {role.country_code}*{role.party_id}
                </td>
                <td>{role.business_details?.name ?? '–'}</td>
                <td>
                  <StatusBadge status={role.status} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>Endpoints</h2>
      {data.endpoints.length === 0 ? (
        <p class="muted">None yet: the partner has not registered.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Module</th>
                <th scope="col">Interface</th>
                <th scope="col">URL</th>
              </tr>
            </thead>
            <tbody>
              {data.endpoints.map((endpoint) => (
                <tr key={`${endpoint.identifier}${endpoint.role}`}>
                  <td>{endpoint.identifier}</td>
                  <td>{endpoint.role}</td>
                  <td>{endpoint.url}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>Traffic</h2>
      <ErrorNote error={traffic.error} />
      <div class="card">
        <Details
          rows={[
            ['Last hour', describeTraffic(traffic.data?.last_hour)],
            ['Last day', describeTraffic(traffic.data?.last_day)],
            ['Deliveries waiting', traffic.data?.deliveries.waiting],
            ['Dead letters', traffic.data?.deliveries.dead],
          ]}
        />
      </div>

      <h2>Waiting and dead deliveries</h2>
      <ErrorNote error={deliveries.error} />
      {deliveries.data && (
        <DeliveryTable
          deliveries={[...deliveries.data.dead, ...deliveries.data.waiting]}
          onRetried={deliveries.reload}
          empty="Nothing waits for this party."
        />
      )}

      <h2>Recent messages</h2>
      <ErrorNote error={recent.error} />
      {recent.data && (
        <MessageTable
          messages={recent.data.messages}
          onSelect={(message) =>
            navigate(`/messages${query({ correlation_id: message.correlation_id ?? undefined })}`)
          }
        />
      )}
    </>
  )
}
