import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { encodeListCursor } from '../core/list-cursor.ts'
import { partyFromText } from '../core/party.ts'
import type { HubContext } from '../hub-context.ts'
import {
  listDeliveries,
  retryDeadOf,
  retryNow,
  summarizeQueueByReceiver,
  type ReceiverQueue,
} from '../delivery/outbox.ts'
import type { DeliveryRow } from '../storage/tables.ts'
import type { WebhookSubscriptions } from '../webhooks/webhook-subscriptions.ts'
import { logAdminChange } from './admin-auth.ts'
import { AdminError } from './admin-errors.ts'
import { linkNextPage, readAdminCursor } from './list-pages.ts'

const DeliveriesQuery = Type.Object({
  state: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('failed'), Type.Literal('dead')])),
  /** A receiver: a platform id, or a party as `NL-ABC` / `NL*ABC`. */
  party: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
  /** `next_cursor` of the previous page. */
  cursor: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,40}$' })),
})
const DeliveryParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,18}$' }) })
const RetryDeadRequest = Type.Object(
  { receiver_platform_id: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
)

/** What an operator sees of a queued message. */
function deliveryView(row: DeliveryRow) {
  return {
    id: row.id,
    state: row.state,
    receiver_platform_id: row.receiver_platform_id,
    /** A webhook delivery: the subscription it goes to (docs/webhooks.md); null for a partner's message. */
    webhook_id: row.webhook_id,
    to: { country_code: row.to_country_code, party_id: row.to_party_id },
    from: { country_code: row.from_country_code, party_id: row.from_party_id },
    module: row.module,
    method: row.method,
    path: row.path,
    correlation_id: row.correlation_id,
    attempts: row.attempts,
    next_attempt_at: row.next_attempt_at,
    last_error: row.last_error,
    last_http_status: row.last_http_status,
    created_at: row.created_at,
    updated_at: row.updated_at,
  }
}

function receiverView(context: HubContext, subscriptions: WebhookSubscriptions, queue: ReceiverQueue) {
  const webhook = subscriptions.get(queue.receiverPlatformId)
  return {
    receiver_platform_id: queue.receiverPlatformId,
    /** A partner platform, or a webhook subscription (its deliveries share the queue: docs/webhooks.md). */
    kind: webhook ? 'webhook' : 'partner',
    name: webhook
      ? `Webhook ${webhook.url}`
      : (context.directory.platform(queue.receiverPlatformId)?.name ?? null),
    waiting: queue.pending + queue.failed,
    pending: queue.pending,
    failed: queue.failed,
    dead: queue.dead,
    oldest_waiting_at: queue.oldestWaitingAt,
    last_error: queue.lastError?.error ?? null,
    last_error_at: queue.lastError?.at ?? null,
  }
}

/** The outbound queue for operators: what waits, what failed, what was parked, and a manual retry. */
export async function deliveriesRoutes(
  app: FastifyInstance,
  { context, subscriptions }: { context: HubContext; subscriptions: WebhookSubscriptions },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const DELIVERIES = ['Admin · deliveries']

  const listSchema = {
    summary: 'Waiting, failed and dead deliveries',
    tags: DELIVERIES,
    querystring: DeliveriesQuery,
  }
  routes.get('/deliveries', { schema: listSchema }, async (request, reply) => {
    const { state, party, limit, cursor } = request.query
    const partyRef = partyFromText(party)
    const page = await listDeliveries(context.db, {
      state,
      platformId: party && !partyRef ? party : undefined,
      party: partyRef,
      afterId: cursor === undefined ? undefined : readAdminCursor(cursor, ['number'])[0],
      limit: Math.max(1, Math.min(Number(limit ?? 100), 1000)),
    })
    const last = page.deliveries.at(-1)
    const nextCursor = page.more && last ? encodeListCursor([last.id]) : null
    if (nextCursor) linkNextPage(reply, '/admin/deliveries', request.query, nextCursor)
    return { deliveries: page.deliveries.map(deliveryView), next_cursor: nextCursor }
  })

  routes.get(
    '/deliveries/summary',
    {
      schema: {
        summary: 'The queue per receiver: waiting and dead messages, the oldest waiting, the last error',
        tags: DELIVERIES,
      },
    },
    async () => {
      const [receivers] = await Promise.all([summarizeQueueByReceiver(context.db), subscriptions.reload()])
      return { receivers: receivers.map((queue) => receiverView(context, subscriptions, queue)) }
    },
  )

  routes.post(
    '/deliveries/retry-dead',
    {
      schema: {
        summary:
          'Puts every dead message of a receiver (a platform or a webhook subscription) back in line, in its order',
        tags: DELIVERIES,
        body: RetryDeadRequest,
      },
    },
    async (request, reply) => {
      const receiver = request.body.receiver_platform_id
      await Promise.all([context.directory.catchUp(), subscriptions.reload()])
      if (!context.directory.platform(receiver) && !subscriptions.get(receiver))
        throw new AdminError('ADMIN_NOT_FOUND', `no platform or webhook subscription ${receiver}`)
      const retried = await retryDeadOf(context.db, receiver)
      if (retried > 0) context.delivery.wake()
      logAdminChange(request, 'retry-dead', { platformId: receiver, retried })
      return reply.code(202).send({ retried })
    },
  )

  const retrySchema = {
    summary: 'Send a waiting or dead delivery again now',
    tags: DELIVERIES,
    params: DeliveryParams,
  }
  routes.post('/deliveries/:id/retry', { schema: retrySchema }, async (request, reply) => {
    const id = Number(request.params.id)
    if (!(await retryNow(context.db, id))) throw new AdminError('ADMIN_NOT_FOUND', `no queued delivery ${id}`)
    context.delivery.wake()
    logAdminChange(request, 'retry-delivery', { deliveryId: id })
    return reply.code(202).send({ id, state: 'failed', next_attempt_at: new Date().toISOString() })
  })
}
