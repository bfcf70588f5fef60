import { useState } from 'preact/hooks'
import { ApiError } from '../../shared/api.ts'
import {
  Details,
  ErrorNote,
  formatTime,
  RowAction,
  StatusBadge,
  useAction,
  useLoad,
} from '../../shared/components.tsx'
import { useHubEvents } from '../../shared/events.ts'
import { useConsole } from '../console-context.ts'
import { partyName, rolesText, type OicpBridge, type OicpSyncReport, type Platform } from '../hub-types.ts'
import { PARTY_EVENTS } from './parties.tsx'

/**
 * The hub's ways beyond its own partners: the OICP bridge to Hubject (docs/bridges/oicp.md) and the peer
 * hubs (docs/bridges/peering.md), with what the admin API offers to do with them.
 */
export function BridgesPage() {
  const { api } = useConsole()
  // 404 until the bridge is configured: shown as "not connected", not as an error.
  const bridge = useLoad(
    () =>
      api.get<OicpBridge>('/bridges/oicp').catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 404) return null
        throw error
      }),
    'oicp',
  )
  const peers = useLoad(() => api.get<{ peers: Platform[] }>('/peers'), 'peers')
  // A peer or a virtual CPO of the bridge connecting or leaving is a party event.
  useHubEvents(PARTY_EVENTS, () => {
    bridge.reload()
    peers.reload()
  })
  return (
    <>
      <h1>Bridges and peers</h1>
      <p class="muted">
        Beyond its own partners the hub reaches Hubject's network through its OICP bridge, and other OCPI hubs
        as peers: each is one more partner whose parties stand for everyone behind it.
      </p>
      <h2>OICP bridge to Hubject</h2>
      <ErrorNote error={bridge.error} />
      {bridge.data === null && (
        <p class="muted">
          The OICP bridge is not connected. An admin connects it through the admin API (PUT
          /admin/bridges/oicp, see docs/bridges/oicp.md).
        </p>
      )}
      {bridge.data && <OicpBridgeView bridge={bridge.data} onChanged={bridge.reload} />}
      <h2>Peer hubs</h2>
      <ErrorNote error={peers.error} />
      {peers.data && <PeerHubs peers={peers.data.peers} onChanged={peers.reload} />}
    </>
  )
}

