import { hasCalendarDate, isOcpiDateTime, utcInstant } from '../core/date-time.ts'
import { OcpiError } from '../core/errors.ts'
import { decodeListCursor, encodeListCursor } from '../core/list-cursor.ts'
import type { PageCursor } from '../storage/owned-objects.store.ts'

/** Query parameters of a paginated GET (transport_and_format: pagination), read and checked. */
export interface PageRequest {
  readonly offset: number
  readonly limit: number
  readonly dateFrom: string | undefined
  readonly dateTo: string | undefined
  /** The hub's own cursor, present in the `Link` URLs it hands out. */
  readonly after: PageCursor | undefined
}

const CURSOR_PARAMETER = 'after'
/** The cursor's instant as PostgreSQL writes a timestamptz as text: `2026-03-01 10:00:00.123+00`. */
const CURSOR_INSTANT =
  /^\d{4}-\d{2}-\d{2}[ T]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-](0\d|1[0-5])(:?[0-5]\d)?)?$/
/** Ids in a cursor: OCPI ids are printable ASCII of at most 36 characters; module names are shorter. */
const CURSOR_VALUE = /^[\x20-\x7E]{0,64}$/

function single(query: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = query[name]
  if (value === undefined) return undefined
  if (typeof value !== 'string')
    throw new OcpiError('HUB_ERR_INVALID_PARAMETERS', `${name}: given more than once`)
  return value
}

function wholeNumber(query: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const text = single(query, name)
  if (text === undefined) return undefined
  if (!/^\d{1,9}$/.test(text))
    throw new OcpiError('HUB_ERR_INVALID_PARAMETERS', `${name}: must be a whole number`)
  return Number(text)
}

function dateTime(query: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const text = single(query, name)
  if (text === undefined) return undefined
  if (!isOcpiDateTime(text) || Number.isNaN(Date.parse(utcInstant(text)))) {
    throw new OcpiError('HUB_ERR_INVALID_PARAMETERS', `${name}: must be an RFC 3339 UTC date-time`)
  }
  return text
}

function decodeCursor(text: string | undefined): PageCursor | undefined {
  if (text === undefined) return undefined
  const [last_updated, country_code, party_id, object_id, object_type] = decodeListCursor(text) ?? []
  // The cursor comes back from the client: every value goes into a query, so each must be one the
  // hub could have handed out (an instant on a real day, short printable ASCII), or the database would
  // refuse it and the client would get a 500.
  const printable = (v: unknown): v is string => typeof v === 'string' && CURSOR_VALUE.test(v)
  if (
    typeof last_updated === 'string' &&
    CURSOR_INSTANT.test(last_updated) &&
    hasCalendarDate(last_updated) &&
    printable(country_code) &&
    printable(party_id) &&
    printable(object_id) &&
    printable(object_type)
  ) {
    return { last_updated, country_code, party_id, object_id, object_type }
  }
  throw new OcpiError('HUB_ERR_INVALID_PARAMETERS', `${CURSOR_PARAMETER}: not a cursor the hub handed out`)
}

function encodeCursor(cursor: PageCursor): string {
  const { last_updated, country_code, party_id, object_id, object_type } = cursor
  return encodeListCursor([last_updated, country_code, party_id, object_id, object_type])
}

/** Reads offset, limit, date_from and date_to; a limit above the hub's maximum is lowered to it. */
export function readPageRequest(query: Readonly<Record<string, unknown>>, maxLimit: number): PageRequest {
  const limit = wholeNumber(query, 'limit')
  return {
    offset: wholeNumber(query, 'offset') ?? 0,
    limit: Math.min(limit ?? maxLimit, maxLimit),
    dateFrom: dateTime(query, 'date_from'),
    dateTo: dateTime(query, 'date_to'),
    after: decodeCursor(single(query, CURSOR_PARAMETER)),
  }
}

export interface ServedPage {
  readonly returned: number
  readonly total: number
  readonly last: PageCursor | undefined
}

/**
 * X-Total-Count, X-Limit and, unless this is the last page, `Link` to the next one: the same filters, the
 * next offset, and the hub's cursor so the next page starts where this one ended without counting rows.
 */
export function pageHeaders(
  url: string,
  request: PageRequest,
  page: ServedPage,
  maxLimit: number,
): Record<string, string> {
  const headers: Record<string, string> = {
    'x-total-count': String(page.total),
    'x-limit': String(maxLimit),
  }
  const nextOffset = request.offset + page.returned
  if (page.returned === 0 || nextOffset >= page.total || !page.last) return headers
  const params = new URLSearchParams()
  if (request.dateFrom) params.set('date_from', request.dateFrom)
  if (request.dateTo) params.set('date_to', request.dateTo)
  params.set('offset', String(nextOffset))
  params.set('limit', String(request.limit))
  params.set(CURSOR_PARAMETER, encodeCursor(page.last))
  headers['link'] = `<${url}?${params.toString()}>; rel="next"`
  return headers
}
