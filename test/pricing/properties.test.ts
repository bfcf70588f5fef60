import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { ChargingPeriod } from '../../src/modules/cdrs/cdrs.schema.ts'
import type { PriceComponent, TariffElement } from '../../src/modules/tariffs/tariffs.schema.ts'
import { priceSession } from '../../src/pricing/price-session.ts'
import type { PricedTariff, SessionPrice } from '../../src/pricing/pricing-types.ts'
import { quoteCharge } from '../../src/pricing/quote.ts'
import { ourTariff } from './pricing-fixtures.ts'

/**
 * Properties of the engine over generated tariffs and sessions (fast-check). Quantities are generated in
 * whole seconds and watt-hours, the precision CDRs carry, so that the engine's integer units hold them exactly.
 */

const START = Date.parse('2025-01-06T00:00:00Z')
const ZONE = 'Europe/Amsterdam'

const vat = fc.constantFrom(undefined, 0, 6, 10, 21)
const price = fc.integer({ min: 0, max: 500 }).map((cents) => cents / 100)
const componentOf = (type: PriceComponent['type'], steps: number[]) =>
  fc.record({ price, vat, step: fc.constantFrom(...steps) }).map(({ price: amount, vat: rate, step }) => {
    const component: PriceComponent = { type, price: amount, step_size: step }
    if (rate !== undefined) component.vat = rate
    return component
  })
const components = fc
  .tuple(
    fc.option(componentOf('FLAT', [1]), { nil: undefined }),
    fc.option(componentOf('ENERGY', [1, 100, 500]), { nil: undefined }),
    fc.option(componentOf('TIME', [1, 60, 300, 900]), { nil: undefined }),
    fc.option(componentOf('PARKING_TIME', [1, 60, 300, 900]), { nil: undefined }),
  )
  .map((found) => found.filter((component) => component !== undefined))
  .filter((found) => found.length > 0)

/** A price limit; `after_taxes` up to 25 % above `before_taxes` when present. */
const priceLimit = (before: number, withAfter: boolean, markup: number) =>
  withAfter
    ? { before_taxes: before, after_taxes: Math.round(before * (100 + markup)) / 100 }
    : { before_taxes: before }
const limits = fc
  .record({
    min: fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined }),
    spread: fc.integer({ min: 0, max: 3000 }),
    hasMax: fc.boolean(),
    minAfter: fc.boolean(),
    maxAfter: fc.boolean(),
    markup: fc.integer({ min: 0, max: 25 }),
  })
  .map(({ min, spread, hasMax, minAfter, maxAfter, markup }) => {
    const minBefore = (min ?? 0) / 100
    // The maximum is at least 30 % above the minimum, so that no maximum after taxes can undercut a minimum.
    const maxBefore = Math.round(minBefore * 130 + spread) / 100
    return {
      ...(min !== undefined && { min_price: priceLimit(minBefore, minAfter, markup) }),
      ...(hasMax && { max_price: priceLimit(maxBefore, maxAfter, markup) }),
    }
  })

/** Elements without restrictions: nothing in the tariff caps what more energy or time costs. */
const unrestrictedTariff = fc
  .record({
    elements: fc.array(
      components.map((found): TariffElement => ({ price_components: found })),
      { minLength: 1, maxLength: 3 },
    ),
    tax: fc.constantFrom('YES' as const, 'NO' as const, 'N/A' as const),
    limits,
  })
  .map(({ elements, tax, limits: bounds }) => ourTariff({ elements, tax_included: tax, ...bounds }))

