import type { ChargingPeriod } from '../modules/cdrs/cdrs.schema.ts'
import type { Tariff, TariffDimensionType, TaxIncluded } from '../modules/tariffs/tariffs.schema.ts'

/**
 * The values the tariff engine takes and gives (docs/pricing.md). Plain data: the engine does no I/O, and
 * a whole OCPI Tariff is a `PricedTariff`.
 */

/**
 * What the engine reads of a Tariff. `tax_included` may be absent: Tariffs written before 2.3.0 (and the
 * spec's own CDR example) lack it, and their prices exclude VAT, so absent is read as `NO`.
 */
export type PricedTariff = Pick<
  Tariff,
  'id' | 'currency' | 'elements' | 'min_price' | 'max_price' | 'start_date_time' | 'end_date_time'
> & {
  tax_included?: TaxIncluded
  /**
   * Dynamic pricing: when this version of the tariff took effect (an OCPI DateTime). Several entries with
   * the same `id` are versions of one tariff; each moment of a session is priced by the version with the
   * latest `valid_from` not after it. Absent: in effect from the beginning of time.
   */
  valid_from?: string
}

/** A session to price: the charging periods as a CDR or Session carries them. */
export interface SessionToPrice {
  tariffs: readonly PricedTariff[]
  charging_periods: readonly ChargingPeriod[]
  /** IANA time zone of the Location (`Location.time_zone`): restrictions are in its local time. */
  time_zone: string
  /** When the last period ends (the CDR's `end_date_time`); absent: its start plus its time volumes. */
  end_date_time?: string
  /** The session's currency (the CDR's); absent: the tariffs'. Every tariff must be in it. */
  currency?: string
  /**
   * The CDR's `booking_id` (Bookings add-on): set, its reservation periods are a booking's, priced first by
   * `booking`-restricted elements, and its `RESERVATION_OVERTIME` by `BOOKING_OVERTIME` ones.
   */
  booking_id?: string | null
}

/** An amount of money in the session's currency, exact to a millionth of a unit (never rounded to cents). */
export interface Amount {
  excl_vat: number
  incl_vat: number
}

/** The CDR's cost fields: fixed (FLAT), energy, time (charging), parking, reservation (time and fees). */
export const COST_DIMENSIONS = ['fixed', 'energy', 'time', 'parking', 'reservation'] as const
export type CostDimension = (typeof COST_DIMENSIONS)[number]

/** One price component applied to (part of) one charging period. */
export interface ComponentCharge {
  cost_dimension: CostDimension
  dimension: TariffDimensionType
  tariff_id: string
  /** Index of the TariffElement in the tariff's `elements` (0-based). */
  element_index: number
  price: number
  vat?: number
  step_size: number
  start_date_time: string
  end_date_time: string
  /** What was billed: kWh, hours, or 1 for a flat fee; includes `rounded_up`. */
  volume: number
  /** What `step_size` added to the volume (the whole session's rounding lands on its last billed part). */
  rounded_up: number
  cost: Amount
}

export interface PeriodPrice {
  /** Index of the period in the input's `charging_periods`. */
  period_index: number
  start_date_time: string
  end_date_time: string
  charges: ComponentCharge[]
  cost: Amount
}

/** Why (part of) a period was priced by no tariff. */
export interface PricingNote {
  period_index: number
  reason: 'UNKNOWN_TARIFF' | 'TARIFF_NOT_VALID' | 'NO_VALID_TARIFF'
  tariff_id?: string
}

export interface PriceLimitApplied {
  limit: 'MIN_PRICE' | 'MAX_PRICE'
  tariff_id: string
  /** Added to the sum of the cost dimensions to make the total (negative for a maximum). */
  adjustment: Amount
}

export interface SessionPrice {
  currency: string
  /** The sum of `costs`, then `min_price`/`max_price` of the tariff that priced the first billed stretch. */
  total: Amount
  costs: Record<CostDimension, Amount>
  price_limit?: PriceLimitApplied
  periods: PeriodPrice[]
  /** Billed volumes after step_size: kWh, hours of charging, parking and reservation. */
  billed: { energy_kwh: number; time_hours: number; parking_hours: number; reservation_hours: number }
  /** False when a component priced with `tax_included: YES` states no `vat`: the part without VAT is unknown. */
  excl_vat_known: boolean
  /** False when a component priced with `tax_included: NO` states no `vat` (taxes added later, as in North America). */
  incl_vat_known: boolean
  notes: PricingNote[]
}

export type PricingErrorCode = 'INVALID_INPUT' | 'INVALID_TIME_ZONE' | 'CURRENCY_MISMATCH'

/** Input the engine cannot price; `code` says why, the message says what. */
export class PricingError extends Error {
  readonly code: PricingErrorCode

  constructor(code: PricingErrorCode, message: string) {
    super(message)
    this.name = 'PricingError'
    this.code = code
  }
}
