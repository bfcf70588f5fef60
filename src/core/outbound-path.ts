import { OcpiError } from './errors.ts'

declare const outboundPathBrand: unique symbol

/**
 * What the hub appends to a partner's module endpoint URL when it calls it, query included:
 * `/NL/ABC/LOC%201`, `/TOK1/authorize?type=RFID`, `''` for the endpoint itself. Only this module makes
 * one (the brand keeps string pasting out of every outbound call): each segment is percent-encoded on
 * its own, so an id can never add, remove or climb out of a segment, and the query is built with
 * URLSearchParams, so a value can never add a parameter.
 */
export type OutboundPath = string & { readonly [outboundPathBrand]: true }

/** Query parameters of an outbound call; an undefined value is left out. */
export type OutboundQuery = URLSearchParams | Readonly<Record<string, string | undefined>>

/** The partner's endpoint URL itself: a POST of a CDR, a list GET without parameters. */
export const AT_ENDPOINT = '' as OutboundPath

/**
 * A segment no encoding makes safe: `.` and `..` are dot segments that URL parsers resolve (so is an
 * empty one next to them), and a lone surrogate has no UTF-8 form. The edge refuses these and more
 * (src/transport/path-params.ts); this is the last check before a partner is called.
 */
function encodeSegment(segment: string): string {
  if (segment === '' || segment === '.' || segment === '..') {
    throw new OcpiError('HUB_ERR_INVALID_PATH_PARAMETER', `"${segment}" cannot be a path segment`)
  }
  try {
    return encodeURIComponent(segment)
  } catch {
    throw new OcpiError('HUB_ERR_INVALID_PATH_PARAMETER', 'A path segment is not valid Unicode')
  }
}

function queryText(query: OutboundQuery | undefined): string {
  if (query === undefined) return ''
  const params = new URLSearchParams()
  const entries = query instanceof URLSearchParams ? [...query] : Object.entries(query)
  for (const [name, value] of entries) if (value !== undefined) params.append(name, value)
  const text = params.toString()
  return text ? `?${text}` : ''
}

/**
 * The path below a partner's module endpoint, one segment per element, each percent-encoded.
 *
 * @example
 * outboundPath(['NL', 'ABC', 'LOC 1', 'EVSE-A']) // '/NL/ABC/LOC%201/EVSE-A'
 * outboundPath(['TOK1', 'authorize'], { type: 'RFID' }) // '/TOK1/authorize?type=RFID'
 */
export function outboundPath(segments: readonly string[], query?: OutboundQuery): OutboundPath {
  const path = segments.map((segment) => `/${encodeSegment(segment)}`).join('')
  return `${path}${queryText(query)}` as OutboundPath
}

/** `path` with more query parameters (after any it has). */
export function withQuery(path: OutboundPath, query: OutboundQuery): OutboundPath {
  const { segments, query: current } = readOutboundPath(path)
  const merged = new URLSearchParams(current)
  for (const [name, value] of new URLSearchParams(queryText(query))) merged.append(name, value)
  return outboundPath(segments, merged)
}

/** The decoded segments and the query of an outbound path. */
export function readOutboundPath(path: OutboundPath): { segments: string[]; query: URLSearchParams } {
  const at = path.indexOf('?')
  const pathPart = at < 0 ? path : path.slice(0, at)
  return {
    segments: pathPart
      .split('/')
      .slice(1)
      .map((segment) => decodeURIComponent(segment)),
    query: new URLSearchParams(at < 0 ? '' : path.slice(at + 1)),
  }
}

/**
 * A path read back from the delivery queue, built again segment by segment. A row queued by an older
 * hub may hold a path pasted together from raw ids: a dot segment or an empty one is refused (it would
 * climb out of the receiver's endpoint), anything else is encoded as the segment it was.
 */
export function storedOutboundPath(text: string): OutboundPath {
  if (text === '') return AT_ENDPOINT
  const at = text.indexOf('?')
  const pathPart = at < 0 ? text : text.slice(0, at)
  if (!pathPart.startsWith('/')) {
    throw new OcpiError('HUB_ERR_INVALID_PATH_PARAMETER', `A queued path must start with "/": ${text}`)
  }
  const segments = pathPart
    .split('/')
    .slice(1)
    .map((raw) => {
      try {
        return decodeURIComponent(raw)
      } catch {
        return raw
      }
    })
  return outboundPath(segments, new URLSearchParams(at < 0 ? '' : text.slice(at + 1)))
}

/** The URL of a call: the partner's endpoint URL (as it registered it, without trailing `/`) and the path. */
export function outboundUrl(endpointUrl: string, path: OutboundPath): string {
  return `${endpointUrl.replace(/\/+$/, '')}${path}`
}
