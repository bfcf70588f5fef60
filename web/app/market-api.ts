import { JsonApi, sentence, unlessSignedOut } from '../shared/api.ts'
import { STRINGS } from './strings.ts'

/** The marketplace's members' API (docs/marketplace.md), same origin, the member's session in a cookie. */

export interface Member {
  readonly id: string
  readonly email: string
  readonly display_name: string | null
  readonly email_verified: boolean
  /** A new address waiting for its confirmation mail's link. */
  readonly pending_email: string | null
}

export interface FoundLocation {
  readonly country_code: string
  readonly party_id: string
  readonly id: string
  readonly name?: string
  readonly address?: string
  readonly city?: string
  readonly latitude: number
  readonly longitude: number
  /** The Location's IANA time zone (absent in a search kept offline by an earlier version of the app). */
  readonly time_zone?: string
  readonly evses: readonly {
    readonly uid: string
    readonly status: string
    readonly connectors: readonly {
      id: string
      standard: string
      power_type: string
      max_power_kw?: number
    }[]
  }[]
  readonly available_evses: number
  // Optional here: a search kept offline by an earlier version of the app has none.
  readonly images?: readonly { url: string; category?: string }[]
  readonly directions?: readonly { language: string; text: string }[]
  readonly opening_times?: {
    twentyfourseven: boolean
    regular_hours: readonly { weekday: number; period_begin: string; period_end: string }[]
  }
  readonly rating: Rating
  readonly typical_charge?: { energy_kwh: number; currency: string; price: number }
}

export interface Rating {
  readonly average: number
  readonly count: number
}

export interface Review {
  readonly id: string
  readonly rating: number
  readonly text?: string
  readonly reply?: string
  readonly created_at: string
}

interface Cost {
  readonly currency: string
  readonly before_taxes: number
  readonly after_taxes?: number
}

export interface Charge {
  readonly id: string
  readonly status: string
  readonly status_reason?: string
  readonly country_code: string
  readonly party_id: string
  readonly location_id: string
  readonly location_name?: string
  readonly evse_uid: string
  readonly session?: { energy_kwh: number; minutes: number; cost_so_far?: Cost }
  readonly receipt?: { cdr_id: string; energy_kwh: number; time_hours: number; total_cost: Cost }
  /** The client secret only in a 202: the card's bank asks the driver to confirm before the start. */
  readonly payment?: { readonly state: string; readonly client_secret?: string }
}

/** A location's key in paths: country, party and id. */
export function locationKey(location: { country_code: string; party_id: string; id: string }): string {
  return `${location.country_code}/${location.party_id}/${encodeURIComponent(location.id)}`
}

/** What a driver should read when the marketplace gave no message of its own. */
function plainWords(status: number): string {
  if (status === 401) return STRINGS.errors.signedOut
  if (status === 402) return STRINGS.errors.cardRefused
  if (status === 404) return STRINGS.errors.notFound
  if (status === 409) return STRINGS.errors.conflict
  if (status === 429) return STRINGS.errors.tooMany
  if (status === 502 || status === 504) return STRINGS.errors.unavailable
  if (status >= 500) return STRINGS.errors.server
  return STRINGS.errors.refused
}

const membersApi = new JsonApi({
  base: '/api',
  problem: { code: 'error', message: 'message' },
  signInPaths: new Set(['/sessions', '/members']),
  unreachable: STRINGS.errors.network,
  // The marketplace's messages are sentences for developers: a 5xx one speaks of internals; a 4xx one says
  // what to change, except a card's refusal, which carries the payment provider's request id.
  wordsFor: ({ status, message }) =>
    message && status < 500 && status !== 401 && status !== 402 ? sentence(message) : plainWords(status),
})

export function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  return membersApi.request<T>(method, path, body)
}

export async function currentMember(): Promise<Member | null> {
  return (await unlessSignedOut(request<Member>('GET', '/me'))) ?? null
}

/** How a listed home charger is booked (GET /api/listings/{id}/booking-terms). */
export interface BookingTerms {
  readonly instant_booking: boolean
  readonly price_per_hour: number
  readonly free_cancellation_hours: number
  readonly cancellation_fee: number
}

/** Its opening hours in the charger's local time (GET /api/listings/{id}/schedule). */
export interface Schedule {
  readonly weekly: readonly { weekday: number; begin: string; end: string }[]
  readonly exceptions: readonly { date: string; hours: readonly { begin: string; end: string }[] }[]
}

interface Interval {
  readonly start: string
  readonly end: string
}

/** When a listing can be booked, per local day of its time zone (GET /api/listings/{id}/availability). */
export interface Availability {
  readonly time_zone: string
  readonly days: readonly {
    readonly date: string
    readonly open: readonly Interval[]
    readonly free: readonly Interval[]
  }[]
  readonly taken: readonly Interval[]
}

export interface Booking {
  readonly id: string
  /** A home charger's booking: its listing. */
  readonly listing_id?: string
  /** A booking at a roaming CPO: its Location's id. */
  readonly location_id?: string
  readonly start: string
  readonly end: string
  readonly status: 'PENDING' | 'CONFIRMED' | 'DECLINED' | 'CANCELLED' | 'COMPLETED'
  readonly currency: string
  readonly price: number
  readonly charged: number
  /** Only while the card's bank asks the driver to confirm the payment (a 202 with the client secret). */
  readonly payment?: { readonly status: 'requires_action'; readonly client_secret?: string }
}

/** A listing's Location id is the listing id (32 hex digits): only those can be booked in the app. */
export function listingIdOf(location: { id: string }): string | undefined {
  return /^[0-9a-f]{32}$/.test(location.id) ? location.id : undefined
}

/** A favourite charger of the driver (GET /api/favourites). */
export interface Favourite {
  readonly country_code: string
  readonly party_id: string
  readonly location_id: string
}
