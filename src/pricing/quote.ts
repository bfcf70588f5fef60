import type { CdrDimension, ChargingPeriod } from '../modules/cdrs/cdrs.schema.ts'
import { formatInstant, instantOf } from './local-time.ts'
import { MS_PER_HOUR } from './micro-units.ts'
import { priceSession } from './price-session.ts'
import { PricingError, type PricedTariff, type SessionPrice } from './pricing-types.ts'

/** A charge a driver expects to make: what a price quote is asked for. */
export interface ExpectedCharge {
  /** The tariffs that apply to the connector (and the driver), in order of preference. */
  tariffs: readonly PricedTariff[]
  /** IANA time zone of the Location. */
  time_zone: string
  start_date_time: string
  energy_kwh: number
  /** Minutes of charging; absent: what `energy_kwh` takes at `power_kw`. */
  duration_minutes?: number
  /** Average charging power; absent: what `energy_kwh` in `duration_minutes` implies. */
  power_kw?: number
  /** Charging current summed over the phases, for tariffs with current restrictions. */
  current_a?: number
  /** Minutes the car stays plugged in after charging. */
  parking_minutes?: number
}

const MS_PER_MINUTE = 60_000

function nonNegative(value: number | undefined, field: string): void {
  if (value != null && !(Number.isFinite(value) && value >= 0)) {
    throw new PricingError('INVALID_INPUT', `${field} must be a number of at least 0`)
  }
}

/**
 * Prices an expected charge: builds the charging periods a CDR of that charge would carry (charging at a
 * constant power, then parking) and prices them with `priceSession`.
 *
 * @example
 * quoteCharge({ tariffs, time_zone: 'Europe/Berlin', start_date_time: '2026-12-07T08:00:00Z',
 *   energy_kwh: 20, power_kw: 11, parking_minutes: 30 }).total
 */
export function quoteCharge(expected: ExpectedCharge): SessionPrice {
  const { energy_kwh: energy, power_kw: power, current_a: current } = expected
  nonNegative(energy, 'energy_kwh')
  nonNegative(expected.duration_minutes, 'duration_minutes')
  nonNegative(power, 'power_kw')
  nonNegative(current, 'current_a')
  nonNegative(expected.parking_minutes, 'parking_minutes')
  const minutes =
    expected.duration_minutes ?? (power != null && power > 0 ? (energy / power) * 60 : undefined)
  if (minutes == null) {
    throw new PricingError('INVALID_INPUT', 'A quote needs duration_minutes, or power_kw above 0')
  }
  const start = instantOf(expected.start_date_time, 'start_date_time')
  const chargingMs = Math.round(minutes * MS_PER_MINUTE)
  const parkingMs = Math.round((expected.parking_minutes ?? 0) * MS_PER_MINUTE)
  const averagePower = power ?? (chargingMs > 0 ? energy / (chargingMs / MS_PER_HOUR) : 0)
  const charging: CdrDimension[] = [
    { type: 'ENERGY', volume: energy },
    { type: 'TIME', volume: chargingMs / MS_PER_HOUR },
    { type: 'POWER', volume: averagePower },
  ]
  if (current != null) charging.push({ type: 'CURRENT', volume: current })
  const periods: ChargingPeriod[] = [{ start_date_time: formatInstant(start), dimensions: charging }]
  if (parkingMs > 0) {
    periods.push({
      start_date_time: formatInstant(start + chargingMs),
      dimensions: [{ type: 'PARKING_TIME', volume: parkingMs / MS_PER_HOUR }],
    })
  }
  return priceSession({
    tariffs: expected.tariffs,
    charging_periods: periods,
    time_zone: expected.time_zone,
    end_date_time: formatInstant(start + chargingMs + parkingMs),
  })
}
