import { useState } from 'preact/hooks'
import {
  CopyableValue,
  ErrorNote,
  formatTime,
  RowAction,
  StatusBadge,
  useAction,
  useLoad,
} from '../../shared/components.tsx'
import { useHubEvents } from '../../shared/events.ts'
import { useConsole } from '../console-context.ts'
import type { ReceiverSummary, Webhook, WebhookList } from '../hub-types.ts'
import { DELIVERY_EVENTS } from './deliveries.tsx'

/** A subscription as the API shows it once, when it is made or its secret replaced. */
type WebhookWithSecret = Webhook & { readonly secret: string }

export function WebhooksPage() {
  const { api, canChange } = useConsole()
  const list = useLoad(() => api.get<WebhookList>('/webhooks'), 'webhooks')
  const queue = useLoad(() => api.get<{ receivers: ReceiverSummary[] }>('/deliveries/summary'), 'queue')
  // Every try of a webhook is a delivery: the waiting and dead counts follow the stream.
  useHubEvents(DELIVERY_EVENTS, queue.reload)
  const reload = () => {
    list.reload()
    queue.reload()
  }
  const [shown, setShown] = useState<WebhookWithSecret | undefined>(undefined)
  const [outcome, setOutcome] = useState('')
  const change = useAction(async (what: () => Promise<string>) => {
    setOutcome(await what())
    reload()
  })
  const queueOf = (id: string) =>
    queue.data?.receivers.find((receiver) => receiver.receiver_platform_id === id)

  return (
    <>
      <h1>Webhooks</h1>
      <p class="muted">
        Systems that do not speak OCPI get the hub's events as signed HTTP POSTs. Each event goes through the
        delivery queue: retried when the receiver fails, kept as dead when it gives up.
      </p>
      {canChange && list.data && (
        <NewWebhook
          eventTypes={list.data.event_types}
          onCreated={(created) => {
            setShown(created)
            reload()
          }}
        />
      )}
      {shown && <ShownSecret webhook={shown} onDone={() => setShown(undefined)} />}

      <h2>Subscriptions</h2>
      <ErrorNote error={list.error ?? queue.error ?? change.error} />
      {outcome && <p role="status">{outcome}</p>}
      {list.data?.webhooks.length === 0 && <p class="muted">No URL is subscribed yet.</p>}
      {list.data && list.data.webhooks.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">State</th>
                <th scope="col">Waiting</th>
                <th scope="col">Dead</th>
                <th scope="col">Last error</th>
                {canChange && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {list.data.webhooks.map((webhook) => {
                const waiting = queueOf(webhook.id)
                const path = `/webhooks/${encodeURIComponent(webhook.id)}`
                return (
                  <tr key={webhook.id} data-webhook-id={webhook.id}>
                    <td>
                      <code>{webhook.url}</code>
                      {webhook.description && <div class="muted">{webhook.description}</div>}
                    </td>
                    <td>{webhook.events.join(', ')}</td>
                    <td>
                      <StatusBadge status={webhook.enabled ? 'enabled' : 'disabled'} />
                    </td>
                    <td data-testid="waiting">{waiting?.waiting ?? 0}</td>
                    <td data-testid="dead">{waiting?.dead ?? 0}</td>
                    <td>
                      {waiting?.last_error
                        ? `${waiting.last_error} (${formatTime(waiting.last_error_at)})`
                        : '–'}
                    </td>
                    {canChange && (
                      <td class="actions">
                        <RowAction
                          words="Send test event"
                          label={`Send test event to ${webhook.url}`}
                          disabled={change.busy || !webhook.enabled}
                          run={async () => {
                            await api.post(`${path}/ping`)
                            return `A test event is queued for ${webhook.url}.`
                          }}
                          onRun={change.run}
                        />
                        {(waiting?.dead ?? 0) > 0 && (
                          <RowAction
                            words="Retry dead"
                            label={`Retry dead events of ${webhook.url}`}
                            primary
                            disabled={change.busy}
                            run={async () => {
                              await api.post('/deliveries/retry-dead', { receiver_platform_id: webhook.id })
                              return `The dead events for ${webhook.url} are queued again.`
                            }}
                            onRun={change.run}
                          />
                        )}
                        <RowAction
                          words={webhook.enabled ? 'Disable' : 'Enable'}
                          label={`${webhook.enabled ? 'Disable' : 'Enable'} ${webhook.url}`}
                          disabled={change.busy}
                          run={async () => {
                            await api.patch(path, { enabled: !webhook.enabled })
                            return webhook.enabled
                              ? `${webhook.url} gets no new events until you enable it again.`
                              : `${webhook.url} gets events again.`
                          }}
                          onRun={change.run}
                        />
                        <RowAction
                          words="New secret"
                          label={`New secret for ${webhook.url}`}
                          disabled={change.busy}
                          run={async () => {
                            setShown(await api.post<WebhookWithSecret>(`${path}/rotate-secret`))
                            return `${webhook.url} has a new secret: the next events are signed with it.`
                          }}
                          onRun={change.run}
                        />
                        <RowAction
                          words="Delete"
                          label={`Delete the subscription of ${webhook.url}`}
                          danger
                          confirm={`Delete the subscription of ${webhook.url} and its waiting events?`}
                          disabled={change.busy}
                          run={async () => {
                            await api.delete(path)
                            return `The subscription of ${webhook.url} is deleted.`
                          }}
                          onRun={change.run}
                        />
                      </td>
                    )}
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
}

function NewWebhook({
  eventTypes,
  onCreated,
}: {
  eventTypes: readonly string[]
  onCreated: (created: WebhookWithSecret) => void
}) {
  const { api } = useConsole()
  const [url, setUrl] = useState('')
  const [description, setDescription] = useState('')
  const [events, setEvents] = useState<readonly string[]>([])
  const [missingEvents, setMissingEvents] = useState(false)
  const create = useAction(async () => {
    const created = await api.post<WebhookWithSecret>('/webhooks', {
      url,
      events,
      ...(description ? { description } : {}),
    })
    setUrl('')
    setDescription('')
    setEvents([])
    onCreated(created)
  })
  const toggle = (type: string, on: boolean) =>
    setEvents((previous) => (on ? [...previous, type] : previous.filter((one) => one !== type)))
  return (
    <section class="card" aria-labelledby="new-webhook">
      <h2 id="new-webhook">Subscribe a URL</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault()
          // The form keeps what was typed: only the missing choice is pointed out.
          setMissingEvents(events.length === 0)
          if (events.length > 0) void create.run()
        }}
      >
        <div class="filters">
          <label>
            URL
            <input
              type="url"
              required
              maxLength={2000}
              placeholder="https://billing.example.com/hub-events"
              value={url}
              onInput={(event) => setUrl(event.currentTarget.value)}
            />
          </label>
          <label>
            Description
            <input
              maxLength={500}
              value={description}
              onInput={(event) => setDescription(event.currentTarget.value)}
            />
          </label>
        </div>
        <fieldset class="filters">
          <legend>Events</legend>
          {eventTypes.map((type) => (
            <label key={type} class="check">
              <input
                type="checkbox"
                checked={events.includes(type)}
                onChange={(event) => toggle(type, event.currentTarget.checked)}
              />
              {type}
            </label>
          ))}
        </fieldset>
        {missingEvents && (
          <p class="error" role="alert">
            Choose at least one event type.
          </p>
        )}
        <div class="actions">
          <button type="submit" disabled={create.busy}>
            Subscribe
          </button>
        </div>
        <ErrorNote error={create.error} />
      </form>
    </section>
  )
}

/** The signing secret is shown this once: the hub cannot show it again, only replace it. */
function ShownSecret({ webhook, onDone }: { webhook: WebhookWithSecret; onDone: () => void }) {
  return (
    <section class="card notice" aria-labelledby="webhook-secret">
      <h2 id="webhook-secret">Signing secret for {webhook.url}</h2>
      <p>
        The receiver checks each event's signature with this secret (docs/webhooks.md shows how). It is shown
        only now: store it with the receiver.
      </p>
      <CopyableValue value={webhook.secret} label="the signing secret" testId="webhook-secret" />
      <div class="actions">
        <button type="button" class="secondary" onClick={onDone}>
          I have stored it
        </button>
      </div>
    </section>
  )
}
