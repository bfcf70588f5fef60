import type { PartyRef } from '../core/party.ts'
import { ROUTING_HEADERS } from '../core/routing-headers.ts'

/** One request in or out, as the writer buffers it before the batch insert. */
export interface MessageLogEntry {
  readonly loggedAt: Date
  readonly direction: 'in' | 'out'
  platformId: string | null
  from: PartyRef | null
  to: PartyRef | null
  module: string | null
  readonly method: string
  readonly path: string
  readonly httpStatus: number | null
  readonly ocpiStatus: number | null
  readonly latencyMs: number
  readonly requestId: string | null
  readonly correlationId: string | null
  readonly error: string | null
  /** Out: what the hub changed on the way (conversion to the receiver's version, information lost). */
  readonly note?: string | null
  readonly requestBody: KeptBody
  readonly responseBody: KeptBody
  /** Out only: which platform's token was presented (SHA-256); resolved to `platformId` before the insert. */
  readonly tokenHash?: string
}

/** A body as the log keeps it: cut at the configured size. */
export interface KeptBody {
  readonly text: string | null
  readonly truncated: boolean
}

export const NO_BODY: KeptBody = { text: null, truncated: false }

/** What tells whether an exchange was accepted: its answer, or the failure that stood for one. */
export interface ExchangeOutcome {
  readonly httpStatus: number | null
  readonly ocpiStatus: number | null
  readonly error: string | null
}

/**
 * An exchange that went as planned: answered with HTTP 2xx, an OCPI success (1xxx) or no OCPI status, and
 * no transport failure. Every other one is a failure, whose bodies the log keeps in full.
 */
export function wasAccepted({ httpStatus, ocpiStatus, error }: ExchangeOutcome): boolean {
  if (error !== null || httpStatus === null || httpStatus < 200 || httpStatus >= 300) return false
  return ocpiStatus === null || (ocpiStatus >= 1000 && ocpiStatus < 2000)
}

/**
 * Cuts a body at `limitBytes` of UTF-8. A cut body is copied, so the log never keeps a large payload
 * alive through a slice of it. Cheap for the common case: a string of at most limit/3 characters always fits.
 */
export function keepBody(text: string | undefined | null, limitBytes: number): KeptBody {
  if (text === undefined || text === null || text === '') return NO_BODY
  if (limitBytes === 0) return NO_BODY
  if (text.length * 3 <= limitBytes) return { text: withoutNul(text), truncated: false }
  // Counted, not encoded: most bodies fit whole, and then nothing needs copying.
  if (text.length <= limitBytes && Buffer.byteLength(text, 'utf8') <= limitBytes)
    return { text: withoutNul(text), truncated: false }
  // UTF-8 takes at least one byte per UTF-16 unit: the first `limitBytes` units hold the kept bytes.
  const head = Buffer.from(text.length > limitBytes ? text.slice(0, limitBytes) : text, 'utf8')
  // A multi-byte character cut in half decodes to U+FFFD: drop it rather than store a broken character.
  const kept = head
    .subarray(0, limitBytes)
    .toString('utf8')
    .replace(/\uFFFD+$/, '')
  return { text: withoutNul(kept), truncated: true }
}

// PostgreSQL text cannot hold NUL; a partner's garbage answer must not make the whole batch fail.
function withoutNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '') : text
}

const TOKEN_VALUE = /("token"\s*:\s*")((?:[^"\\]|\\.)*)("|\\?$)/g
export const MASKED_TOKEN = '***'

/**
 * Masks the string value of every `"token"` member (the credentials object's token), also when the body
 * was cut in the middle of it. Token objects (`"token": {…}` in AuthorizationInfo, commands) are left as
 * they are: they hold no secret.
 */
export function maskTokens(body: KeptBody): KeptBody {
  if (body.text === null || !body.text.includes('"token"')) return body
  return { text: body.text.replace(TOKEN_VALUE, `$1${MASKED_TOKEN}$3`), truncated: body.truncated }
}

/**
 * The OCPI status_code of a serialised envelope, without parsing the body: the last top-level
 * `"status_code":` member (the hub writes it after `data`, so a member of the same name inside the data
 * comes first).
 */
export function statusCodeOf(payload: string | null | undefined): number | null {
  if (!payload) return null
  const at = payload.lastIndexOf('"status_code":')
  if (at < 0) return null
  const match = /^"status_code":\s*(\d{1,5})/.exec(payload.slice(at, at + 24))
  return match ? Number(match[1]) : null
}

const COUNTRY_CODE = /^[A-Za-z]{2}$/
const PARTY_ID = /^[A-Za-z0-9]{3}$/

type HeaderBag = Readonly<Record<string, string | string[] | undefined>>

function header(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name]
  return (Array.isArray(value) ? value[0] : value)?.trim()
}

function partyOf(headers: HeaderBag, countryHeader: string, partyHeader: string): PartyRef | null {
  const country_code = header(headers, countryHeader)
  const party_id = header(headers, partyHeader)
  if (!country_code || !party_id || !COUNTRY_CODE.test(country_code) || !PARTY_ID.test(party_id)) return null
  return { country_code: country_code.toUpperCase(), party_id: party_id.toUpperCase() }
}

/** FROM and TO of the routing headers, when both halves of a pair are present and well-formed. */
export function routingPartiesOf(headers: HeaderBag): { from: PartyRef | null; to: PartyRef | null } {
  return {
    from: partyOf(headers, ROUTING_HEADERS.fromCountryCode, ROUTING_HEADERS.fromPartyId),
    to: partyOf(headers, ROUTING_HEADERS.toCountryCode, ROUTING_HEADERS.toPartyId),
  }
}

/** An outbound URL as the log shows it: never with user and password. */
export function loggableUrl(raw: string): string {
  if (!raw.includes('@')) return raw
  try {
    const url = new URL(raw)
    url.username = ''
    url.password = ''
    return url.toString()
  } catch {
    return raw.replace(/\/\/[^/@]*@/, '//')
  }
}

/** Long paths (a partner's junk) are cut: the column is for reading, not for replaying. */
export function loggablePath(path: string): string {
  return path.length > 2048 ? path.slice(0, 2048) : path
}
