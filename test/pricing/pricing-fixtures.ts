import { existsSync, readFileSync } from 'node:fs'
import type { CdrDimensionType, ChargingPeriod } from '../../src/modules/cdrs/cdrs.schema.ts'
import type { PricedTariff } from '../../src/pricing/pricing-types.ts'

/**
 * The spec's JSON examples, read in place from ../shared/spec/examples next to the project root (CC BY-ND:
 * never copied into the repository). Tests that need them are skipped, with a test saying so, when the
 * folder is absent.
 */
export const EXAMPLES_FOLDER = new URL('../../../shared/spec/examples/', import.meta.url)
export const examplesPresent = existsSync(EXAMPLES_FOLDER)

export function specExample(file: string): unknown {
  return JSON.parse(readFileSync(new URL(file, EXAMPLES_FOLDER), 'utf8'))
}

/** A Tariff example of mod_tariffs, e.g. `specTariff('tariff_8_simple_025kwh')`. */
export function specTariff(name: string): PricedTariff {
  return specExample(`examples__${name}.json`) as PricedTariff
}

/** A charging period starting at `start` with the given dimension volumes (kWh, hours, A, kW). */
export function period(
  start: string,
  volumes: Partial<Record<CdrDimensionType, number>>,
  tariffId?: string,
): ChargingPeriod {
  const dimensions = Object.entries(volumes).map(([type, volume]) => ({
    type: type as CdrDimensionType,
    volume,
  }))
  return tariffId === undefined
    ? { start_date_time: start, dimensions }
    : { start_date_time: start, dimensions, tariff_id: tariffId }
}

/** `start` plus `minutes`, as an OCPI DateTime. */
export function plusMinutes(start: string, minutes: number): string {
  return new Date(Date.parse(start) + minutes * 60_000).toISOString()
}

export const hours = (minutes: number) => minutes / 60

/** A tariff written for a test (ours, not the spec's): one element per entry of `elements`. */
export function ourTariff(fields: Partial<PricedTariff> & Pick<PricedTariff, 'elements'>): PricedTariff {
  return { id: 'T1', currency: 'EUR', tax_included: 'NO', ...fields }
}
