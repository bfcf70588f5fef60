import type { ServerResponse } from 'node:http'
// Route schemas carry OpenAPI's `summary` and `tags`: @fastify/swagger declares them on FastifySchema.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { PartyRef } from '../core/party.ts'
import type { PartyDirectory } from '../directory/party-directory.ts'
import type { HubEvents } from '../events/hub-events.ts'
import type { HubContext } from '../hub-context.ts'
import type { CanonicalObject } from '../modules/canonical.ts'
import { AdminError } from './admin-errors.ts'

/** The events a stream carries: the domain events a live page shows (not `partner.exchange`: it carries bodies). */
type StreamedEvents = Pick<
  HubEvents,
  | 'party.connected'
  | 'party.disconnected'
  | 'location.changed'
  | 'tariff.changed'
  | 'token.changed'
  | 'session.updated'
  | 'cdr.received'
  | 'cdr.price_discrepancy'
  | 'delivery.delivered'
  | 'delivery.failed'
  | 'delivery.dead'
  | 'agreement.changed'
  | 'block.changed'
>
type StreamedName = keyof StreamedEvents

function party(ref: PartyRef) {
  return { country_code: ref.country_code, party_id: ref.party_id }
}

function platformOf(directory: PartyDirectory, platformId: string) {
  const platform = directory.platform(platformId)
  return {
    platform_id: platformId,
    name: platform?.name ?? null,
    parties: directory.partiesOf(platformId).map((p) => ({ role: p.role, ...party(p), status: p.status })),
  }
}

/** The EVSEs under a Location write's target (all of them for the Location itself), with their status. */
function evseStatuses(location: CanonicalObject<'Location'> | undefined, targetPath: string) {
  const evseUid = targetPath.split('/')[1]?.toUpperCase()
  return (location?.evses ?? [])
    .filter((evse) => evseUid === undefined || evse.uid.toUpperCase() === evseUid)
    .map((evse) => ({ uid: evse.uid, status: evse.status }))
}

/** Errors are the hub's own sentences about a try, cut short: a partner's long message stays in the queue. */
const ERROR_LENGTH = 300

/**
 * What a stream shows of each event: ids, parties, module, status and counts, as plain JSON. Never a
 * token (a Token's uid included), never a body: a live page that wants more reads the admin API.
 */
const VIEWS: {
  [Name in StreamedName]: (event: StreamedEvents[Name], directory: PartyDirectory) => object
} = {
  'party.connected': (event, directory) => ({
    ...platformOf(directory, event.platformId),
    reason: event.reason,
  }),
  'party.disconnected': (event, directory) => ({
    ...platformOf(directory, event.platformId),
    status: event.status,
    reason: event.reason,
  }),
  'location.changed': (event) => ({
    owner: party(event.owner),
    location_id: event.objectId,
    target: event.targetPath,
    method: event.method,
    evses: evseStatuses(event.object, event.targetPath),
    receivers: event.receivers,
    correlation_id: event.correlationId,
  }),
  'tariff.changed': (event) => ({
    owner: party(event.owner),
    tariff_id: event.objectId,
    method: event.method,
    receivers: event.receivers,
    correlation_id: event.correlationId,
  }),
  'token.changed': (event) => ({
    owner: party(event.owner),
    method: event.method,
    receivers: event.receivers,
    correlation_id: event.correlationId,
  }),
  'session.updated': (event) => ({
    owner: party(event.owner),
    receiver: party(event.receiver),
    session_id: event.sessionId,
    method: event.method,
    status: event.session.status ?? null,
    correlation_id: event.correlationId,
  }),
  'cdr.received': (event) => ({
    cpo: party(event.cpo),
    emsp: party(event.emsp),
    cdr_id: event.cdr.id,
    correlation_id: event.correlationId,
  }),
  'cdr.price_discrepancy': (event) => ({
    cpo: party(event.cpo),
    emsp: party(event.emsp),
    cdr_id: event.cdrId,
    correlation_id: event.correlationId,
  }),
  'delivery.delivered': (event) => deliveryView(event),
  'delivery.failed': (event) => ({
    ...deliveryView(event),
    error: event.error.slice(0, ERROR_LENGTH),
    retry_at: event.retryAt?.toISOString() ?? null,
  }),
  'delivery.dead': (event) => ({ ...deliveryView(event), error: event.error.slice(0, ERROR_LENGTH) }),
  'agreement.changed': (event) => ({
    agreement_id: event.agreementId,
    cpo: party(event.cpo),
    emsp: party(event.emsp),
    state: event.state,
    bound: event.bound ?? null,
    caught_up: event.caughtUp,
    withdrawn: event.withdrawn,
    correlation_id: event.correlationId,
  }),
  'block.changed': (event) => ({
    blocker: party(event.blocker),
    blocked: party(event.blocked),
    change: event.change,
    caught_up: event.caughtUp,
    withdrawn: event.withdrawn,
    correlation_id: event.correlationId,
  }),
}

