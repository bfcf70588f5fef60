import type { TariffDimensionType } from '../modules/tariffs/tariffs.schema.ts'

/**
 * The engine counts in integers so that sums never drift: money in micro-units (a millionth of the
 * currency unit), energy in µWh, time in milliseconds. Each product of a price and a quantity is computed
 * once in floating point and rounded to the nearest micro-unit; after that only integers are added, and
 * a total does not depend on how the session was cut into periods. A millionth is far below any currency's
 * smallest coin, so the spec's unrounded figures (€ 2.875, € 13.861) come out exactly; rounding to cents is
 * left to the caller, as mod_tariffs leaves it to law and contract.
 */
export const MICRO_PER_UNIT = 1_000_000

/** µWh in a kWh, and in a Wh (the ENERGY step_size unit). */
export const MICRO_WH_PER_KWH = 1_000_000_000
const MICRO_WH_PER_WH = 1_000_000
/** Milliseconds in an hour (time volumes), and in a second (the time step_size unit). */
export const MS_PER_HOUR = 3_600_000
const MS_PER_SECOND = 1_000

export function toMicro(amount: number): number {
  return Math.round(amount * MICRO_PER_UNIT)
}

export function fromMicro(micro: number): number {
  return micro / MICRO_PER_UNIT
}

export function kwhToMicroWh(kwh: number): number {
  return Math.round(kwh * MICRO_WH_PER_KWH)
}

export function hoursToMs(hours: number): number {
  return Math.round(hours * MS_PER_HOUR)
}

/** One step of `step_size` in the engine's integer unit of the dimension (FLAT has no steps). */
export function stepInUnits(dimension: TariffDimensionType, stepSize: number): number {
  if (dimension === 'ENERGY') return stepSize * MICRO_WH_PER_WH
  if (dimension === 'FLAT') return 0
  return stepSize * MS_PER_SECOND
}

/**
 * The cost in micro-units of `quantity` (µWh, ms, or a count of flat fees) at `price` per kWh, per hour or
 * per fee. The divisions are by exact small constants, so a product that is a whole number of micro-units
 * (0.20 € for 5 minutes at 2.40 €/h) rounds to exactly that.
 */
export function microCost(dimension: TariffDimensionType, price: number, quantity: number): number {
  if (dimension === 'FLAT') return Math.round(price * quantity * MICRO_PER_UNIT)
  if (dimension === 'ENERGY') return Math.round((price * quantity) / 1_000)
  return Math.round((price * quantity) / 3.6)
}

/** The billed volume in the spec's unit: kWh for energy, hours for time, the count for a flat fee. */
export function volumeInSpecUnits(dimension: TariffDimensionType, quantity: number): number {
  if (dimension === 'FLAT') return quantity
  if (dimension === 'ENERGY') return quantity / MICRO_WH_PER_KWH
  return quantity / MS_PER_HOUR
}
