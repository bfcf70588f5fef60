import type { TariffRestrictions } from '../modules/tariffs/tariffs.schema.ts'
import type { LocalMoment } from './local-time.ts'
import { MICRO_WH_PER_KWH, MS_PER_HOUR } from './micro-units.ts'

/** Where a moment stands with respect to a reservation (the `reservation` restriction). */
export type ReservationState = 'NONE' | 'RESERVED' | 'EXPIRED'

/**
 * Where a moment stands with respect to a booking (Bookings add-on, the `booking` restriction): not one,
 * its reserved time (used or not), or charging after the booked slot.
 */
export type BookingState = 'NONE' | 'BOOKED' | 'EXPIRED' | 'OVERTIME'

/**
 * A current or power of a charging period: the lowest and highest it reached. A `min_*` restriction holds
 * when the lowest is at or above it, a `max_*` one when the highest is below it: over the whole period, as
 * the CPO must start a new period when the value crosses a price boundary (mod_cdrs, ChargingPeriod).
 */
export interface Range {
  lowest?: number
  highest?: number
}

/** Everything a TariffRestrictions object can ask about one moment of a session. */
export interface PricingMoment {
  local: LocalMoment
  /** µWh charged in the session before this moment. */
  energyBefore: number
  /** Milliseconds since the charging session started (negative during a reservation before it). */
  sinceSessionStart: number
  current: Range
  power: Range
  reservation: ReservationState
  booking: BookingState
}

const MS_PER_MINUTE = 60_000

function msOfTime(hhmm: string): number {
  const [hours, minutes] = hhmm.split(':').map(Number)
  return ((hours ?? 0) * 60 + (minutes ?? 0)) * MS_PER_MINUTE
}

/** `start_time` inclusive, `end_time` exclusive; an end before the start wraps past midnight, `00:00` ends the day. */
function timeOfDayHolds(
  start: string | null | undefined,
  end: string | null | undefined,
  timeOfDayMs: number,
): boolean {
  if (start == null && end == null) return true
  const from = start == null ? 0 : msOfTime(start)
  const endMs = end == null ? 0 : msOfTime(end)
  const to = endMs === 0 ? 24 * 60 * MS_PER_MINUTE : endMs
  return from < to ? timeOfDayMs >= from && timeOfDayMs < to : timeOfDayMs >= from || timeOfDayMs < to
}

function atLeast(threshold: number | null | undefined, value: number | null | undefined): boolean {
  return threshold == null || (value != null && value >= threshold)
}

function below(threshold: number | null | undefined, value: number | null | undefined): boolean {
  return threshold == null || (value != null && value < threshold)
}

/** The `reservation` restriction: elements without it price the charge, elements with it the reservation. */
function reservationHolds(restriction: TariffRestrictions['reservation'], state: ReservationState): boolean {
  if (restriction == null) return state === 'NONE'
  if (restriction === 'RESERVATION') return state !== 'NONE'
  return state === 'EXPIRED'
}

/**
 * The `booking` restriction: such an element prices a booking's reserved time (`BOOKING`, and
 * `BOOKING_EXPIRES` the time not used) or the charging after its slot (`BOOKING_OVERTIME`). The engine
 * prices no cancellation: `BOOKING_CANCELLATION_FEES` never holds.
 */
function bookingHolds(restriction: NonNullable<TariffRestrictions['booking']>, state: BookingState): boolean {
  if (restriction === 'BOOKING') return state === 'BOOKED' || state === 'EXPIRED'
  if (restriction === 'BOOKING_EXPIRES') return state === 'EXPIRED'
  if (restriction === 'BOOKING_OVERTIME') return state === 'OVERTIME'
  return false
}

/**
 * True when every restriction that is set holds at `moment` (they are a logical AND; none set: always).
 * A field that is `null` is not set: OCPI reads absent and null alike (types.asciidoc, cardinality).
 */
export function restrictionsHold(
  restrictions: TariffRestrictions | null | undefined,
  moment: PricingMoment,
): boolean {
  const r = restrictions ?? {}
  const { local } = moment
  const days = r.day_of_week ?? []
  return (
    // Bookings add-on: an element for a booking prices nothing else, and a booking's overtime only those.
    (r.booking == null
      ? moment.booking !== 'OVERTIME' && reservationHolds(r.reservation, moment.reservation)
      : bookingHolds(r.booking, moment.booking)) &&
    timeOfDayHolds(r.start_time, r.end_time, local.timeOfDayMs) &&
    (r.start_date == null || local.date >= r.start_date) &&
    (r.end_date == null || local.date < r.end_date) &&
    (days.length === 0 || days.includes(local.dayOfWeek)) &&
    atLeast(kwhThreshold(r.min_kwh), moment.energyBefore) &&
    below(kwhThreshold(r.max_kwh), moment.energyBefore) &&
    atLeast(secondsThreshold(r.min_duration), moment.sinceSessionStart) &&
    below(secondsThreshold(r.max_duration), moment.sinceSessionStart) &&
    atLeast(r.min_current, moment.current.lowest) &&
    below(r.max_current, moment.current.highest) &&
    atLeast(r.min_power, moment.power.lowest) &&
    below(r.max_power, moment.power.highest)
  )
}

function kwhThreshold(kwh: number | null | undefined): number | null | undefined {
  return kwh == null ? undefined : Math.round(kwh * MICRO_WH_PER_KWH)
}

function secondsThreshold(seconds: number | null | undefined): number | null | undefined {
  return seconds == null ? undefined : seconds * 1000
}

/** The moments of the day at which some element's time-of-day restriction starts or ends. */
export function timesOfDayIn(restrictions: readonly (TariffRestrictions | null | undefined)[]): Set<number> {
  const times = new Set<number>([0])
  for (const r of restrictions) {
    if (r?.start_time != null) times.add(msOfTime(r.start_time))
    if (r?.end_time != null) times.add(msOfTime(r.end_time))
  }
  return times
}

/** The energy totals (µWh) at which some element's kWh restriction starts or ends. */
export function energyThresholdsIn(
  restrictions: readonly (TariffRestrictions | null | undefined)[],
): number[] {
  const thresholds = new Set<number>()
  for (const r of restrictions) {
    for (const kwh of [r?.min_kwh, r?.max_kwh]) {
      const micro = kwhThreshold(kwh)
      if (micro != null && micro > 0) thresholds.add(micro)
    }
  }
  return [...thresholds].sort((a, b) => a - b)
}

/** The session durations (ms) at which some element's duration restriction starts or ends. */
export function durationThresholdsIn(
  restrictions: readonly (TariffRestrictions | null | undefined)[],
): number[] {
  const thresholds = new Set<number>()
  for (const r of restrictions) {
    for (const seconds of [r?.min_duration, r?.max_duration]) {
      const ms = secondsThreshold(seconds)
      if (ms != null) thresholds.add(ms)
    }
  }
  return [...thresholds]
}

/** Average power of a period from its energy and charging time, in kW (what a quote or a bare CDR implies). */
export function averagePowerKw(energyMicroWh: number, chargingMs: number): number {
  return energyMicroWh / MICRO_WH_PER_KWH / (chargingMs / MS_PER_HOUR)
}