function deliveryView(event: HubEvents['delivery.delivered']) {
  return {
    delivery_id: event.deliveryId,
    receiver_platform_id: event.receiverPlatformId,
    to: party(event.to),
    module: event.module,
    attempts: event.attempts,
    correlation_id: event.correlationId,
  }
}

const STREAMED_EVENTS = Object.keys(VIEWS) as StreamedName[]

function isStreamed(name: string): name is StreamedName {
  return Object.hasOwn(VIEWS, name)
}

const EventsQuery = Type.Object(
  {
    /** Comma-separated event names; absent: every event a stream carries. */
    types: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  },
  { additionalProperties: false },
)

function requestedEvents(types: string | undefined): StreamedName[] {
  if (types === undefined) return STREAMED_EVENTS
  const names = [...new Set(types.split(',').map((name) => name.trim()))]
  const unknown = names.filter((name) => !isStreamed(name))
  if (unknown.length > 0) {
    throw new AdminError(
      'ADMIN_INVALID_REQUEST',
      `types: unknown event ${unknown.map((name) => JSON.stringify(name)).join(', ')} (known: ${STREAMED_EVENTS.join(', ')})`,
    )
  }
  return names.filter(isStreamed)
}

/** A client this far behind (bytes waiting in its socket) is cut off; its browser reconnects. */
const MAX_BUFFERED_BYTES = 1024 * 1024

/**
 * GET /admin/events: the hub's domain events as a server-sent event stream, for the console's live pages.
 * Written on the raw response (no SSE helper is installed, and the format is two lines per event): one
 * `event:`/`data:` pair per event, a comment line as heartbeat, every stream ended when the hub closes.
 */
export async function eventsRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const { max, heartbeatMs } = context.config.eventStreams
  const open = new Set<ServerResponse>()

  // Before the server closes: an open stream would otherwise hold the hub's close until its client left.
  app.addHook('preClose', (done) => {
    for (const response of open) response.end()
    done()
  })

  routes.get(
    '/events',
    {
      schema: {
        summary: "Stream this hub process's domain events (server-sent events)",
        tags: ['Admin · console'],
        querystring: EventsQuery,
      },
    },
    async (request, reply) => {
      const names = requestedEvents(request.query.types)
      if (open.size >= max) {
        throw new AdminError(
          'ADMIN_UNAVAILABLE',
          `${open.size} event streams are open, the most this hub process keeps (ADMIN_EVENT_STREAMS_MAX): close one or try again later`,
        )
      }
      const response = reply.raw
      reply.hijack()
      // Headers the hooks set on the reply (hijacked, it sends nothing itself) go out with the stream's.
      for (const [name, value] of Object.entries(reply.getHeaders()))
        if (value !== undefined) response.setHeader(name, value)
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        // A proxy (nginx) must pass each event on at once, not buffer the stream.
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
        'x-correlation-id': request.correlationId,
      })
      open.add(response)
      const write = (text: string) => {
        if (response.writableLength > MAX_BUFFERED_BYTES) {
          request.log.warn({ bufferedBytes: response.writableLength }, 'event stream client too slow; closed')
          response.end()
          return
        }
        response.write(text)
      }
      const unsubscribe = names.map((name) =>
        context.events.on(name, (event: StreamedEvents[typeof name]) => {
          // `name` is one of a union: TypeScript cannot pair VIEWS[name] with its own payload type.
          const view = (VIEWS[name] as (e: typeof event, d: PartyDirectory) => object)(
            event,
            context.directory,
          )
          write(`event: ${name}\ndata: ${JSON.stringify(view)}\n\n`)
        }),
      )
      const heartbeat = setInterval(() => write(': heartbeat\n\n'), heartbeatMs)
      heartbeat.unref()
      response.once('close', () => {
        clearInterval(heartbeat)
        for (const stop of unsubscribe) stop()
        open.delete(response)
        request.log.info({ events: names.length, open: open.size }, 'event stream closed')
      })
      request.log.info({ events: names, open: open.size }, 'event stream opened')
      // The headers and a first line at once: the client knows the stream is open before any event.
      response.write(': stream open\n\n')
    },
  )
}
