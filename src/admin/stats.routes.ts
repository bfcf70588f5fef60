import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { countQueued } from '../delivery/outbox.ts'
import type { HubContext } from '../hub-context.ts'
import type { TrafficCounts } from '../message-log/message-log.store.ts'
import type { PartyRow } from '../storage/tables.ts'
import { AdminError } from './admin-errors.ts'
import { PlatformParams } from './admin.schema.ts'
import { DeliveryOutcomeCounter, TrafficHistory, WINDOWS, type WindowName } from './traffic-history.ts'

const StatsQuery = Type.Object(
  { window: Type.Optional(Type.Union([Type.Literal('hour'), Type.Literal('day')])) },
  { additionalProperties: false },
)

const Counts = Type.Record(Type.String(), Type.Integer({ minimum: 0 }))
const Traffic = {
  requests_in: Type.Integer({ minimum: 0 }),
  requests_out: Type.Integer({ minimum: 0 }),
  errors_in: Type.Integer({ minimum: 0 }),
  errors_out: Type.Integer({ minimum: 0 }),
}
const QueueCounts = {
  pending: Type.Integer({ minimum: 0 }),
  failed: Type.Integer({ minimum: 0 }),
  dead: Type.Integer({ minimum: 0 }),
}

/** GET /admin/stats, for the document (docs/admin-api.md, Overview figures). */
const StatsAnswer = Type.Object({
  window: Type.Union([Type.Literal('hour'), Type.Literal('day')]),
  bucket_seconds: Type.Integer(),
  parties: Type.Object({ total: Type.Integer({ minimum: 0 }), by_role: Counts, by_status: Counts }),
  buckets: Type.Array(
    Type.Object({
      start: Type.String({ format: 'date-time' }),
      ...Traffic,
      deliveries_delivered: Type.Integer({ minimum: 0 }),
      deliveries_failed: Type.Integer({ minimum: 0 }),
      deliveries_dead: Type.Integer({ minimum: 0 }),
    }),
  ),
  queue: Type.Object(QueueCounts),
})

/** GET /admin/platforms/{id}/traffic, for the document. */
const PlatformTrafficAnswer = Type.Object({
  platform_id: Type.String(),
  last_hour: Type.Object(Traffic),
  last_day: Type.Object(Traffic),
  deliveries: Type.Object({ waiting: Type.Integer({ minimum: 0 }), ...QueueCounts }),
})

/** Margin after the longest wait of a logged request: its entry's batch is written by then. */
const LOG_WRITE_MARGIN_MS = 5_000

function countBy(parties: readonly PartyRow[], field: 'role' | 'status'): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const party of parties) counts[party[field]] = (counts[party[field]] ?? 0) + 1
  return counts
}

function trafficView(counts: TrafficCounts) {
  return {
    requests_in: counts.requestsIn,
    requests_out: counts.requestsOut,
    errors_in: counts.errorsIn,
    errors_out: counts.errorsOut,
  }
}

function sumTraffic(buckets: readonly { counts: TrafficCounts }[]): TrafficCounts {
  return buckets.reduce(
    (sum, { counts }) => ({
      requestsIn: sum.requestsIn + counts.requestsIn,
      requestsOut: sum.requestsOut + counts.requestsOut,
      errorsIn: sum.errorsIn + counts.errorsIn,
      errorsOut: sum.errorsOut + counts.errorsOut,
    }),
    { requestsIn: 0, requestsOut: 0, errorsIn: 0, errorsOut: 0 },
  )
}

/** The console's figures: the overview page's charts and one party's traffic. */
export async function statsRoutes(app: FastifyInstance, { context }: { context: HubContext }): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const { config } = context
  const traffic = new TrafficHistory(
    context.db,
    Math.max(config.outboundTimeoutMs, config.authorizationTimeoutMs) + LOG_WRITE_MARGIN_MS,
  )
  const deliveries = new DeliveryOutcomeCounter(context.events)
  app.addHook('onClose', async () => deliveries.stop())

  routes.get(
    '/stats',
    {
      schema: {
        summary: 'Overview figures: parties, requests and deliveries over the last hour or day, the queue',
        tags: ['Admin · console'],
        querystring: StatsQuery,
        answer: StatsAnswer,
      },
    },
    async (request) => {
      const windowName: WindowName = request.query.window ?? 'hour'
      const window = WINDOWS[windowName]
      const [buckets, queue] = await Promise.all([traffic.buckets(window), countQueued(context.db)])
      const parties = context.directory.allParties()
      return {
        window: windowName,
        bucket_seconds: window.bucketSeconds,
        parties: {
          total: parties.length,
          by_role: countBy(parties, 'role'),
          by_status: countBy(parties, 'status'),
        },
        buckets: buckets.map(({ start, counts }) => {
          const outcomes = deliveries.inBucket(start, window.bucketSeconds)
          return {
            start: new Date(start).toISOString(),
            ...trafficView(counts),
            deliveries_delivered: outcomes.delivered,
            deliveries_failed: outcomes.failed,
            deliveries_dead: outcomes.dead,
          }
        }),
        queue,
      }
    },
  )

  routes.get(
    '/platforms/:id/traffic',
    {
      schema: {
        summary: "One platform's requests over the last hour and day, and its waiting and dead deliveries",
        tags: ['Admin · platforms'],
        params: PlatformParams,
        answer: PlatformTrafficAnswer,
      },
    },
    async (request) => {
      const { id } = request.params
      await context.directory.catchUp()
      if (!context.directory.platform(id)) throw new AdminError('ADMIN_NOT_FOUND', `no platform ${id}`)
      const [hour, day, queue] = await Promise.all([
        traffic.buckets(WINDOWS.hour, id),
        traffic.buckets(WINDOWS.day, id),
        countQueued(context.db, id),
      ])
      return {
        platform_id: id,
        last_hour: trafficView(sumTraffic(hour)),
        last_day: trafficView(sumTraffic(day)),
        deliveries: { waiting: queue.pending + queue.failed, ...queue },
      }
    },
  )
}
