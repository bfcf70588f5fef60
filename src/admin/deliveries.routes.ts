import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { HubContext } from '../hub-context.ts'
import {
  listDeliveries,
  retryDeadOf,
  retryNow,
  summarizeQueueByReceiver,
  type ReceiverQueue,
} from '../delivery/outbox.ts'
import type { DeliveryRow } from '../storage/tables.ts'
import { logAdminChange } from './admin-auth.ts'
import { AdminError } from './admin-errors.ts'

const DeliveriesQuery = Type.Object({
  state: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('failed'), Type.Literal('dead')])),
  /** A receiver: a platform id, or a party as `NL-ABC` / `NL*ABC`. */
  party: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
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

function receiverView(context: HubContext, queue: ReceiverQueue) {
  return {
    receiver_platform_id: queue.receiverPlatformId,
    name: context.directory.platform(queue.receiverPlatformId)?.name ?? null,
    waiting: queue.pending + queue.failed,
    pending: queue.pending,
    failed: queue.failed,
    dead: queue.dead,
    oldest_waiting_at: queue.oldestWaitingAt,
    last_error: queue.lastError?.error ?? null,
    last_error_at: queue.lastError?.at ?? null,
  }
}

const PARTY = /^([A-Za-z]{2})[-*]([A-Za-z0-9]{3})$/

/** The outbound queue for operators: what waits, what failed, what was parked, and a manual retry. */
export async function deliveriesRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()

  routes.get('/deliveries', { schema: { querystring: DeliveriesQuery } }, async (request) => {
    const { state, party, limit } = request.query
    const partyMatch = party ? PARTY.exec(party) : null
    const rows = await listDeliveries(context.db, {
      state,
      platformId: party && !partyMatch ? party : undefined,
      party: partyMatch
        ? { country_code: partyMatch[1]!.toUpperCase(), party_id: partyMatch[2]!.toUpperCase() }
        : undefined,
      limit: Math.min(Number(limit ?? 100), 1000),
    })
    return { deliveries: rows.map(deliveryView) }
  })

  routes.get(
    '/deliveries/summary',
    {
      schema: {
        summary: 'The queue per receiver: waiting and dead messages, the oldest waiting, the last error',
        tags: ['Admin · console'],
      },
    },
    async () => {
      const receivers = await summarizeQueueByReceiver(context.db)
      return { receivers: receivers.map((queue) => receiverView(context, queue)) }
    },
  )

  routes.post(
    '/deliveries/retry-dead',
    {
      schema: {
        summary: 'Puts every dead message of a receiver back in line, in its order',
        tags: ['Admin · console'],
        body: RetryDeadRequest,
      },
    },
    async (request, reply) => {
      const receiver = request.body.receiver_platform_id
      await context.directory.catchUp()
      if (!context.directory.platform(receiver))
        throw new AdminError('ADMIN_NOT_FOUND', `no platform ${receiver}`)
      const retried = await retryDeadOf(context.db, receiver)
      if (retried > 0) context.delivery.wake()
      logAdminChange(request, 'retry-dead', { platformId: receiver, retried })
      return reply.code(202).send({ retried })
    },
  )

  routes.post('/deliveries/:id/retry', { schema: { params: DeliveryParams } }, async (request, reply) => {
    const id = Number(request.params.id)
    if (!(await retryNow(context.db, id))) throw new AdminError('ADMIN_NOT_FOUND', `no queued delivery ${id}`)
    context.delivery.wake()
    logAdminChange(request, 'retry-delivery', { deliveryId: id })
    return reply.code(202).send({ id, state: 'failed', next_attempt_at: new Date().toISOString() })
  })
}