/** Elements that may be restricted to times of day and days of the week. */
const timeOfDay = fc.integer({ min: 0, max: 23 }).map((hour) => `${String(hour).padStart(2, '0')}:00`)
const timedTariff = fc
  .array(
    fc.record({
      found: components,
      from: fc.option(timeOfDay, { nil: undefined }),
      to: fc.option(timeOfDay, { nil: undefined }),
      weekend: fc.boolean(),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((specs) =>
    ourTariff({
      elements: specs.map(({ found, from, to, weekend }): TariffElement => {
        const restrictions: TariffElement['restrictions'] = {}
        if (from !== undefined) restrictions.start_time = from
        if (to !== undefined) restrictions.end_time = to
        if (weekend) restrictions.day_of_week = ['SATURDAY', 'SUNDAY']
        return { price_components: found, restrictions }
      }),
    }),
  )

/** An expected charge in whole seconds and watt-hours, starting somewhere in one week. */
const charge = fc.record({
  startMinute: fc.integer({ min: 0, max: 7 * 24 * 60 }),
  energyWh: fc.integer({ min: 0, max: 120_000 }),
  chargingSeconds: fc.integer({ min: 60, max: 6 * 3600 }),
  parkingSeconds: fc.integer({ min: 0, max: 4 * 3600 }),
})
type Charge = typeof charge extends fc.Arbitrary<infer T> ? T : never

function quote(tariff: PricedTariff, expected: Charge): SessionPrice {
  return quoteCharge({
    tariffs: [tariff],
    time_zone: ZONE,
    start_date_time: new Date(START + expected.startMinute * 60_000).toISOString(),
    energy_kwh: expected.energyWh / 1000,
    duration_minutes: expected.chargingSeconds / 60,
    parking_minutes: expected.parkingSeconds / 60,
  })
}

describe('tariff engine properties', () => {
  it('a price never decreases when energy, charging time or (existing) parking time grows, under a tariff without restrictions', () => {
    fc.assert(
      fc.property(
        unrestrictedTariff,
        charge,
        fc.constantFrom('energyWh' as const, 'chargingSeconds' as const, 'parkingSeconds' as const),
        fc.integer({ min: 1, max: 7200 }),
        (tariff, expected, grown, more) => {
          // Parking appearing from nothing is left out on purpose: see the step_size test below.
          fc.pre(grown !== 'parkingSeconds' || expected.parkingSeconds > 0)
          const before = quote(tariff, expected).total
          const after = quote(tariff, { ...expected, [grown]: expected[grown] + more }).total
          expect(after.excl_vat).toBeGreaterThanOrEqual(before.excl_vat)
          // With `after_taxes` missing from a limit the total after taxes follows the session's mix of VAT
          // rates, which may fall; only the amount before taxes is then monotonic.
          const limitsStateAfterTaxes = [tariff.min_price, tariff.max_price].every(
            (limit) => !limit || limit.after_taxes != null,
          )
          if (limitsStateAfterTaxes) expect(after.incl_vat).toBeGreaterThanOrEqual(before.incl_vat)
        },
      ),
    )
  })

  it('min_price and max_price always hold, before and after taxes', () => {
    fc.assert(
      fc.property(unrestrictedTariff, charge, (tariff, expected) => {
        const { total } = quote(tariff, expected)
        const { min_price: min, max_price: max } = tariff
        if (min) expect(total.excl_vat).toBeGreaterThanOrEqual(min.before_taxes)
        if (max) expect(total.excl_vat).toBeLessThanOrEqual(max.before_taxes)
        if (min?.after_taxes != null) expect(total.incl_vat).toBeGreaterThanOrEqual(min.after_taxes)
        if (max?.after_taxes != null) expect(total.incl_vat).toBeLessThanOrEqual(max.after_taxes)
      }),
    )
  })

  it('cutting a period into two (volumes in proportion) never changes the total', () => {
    fc.assert(
      fc.property(
        fc.oneof(unrestrictedTariff, timedTariff),
        charge,
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        (tariff, expected, where) => {
          const whole = quote(tariff, expected)
          const [charging, ...rest] = chargingPeriodsOf(expected)
          const cutSeconds = Math.max(1, Math.floor(expected.chargingSeconds * where))
          const cutEnergyMicroWh = Math.round(
            (expected.energyWh * 1e6 * cutSeconds) / expected.chargingSeconds,
          )
          const start = Date.parse(charging!.start_date_time)
          const cut: ChargingPeriod[] = [
            periodAt(start, cutEnergyMicroWh / 1e9, cutSeconds),
            periodAt(
              start + cutSeconds * 1000,
              (expected.energyWh * 1e6 - cutEnergyMicroWh) / 1e9,
              expected.chargingSeconds - cutSeconds,
            ),
            ...rest,
          ]
          const split = priceSession({
            tariffs: [tariff],
            charging_periods: cut,
            time_zone: ZONE,
            end_date_time: endOf(expected),
          })
          // Where the engine cuts the two halves again (at 17:00, say), each half's share is rounded to a
          // whole µWh, which can move a micro-unit of money: a thousandth of a cent at most.
          expect(Math.abs(split.total.excl_vat - whole.total.excl_vat)).toBeLessThanOrEqual(0.00001)
          expect(Math.abs(split.total.incl_vat - whole.total.incl_vat)).toBeLessThanOrEqual(0.00001)
        },
      ),
    )
  })

  it('step_size: energy and the last time dimension are rounded up once per session, to less than one step more', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 100, 500),
        fc.constantFrom(1, 60, 300, 900),
        fc.constantFrom(1, 60, 300, 900),
        charge,
        (energyStep, timeStep, parkingStep, expected) => {
          const tariff = ourTariff({
            elements: [
              {
                price_components: [
                  { type: 'ENERGY', price: 0.3, step_size: energyStep },
                  { type: 'TIME', price: 1, step_size: timeStep },
                  { type: 'PARKING_TIME', price: 2, step_size: parkingStep },
                ],
              },
            ],
          })
          const { billed } = quote(tariff, expected)
          const roundUp = (value: number, step: number) => Math.ceil(value / step) * step
          expect(billed.energy_kwh).toBeCloseTo(roundUp(expected.energyWh, energyStep) / 1000, 9)
          if (expected.parkingSeconds > 0) {
            // Charging followed by parking: only the parking total is rounded (mod_cdrs step_size).
            expect(billed.time_hours).toBeCloseTo(expected.chargingSeconds / 3600, 9)
            expect(billed.parking_hours).toBeCloseTo(roundUp(expected.parkingSeconds, parkingStep) / 3600, 9)
          } else {
            expect(billed.time_hours).toBeCloseTo(roundUp(expected.chargingSeconds, timeStep) / 3600, 9)
          }
        },
      ),
    )
  })

  it('step_size quirk of the spec: a second of parking can make a session cheaper, since charging time is then no longer rounded', () => {
    const tariff = ourTariff({
      elements: [
        {
          price_components: [
            { type: 'TIME', price: 6, step_size: 900 },
            { type: 'PARKING_TIME', price: 0.6, step_size: 1 },
          ],
        },
      ],
    })
    const expected = { startMinute: 0, energyWh: 1000, chargingSeconds: 60, parkingSeconds: 0 }
    expect(quote(tariff, expected).total.excl_vat).toBe(1.5) // 1 minute billed as 15 at 6 €/h
    expect(quote(tariff, { ...expected, parkingSeconds: 1 }).total.excl_vat).toBe(0.100167) // 1 min + 1 s
  })
})

function chargingPeriodsOf(expected: Charge): ChargingPeriod[] {
  const start = START + expected.startMinute * 60_000
  const periods = [periodAt(start, expected.energyWh / 1000, expected.chargingSeconds)]
  if (expected.parkingSeconds > 0) {
    periods.push({
      start_date_time: new Date(start + expected.chargingSeconds * 1000).toISOString(),
      dimensions: [{ type: 'PARKING_TIME', volume: expected.parkingSeconds / 3600 }],
    })
  }
  return periods
}

function periodAt(start: number, energyKwh: number, chargingSeconds: number): ChargingPeriod {
  return {
    start_date_time: new Date(start).toISOString(),
    dimensions: [
      { type: 'ENERGY', volume: energyKwh },
      { type: 'TIME', volume: chargingSeconds / 3600 },
    ],
  }
}

function endOf(expected: Charge): string {
  return new Date(
    START + expected.startMinute * 60_000 + (expected.chargingSeconds + expected.parkingSeconds) * 1000,
  ).toISOString()
}
