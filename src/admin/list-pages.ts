import type { FastifyReply } from 'fastify'
import { decodeListCursor } from '../core/list-cursor.ts'
import { AdminError } from './admin-errors.ts'

type CursorPart<Kind> = Kind extends 'number' ? number : string
type CursorKey<Kinds extends readonly ('string' | 'number')[]> = { [I in keyof Kinds]: CursorPart<Kinds[I]> }

/**
 * The key of an admin list's `cursor`, when it is one that list could have handed out: as many values
 * as `kinds`, each of its kind (strings of printable length without U+0000, which PostgreSQL refuses;
 * numbers whole and not negative). Anything else is `400 ADMIN_INVALID_REQUEST`, never a query.
 */
export function readAdminCursor<const Kinds extends readonly ('string' | 'number')[]>(
  text: string,
  kinds: Kinds,
): CursorKey<Kinds> {
  const key = decodeListCursor(text)
  const fits = (value: unknown, kind: 'string' | 'number') =>
    kind === 'number'
      ? Number.isSafeInteger(value) && (value as number) >= 0
      : typeof value === 'string' && value.length <= 200 && !value.includes('\u0000')
  if (!key || key.length !== kinds.length || !key.every((value, index) => fits(value, kinds[index]!)))
    throw new AdminError('ADMIN_INVALID_REQUEST', 'cursor: not a cursor this list handed out')
  return key as CursorKey<Kinds>
}

/** The `Link: <…>; rel="next"` header of a list page: the same query, the next cursor. */
export function linkNextPage(
  reply: FastifyReply,
  path: string,
  query: Readonly<Record<string, string | undefined>>,
  cursor: string,
): void {
  const defined = Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined)
  const next = new URLSearchParams([...defined.filter(([name]) => name !== 'cursor'), ['cursor', cursor]])
  void reply.header('link', `<${path}?${next.toString()}>; rel="next"`)
}
