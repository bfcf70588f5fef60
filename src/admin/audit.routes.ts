import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { HubContext } from '../hub-context.ts'
import type { AuditLogRow } from '../storage/tables.ts'
import { encodeListCursor } from '../core/list-cursor.ts'
import { readAdminCursor } from './list-pages.ts'
import { listAuditEntries } from './audit.store.ts'
import { instant, RFC_3339 } from './messages.routes.ts'

const AuditQuery = Type.Object(
  {
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    since: Type.Optional(Type.String({ pattern: RFC_3339 })),
    until: Type.Optional(Type.String({ pattern: RFC_3339 })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
    cursor: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,40}$' })),
  },
  { additionalProperties: false },
)

/** GET /admin/audit, for the document. */
const AuditAnswer = Type.Object({
  entries: Type.Array(
    Type.Object({
      id: Type.Integer(),
      at: Type.String({ format: 'date-time' }),
      actor: Type.String({ description: '`operator:<email>`, `admin-token:<hash prefix>` or `anonymous`' }),
      action: Type.String(),
      target: Type.Union([Type.String(), Type.Null()], { description: '`<kind>:<id>`' }),
      details: Type.Record(Type.String(), Type.Unknown()),
      remote_address: Type.Union([Type.String(), Type.Null()]),
      request_id: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  next_cursor: Type.Union([Type.String(), Type.Null()], {
    description: 'The next page: pass it as `cursor`',
  }),
})

function auditView(row: AuditLogRow) {
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target,
    details: row.details,
    remote_address: row.remote_address,
    request_id: row.request_id,
  }
}

/** The audit log for operators: every change through the admin API and every sign-in, newest first. */
export async function auditRoutes(app: FastifyInstance, { context }: { context: HubContext }): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()

  routes.get(
    '/audit',
    {
      schema: {
        summary: 'The audit log: every change and sign-in, newest first',
        tags: ['Admin · audit'],
        querystring: AuditQuery,
        answer: AuditAnswer,
      },
    },
    async (request) => {
      const query = request.query
      const page = await listAuditEntries(context.db, {
        actor: query.actor,
        action: query.action,
        since: instant('since', query.since),
        until: instant('until', query.until),
        beforeId: query.cursor === undefined ? undefined : readAdminCursor(query.cursor, ['number'])[0],
        limit: Math.max(1, Math.min(Number(query.limit ?? 100), 1000)),
      })
      const last = page.entries.at(-1)
      return {
        entries: page.entries.map(auditView),
        next_cursor: page.more && last ? encodeListCursor([last.id]) : null,
      }
    },
  )
}
