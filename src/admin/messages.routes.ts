import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type, type TSchema } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { hasCalendarDate } from '../core/date-time.ts'
import { partyFromText } from '../core/party.ts'
import type { HubContext } from '../hub-context.ts'
import { listMessages, type MessageCursor, type MessageLogListRow } from '../message-log/message-log.store.ts'
import { encodeListCursor } from '../core/list-cursor.ts'
import { linkNextPage, readAdminCursor } from './list-pages.ts'
import { AdminError } from './admin-errors.ts'

export const RFC_3339 =
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})$'

const MessagesQuery = Type.Object({
  correlation_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  /** A party as `NL-ABC` / `NL*ABC` (from or to), or a platform id. */
  party: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  module: Type.Optional(Type.String({ pattern: '^[A-Za-z]{1,32}$' })),
  since: Type.Optional(Type.String({ pattern: RFC_3339 })),
  until: Type.Optional(Type.String({ pattern: RFC_3339 })),
  order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  bodies: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
  /** `ok`, `error`, or an HTTP status code. */
  status: Type.Optional(Type.String({ pattern: '^(ok|error|[1-5][0-9]{2})$' })),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
  cursor: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,200}$' })),
})

export function instant(name: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined
  const time = Date.parse(value)
  // Date.parse moves `2026-02-31` on to March and takes year 0000, which PostgreSQL refuses: no 500 for that.
  if (Number.isNaN(time) || !hasCalendarDate(value))
    throw new AdminError('ADMIN_INVALID_REQUEST', `${name}: not a valid RFC 3339 date-time`)
  return new Date(time)
}

function partyView(country_code: string | null, party_id: string | null) {
  return country_code && party_id ? { country_code, party_id } : null
}

/** The list's cursor: the order it was handed out in, and the last entry's time, direction and id. */
function messageCursor(text: string, order: 'asc' | 'desc'): MessageCursor {
  const [givenOrder, loggedAtMs, direction, id] = readAdminCursor(text, [
    'string',
    'number',
    'string',
    'number',
  ])
  if (direction !== 'in' && direction !== 'out')
    throw new AdminError('ADMIN_INVALID_REQUEST', 'cursor: not a cursor this list handed out')
  if (givenOrder !== order)
    throw new AdminError('ADMIN_INVALID_REQUEST', `cursor: handed out for order=${givenOrder}, not ${order}`)
  return { loggedAt: new Date(loggedAtMs), direction, id }
}

function statusFilter(status: string | undefined): 'ok' | 'error' | number | undefined {
  return status === undefined || status === 'ok' || status === 'error' ? status : Number(status)
}

const OrNull = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
const LoggedParty = OrNull(Type.Object({ country_code: Type.String(), party_id: Type.String() }))

/** GET /admin/messages, for the document. */
const MessagesAnswer = Type.Object({
  messages: Type.Array(
    Type.Object({
      id: Type.Integer(),
      time: Type.String({ format: 'date-time', description: 'When the request started' }),
      direction: Type.Union([Type.Literal('in'), Type.Literal('out')]),
      platform_id: OrNull(Type.String()),
      peer_hub: Type.Boolean({
        description: 'The platform is a peer hub: the request came from, or went on to, another hub',
      }),
      from: LoggedParty,
      to: LoggedParty,
      module: OrNull(Type.String()),
      method: Type.String(),
      path: Type.String({ description: "In: the hub's path with the query. Out: the partner's URL" }),
      http_status: OrNull(Type.Integer()),
      ocpi_status: OrNull(Type.Integer()),
      latency_ms: Type.Number(),
      request_id: OrNull(Type.String()),
      correlation_id: OrNull(Type.String()),
      error: OrNull(Type.String({ description: 'Out: why no answer came back' })),
      note: OrNull(Type.String({ description: 'Out: what the hub changed on the way' })),
      request_body: Type.Optional(OrNull(Type.String({ description: 'Absent with `bodies=false`' }))),
      request_body_truncated: Type.Boolean(),
      response_body: Type.Optional(OrNull(Type.String({ description: 'Absent with `bodies=false`' }))),
      response_body_truncated: Type.Boolean(),
    }),
  ),
  next_cursor: OrNull(Type.String({ description: 'The next page: pass it as `cursor`' })),
})

/** What an operator sees of one logged request; `peerHub` tells a hop between hubs (docs/bridges/peering.md). */
function messageView(row: MessageLogListRow, peerHub: boolean) {
  return {
    id: row.id,
    time: row.logged_at,
    direction: row.direction,
    platform_id: row.platform_id,
    peer_hub: peerHub,
    from: partyView(row.from_country_code, row.from_party_id),
    to: partyView(row.to_country_code, row.to_party_id),
    module: row.module,
    method: row.method,
    path: row.path,
    http_status: row.http_status,
    ocpi_status: row.ocpi_status,
    latency_ms: row.latency_ms,
    request_id: row.request_id,
    correlation_id: row.correlation_id,
    error: row.error,
    note: row.note,
    ...('request_body' in row ? { request_body: row.request_body } : {}),
    request_body_truncated: row.request_body_truncated,
    ...('response_body' in row ? { response_body: row.response_body } : {}),
    response_body_truncated: row.response_body_truncated,
  }
}

/** The message log for operators: every OCPI request in and out, filtered, with its bodies. */
export async function messagesRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()

  routes.get(
    '/messages',
    {
      schema: {
        summary: 'The message log: OCPI requests in and out, filtered, a page at a time',
        tags: ['Admin · messages'],
        querystring: MessagesQuery,
        answer: MessagesAnswer,
      },
    },
    async (request, reply) => {
      const query = request.query
      const since = instant('since', query.since)
      const until = instant('until', query.until)
      const party = partyFromText(query.party)
      // One correlation id is a story: read it from the start. Everything else: the newest first.
      const order = query.order ?? (query.correlation_id ? 'asc' : 'desc')
      const limit = Math.max(1, Math.min(Number(query.limit ?? 100), 1000))
      const rows = await listMessages(context.db, {
        correlationId: query.correlation_id,
        party,
        platformId: query.party && !party ? query.party : undefined,
        module: query.module?.toLowerCase(),
        since,
        until,
        status: statusFilter(query.status),
        order,
        after: query.cursor ? messageCursor(query.cursor, order) : undefined,
        // One more than asked: whether there is a next page.
        limit: limit + 1,
        withBodies: query.bodies !== 'false',
      })
      const page = rows.slice(0, limit)
      const last = page.at(-1)!
      const nextCursor =
        rows.length > limit
          ? encodeListCursor([order, last.logged_at.getTime(), last.direction, last.id])
          : null
      if (nextCursor) linkNextPage(reply, '/admin/messages', query, nextCursor)
      const isPeerHub = (row: MessageLogListRow) =>
        row.platform_id !== null && context.directory.platform(row.platform_id)?.peer_hub === true
      return { messages: page.map((row) => messageView(row, isPeerHub(row))), next_cursor: nextCursor }
    },
  )
}