function OicpBridgeView({ bridge, onChanged }: { bridge: OicpBridge; onChanged: () => void }) {
  const { api, canChange } = useConsole()
  const [outcome, setOutcome] = useState('')
  const change = useAction(async (what: () => Promise<string>) => {
    setOutcome(await what())
    onChanged()
  })
  const { settings, health } = bridge
  const sync = async (fullPush: boolean) => {
    const report = await api.post<OicpSyncReport>('/bridges/oicp/sync', { full_push: fullPush })
    const { pulled, pushed } = report
    const pushedWords = pushed ? ` Pushed to HBS: ${pushed.sent}; refused: ${pushed.refused}.` : ''
    return `Pulled ${pulled.evses} EVSE data records (${pulled.mode} pull) and ${pulled.statuses} statuses; Locations published: ${pulled.locations}; Tariffs published: ${pulled.tariffs}; refused: ${pulled.refused}.${pushedWords}`
  }
  const switchTo = async (enabled: boolean) => {
    await api.request('PUT', '/bridges/oicp', { ...settings, enabled })
    return enabled
      ? 'The OICP bridge is on.'
      : 'The OICP bridge is off: nothing goes to HBS, what is queued waits.'
  }
  return (
    <>
      <Details
        rows={[
          ['State', <StatusBadge key="state" status={bridge.status} />],
          ['HBS', <code key="hbs">{bridge.base_url}</code>],
          ['Operator', settings ? `${settings.operator_id} (${settings.operator_name})` : '–'],
          ['Provider', settings?.provider_id ?? '–'],
          [
            'Represented CPOs',
            settings && settings.represented_cpos.length > 0
              ? settings.represented_cpos.map(partyName).join(', ')
              : 'none',
          ],
          [
            'Virtual CPOs (OICP operators)',
            bridge.virtual_cpos.length > 0 ? bridge.virtual_cpos.map(partyName).join(', ') : 'none yet',
          ],
          [
            'OICP operators connected directly (not published again)',
            bridge.merged_operators.length > 0
              ? bridge.merged_operators
                  .map((operator) => `${operator.operator_id} as CPO ${partyName(operator)}`)
                  .join(', ')
              : 'none',
          ],
          ['Last sync', formatTime(health.last_sync_at)],
          ['Last pull', formatTime(health.last_pull_at)],
          ['Last sync error', health.last_sync_error ?? 'none'],
          ['Waiting for HBS', String(health.queued_to_hbs)],
          ['Dead (HBS)', String(health.dead_to_hbs)],
        ]}
      />
      <ErrorNote error={change.error} />
      {outcome && <p role="status">{outcome}</p>}
      {canChange && settings && (
        <div class="actions">
          <RowAction
            words="Sync now"
            label="Sync now: pull EVSE data and status from HBS"
            primary
            disabled={change.busy || !settings.enabled}
            run={() => sync(false)}
            onRun={change.run}
          />
          <RowAction
            words="Sync and push all EVSEs"
            label="Sync and push all EVSEs of the represented CPOs to HBS"
            disabled={change.busy || !settings.enabled}
            run={() => sync(true)}
            onRun={change.run}
          />
          <RowAction
            words={settings.enabled ? 'Turn off' : 'Turn on'}
            label={settings.enabled ? 'Turn off the OICP bridge' : 'Turn on the OICP bridge'}
            danger={settings.enabled}
            confirm={
              settings.enabled
                ? 'Turn the OICP bridge off? Nothing goes to HBS until it is on again.'
                : undefined
            }
            disabled={change.busy}
            run={() => switchTo(!settings.enabled)}
            onRun={change.run}
          />
        </div>
      )}
      <h3>Refused EVSEs and objects</h3>
      {bridge.refusals.length === 0 && <p class="muted">Nothing was refused.</p>}
      {bridge.refusals.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Party</th>
                <th scope="col">Object</th>
                <th scope="col">Reason</th>
                <th scope="col">Refused</th>
              </tr>
            </thead>
            <tbody>
              {bridge.refusals.map((refusal) => (
                <tr key={`${refusal.refused_at} ${refusal.id}`} data-refused-id={refusal.id}>
                  <td>{partyName(refusal.party)}</td>
                  <td>
                    {refusal.kind} <code>{refusal.id}</code>
                  </td>
                  <td>
                    {refusal.reason}
                    {refusal.correlation_id && <div class="muted">correlation {refusal.correlation_id}</div>}
                  </td>
                  <td>{formatTime(refusal.refused_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
}

function PeerHubs({ peers, onChanged }: { peers: readonly Platform[]; onChanged: () => void }) {
  const { api, canChange } = useConsole()
  const [outcome, setOutcome] = useState('')
  const change = useAction(async (what: () => Promise<string>) => {
    setOutcome(await what())
    onChanged()
  })
  if (peers.length === 0)
    return (
      <p class="muted">
        No peer hub yet. An admin peers with another OCPI hub through the admin API (POST /admin/peers, see
        docs/bridges/peering.md).
      </p>
    )
  return (
    <>
      <ErrorNote error={change.error} />
      {outcome && <p role="status">{outcome}</p>}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Peer hub</th>
              <th scope="col">Status</th>
              <th scope="col">OCPI</th>
              <th scope="col">Its parties</th>
              <th scope="col">Last seen</th>
              {canChange && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {peers.map((peer) => (
              <tr key={peer.id} data-peer-id={peer.id}>
                <td>
                  {peer.name}
                  <div class="muted">{peer.versions_url ?? 'invited, not registered yet'}</div>
                </td>
                <td>
                  <StatusBadge status={peer.status} />
                </td>
                <td>{peer.version ?? '–'}</td>
                <td>{peer.roles.length > 0 ? rolesText(peer.roles) : 'none'}</td>
                <td>{formatTime(peer.last_seen_at)}</td>
                {canChange && (
                  <td>
                    <div class="actions">
                      <RowAction
                        words="End peering"
                        label={`End peering with ${peer.name}`}
                        danger
                        confirm={`End peering with ${peer.name}? Its parties become unreachable from here.`}
                        disabled={change.busy}
                        run={async () => {
                          await api.delete(`/peers/${encodeURIComponent(peer.id)}`)
                          return `The peering with ${peer.name} has ended.`
                        }}
                        onRun={change.run}
                      />
                    </div>
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
