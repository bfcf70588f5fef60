import { Type, type Static } from '@sinclair/typebox'
import type { FastifyReply } from 'fastify'

/** The most objects one page of a SENDER list holds, whatever `limit` asks. */
export const MAX_PAGE_SIZE = 100

/** A SENDER list's query (transport_and_format "Pagination"): `date_from` inclusive, `date_to` exclusive. */
export const PageQuery = Type.Object({
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1 })),
  date_from: Type.Optional(Type.String({ format: 'date-time' })),
  date_to: Type.Optional(Type.String({ format: 'date-time' })),
})
export type PageQuery = Static<typeof PageQuery>

/**
 * One page of `all` (oldest first) by the query: sets X-Total-Count (after the date filter), X-Limit and,
 * when more follow, a Link to the next page with the same filter.
 */
export function pageOf<T extends { readonly last_updated?: unknown }>(
  all: readonly T[],
  query: PageQuery,
  listUrl: string,
  reply: FastifyReply,
): T[] {
  const from = query.date_from === undefined ? undefined : Date.parse(query.date_from)
  const to = query.date_to === undefined ? undefined : Date.parse(query.date_to)
  const matching = all.filter((item) => {
    const at = Date.parse(String(item.last_updated))
    return (from === undefined || at >= from) && (to === undefined || at < to)
  })
  const offset = query.offset ?? 0
  const limit = Math.min(query.limit ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE)
  const page = matching.slice(offset, offset + limit)
  void reply.header('x-total-count', String(matching.length)).header('x-limit', String(limit))
  if (offset + limit < matching.length) {
    const next = new URLSearchParams({ offset: String(offset + limit), limit: String(limit) })
    if (query.date_from !== undefined) next.set('date_from', query.date_from)
    if (query.date_to !== undefined) next.set('date_to', query.date_to)
    void reply.header('link', `<${listUrl}?${next.toString()}>; rel="next"`)
  }
  return page
}
