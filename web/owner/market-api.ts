import { JsonApi, unlessSignedOut } from '../shared/api.ts'
import { TEXT } from './strings.ts'

/**
 * The marketplace's members' API (docs/marketplace.md) from a page it serves: same origin, the HttpOnly
 * session cookie (JsonApi, web/shared/api.ts). Errors come back as ApiError with the marketplace's own
 * sentence when it gave one (a 4xx names the field that is wrong) and plain words otherwise.
 */

export type Connector = {
  standard: string
  format: 'SOCKET' | 'CABLE'
  power_type: 'AC_1_PHASE' | 'AC_3_PHASE' | 'DC'
  max_power_kw: number
}

export interface ListingDetails {
  name: string
  address: string
  city: string
  postal_code?: string
  country: string
  latitude: number
  longitude: number
  time_zone: string
  connectors: Connector[]
  price_per_kwh: number
  price_per_hour?: number
  price_per_session?: number
  idle_fee_per_hour?: number
  access_instructions?: { language: string; text: string }[]
  publish: boolean
}

export interface Listing {
  readonly id: string
  readonly details: ListingDetails
  /** The listing's OCPI Location id (its reviews are under it). */
  readonly location_id: string
  readonly hub?: string
}

/** A driver's review of a location, with the owner's reply when there is one (GET …/reviews). */
export interface Review {
  readonly id: string
  readonly rating: number
  readonly text?: string
  readonly reply?: string
  readonly created_at: string
}

export interface LocationReviews {
  readonly rating: { readonly average: number; readonly count: number }
  readonly reviews: readonly Review[]
}

export interface Photo {
  readonly id: string
  readonly url: string
}

export interface WeeklyPeriod {
  weekday: number
  begin: string
  end: string
}

export interface Schedule {
  weekly: WeeklyPeriod[]
  exceptions: { date: string; hours: { begin: string; end: string }[] }[]
}

export interface BookingTerms {
  instant_booking: boolean
  price_per_hour: number
  free_cancellation_hours: number
  cancellation_fee: number
  unmanaged: boolean
}

export type BookingStatus = 'PENDING' | 'CONFIRMED' | 'DECLINED' | 'CANCELLED' | 'COMPLETED'

export interface Booking {
  readonly id: string
  readonly listing_id: string
  readonly start: string
  readonly end: string
  readonly status: BookingStatus
  readonly currency: string
  readonly price: number
  readonly charged: number
}

export interface StatementLine {
  readonly booking_id: string
  readonly listing_id: string
  readonly start: string
  readonly end: string
  readonly kind: 'SLOT' | 'CANCELLATION_FEE'
  readonly amount: number
  readonly settled_at: string
}

export interface Statement {
  readonly period: string
  readonly currency: string
  readonly lines: readonly StatementLine[]
  readonly total: number
}

export interface ManagedCharger {
  readonly identity: string
  readonly ocpp_url: string
  readonly connected: boolean
  readonly evse_status: string | null
  /** Only in the answer that connected it: shown once. */
  readonly password?: string
}

export interface Member {
  readonly id: string
  readonly email: string
}

function plainWords(status: number): string {
  const known = TEXT.errors[status as keyof typeof TEXT.errors]
  if (typeof known === 'string') return known
  return status >= 500 ? TEXT.errors.server : TEXT.errors.other
}

export class MarketApi extends JsonApi {
  constructor() {
    super({
      base: '/api',
      problem: { code: 'error', message: 'message' },
      signInPaths: new Set(['/sessions', '/members']),
      unreachable: TEXT.errors.network,
      // The marketplace's own words for what the member did (a field, a taken id, a wrong password); ours
      // for a session that ended and for its own failures.
      wordsFor: ({ status, message, sessionEnded }) =>
        status < 500 && !sessionEnded && message ? message : plainWords(status),
    })
  }

  /** The signed-in member, or undefined when this browser is signed out. */
  currentMember(): Promise<Member | undefined> {
    return unlessSignedOut(this.get<Member>('/me'))
  }
}
