import { describe, expect, it } from 'vitest'
import { checkCdrPrice } from '../../src/pricing/cdr-check.ts'
import { PricingError } from '../../src/pricing/pricing-types.ts'
import { quoteCharge } from '../../src/pricing/quote.ts'
import { aCdr } from '../fixtures/cdrs.ts'
import { aTariff } from '../fixtures/tariffs.ts'
import { examplesPresent, ourTariff, specTariff } from './pricing-fixtures.ts'

describe('quoteCharge: the price of an expected charge', () => {
  it.skipIf(!examplesPresent)(
    '20 kWh at 10 kW, then 40 minutes parked, under the spec’s parking tariff: € 7.00 / € 7.90',
    () => {
      const quote = quoteCharge({
        tariffs: [specTariff('tariff_10_025kwh_parking_start')],
        time_zone: 'Europe/Berlin',
        start_date_time: '2025-01-06T08:00:00Z',
        energy_kwh: 20,
        power_kw: 10,
        parking_minutes: 40,
      })
      expect(quote.total).toEqual({ excl_vat: 7, incl_vat: 7.9 })
      expect(quote.periods.map((period) => period.end_date_time)).toEqual([
        '2025-01-06T10:00:00Z',
        '2025-01-06T10:40:00Z',
      ])
    },
  )

  it.skipIf(!examplesPresent)(
    'uses the expected current for current restrictions (the complex tariff on a Monday at 16 A)',
    () => {
      const quote = quoteCharge({
        tariffs: [specTariff('tariff_4_complex')],
        time_zone: 'Europe/Berlin',
        start_date_time: '2025-01-06T08:30:00Z',
        energy_kwh: 10,
        duration_minutes: 165,
        current_a: 16,
        parking_minutes: 42,
      })
      expect(quote.total).toEqual({ excl_vat: 9, incl_vat: 10.3 })
    },
  )

  it('spreads the energy evenly over the charge for kWh restrictions and power over it for power ones', () => {
    const tariff = ourTariff({
      elements: [
        { price_components: [{ type: 'ENERGY', price: 0.4, step_size: 1 }], restrictions: { max_kwh: 5 } },
        { price_components: [{ type: 'ENERGY', price: 0.3, step_size: 1 }], restrictions: { min_power: 50 } },
        { price_components: [{ type: 'ENERGY', price: 0.2, step_size: 1 }] },
      ],
    })
    const quote = (power: number) =>
      quoteCharge({
        tariffs: [tariff],
        time_zone: 'UTC',
        start_date_time: '2025-01-06T08:00:00Z',
        energy_kwh: 25,
        power_kw: power,
      })
    expect(quote(11).total.excl_vat).toBe(5 * 0.4 + 20 * 0.2)
    expect(quote(150).total.excl_vat).toBe(5 * 0.4 + 20 * 0.3)
  })

  it.each([
    ['neither a duration nor a power', { energy_kwh: 10 }],
    ['a negative energy', { energy_kwh: -1, power_kw: 11 }],
    ['a start that is no DateTime', { energy_kwh: 1, power_kw: 11, start_date_time: 'soon' }],
  ])('refuses %s', (_, change) => {
    const expected = {
      tariffs: [aTariff()],
      time_zone: 'UTC',
      start_date_time: '2025-01-06T08:00:00Z',
      ...change,
    }
    expect(() => quoteCharge(expected)).toThrow(PricingError)
  })
})

describe('checkCdrPrice: a CDR priced again from its tariffs', () => {
  const zone = { time_zone: 'Europe/Amsterdam' }

  it('reports each stated cost more than one cent off, before and after taxes', () => {
    const cdr = aCdr({
      total_cost: { before_taxes: 9.4, taxes: [{ name: 'VAT', amount: 1.97 }] },
      total_energy_cost: { before_taxes: 8.3, taxes: [{ name: 'VAT', amount: 1.74 }] },
    })
    const check = checkCdrPrice(cdr, zone)
    expect(check.outcome).toBe('CHECKED')
    if (check.outcome !== 'CHECKED') return
    // The fixture's tariff: 0.50 start, 20 kWh × 0.39, 30 minutes after the first hour × 1.20 €/h, 21 % VAT.
    expect(check.recomputed.total).toEqual({ excl_vat: 8.9, incl_vat: 10.769 })
    expect(check.differences).toEqual([
      { field: 'total_cost', taxes: 'before_taxes', cdr: 9.4, recomputed: 8.9, difference: 0.5 },
      { field: 'total_cost', taxes: 'after_taxes', cdr: 11.37, recomputed: 10.769, difference: 0.601 },
      { field: 'total_energy_cost', taxes: 'before_taxes', cdr: 8.3, recomputed: 7.8, difference: 0.5 },
      { field: 'total_energy_cost', taxes: 'after_taxes', cdr: 10.04, recomputed: 9.438, difference: 0.602 },
    ])
  })

  it('a CPO that rounds VAT per dimension to cents can be more than a cent off on the total (the hub’s own fixture is: 1.88 vs 1.869)', () => {
    const check = checkCdrPrice(aCdr(), zone)
    if (check.outcome !== 'CHECKED') throw new Error(check.detail)
    expect(check.differences).toEqual([
      { field: 'total_cost', taxes: 'after_taxes', cdr: 10.78, recomputed: 10.769, difference: 0.011 },
    ])
    const lenient = checkCdrPrice(aCdr(), { ...zone, tolerance: 0.02 })
    expect(lenient.outcome === 'CHECKED' && lenient.differences).toEqual([])
  })

  it('one cent off is not a difference', () => {
    const cdr = aCdr({
      total_cost: { before_taxes: 8.91, taxes: [{ name: 'VAT', amount: 1.869 }] },
      total_energy_cost: { before_taxes: 7.79 },
    })
    const check = checkCdrPrice(cdr, zone)
    expect(check.outcome === 'CHECKED' && check.differences.map((d) => [d.field, d.taxes])).toEqual([
      ['total_energy_cost', 'after_taxes'], // no taxes stated: 7.79 against 9.438
    ])
  })

  it('prices a CDR without tariffs by the published ones, and says when there are none', () => {
    const cdr = aCdr({
      tariffs: [],
      total_cost: { before_taxes: 8.9, taxes: [{ name: 'VAT', amount: 1.869 }] },
    })
    const published = checkCdrPrice(cdr, { ...zone, published: [aTariff()] })
    expect(published.outcome === 'CHECKED' && published.recomputed.total.excl_vat).toBe(8.9)
    expect(checkCdrPrice(cdr, zone)).toMatchObject({ outcome: 'NOT_CHECKED', reason: 'NO_TARIFFS' })
  })

  it('compares a credit CDR with the negated price', () => {
    const credit = aCdr({
      id: 'CDR-FIXTURE-1-C',
      credit: true,
      credit_reference_id: 'CDR-FIXTURE-1',
      total_cost: { before_taxes: -8.9, taxes: [{ name: 'VAT', amount: -1.869 }] },
      total_fixed_cost: { before_taxes: -0.5, taxes: [{ name: 'VAT', amount: -0.105 }] },
      total_energy_cost: { before_taxes: -7.8, taxes: [{ name: 'VAT', amount: -1.638 }] },
      total_time_cost: { before_taxes: -0.6, taxes: [{ name: 'VAT', amount: -0.126 }] },
    })
    const check = checkCdrPrice(credit, zone)
    expect(check.outcome === 'CHECKED' && check.differences).toEqual([])
  })

  it('does not compare dimensions when a price limit made the total', () => {
    const cdr = aCdr({
      charging_periods: [
        {
          start_date_time: '2026-03-02T10:00:00Z',
          dimensions: [
            { type: 'ENERGY', volume: 0.5 },
            { type: 'TIME', volume: 0.1 },
          ],
          tariff_id: 'AC-STANDARD',
        },
      ],
      end_date_time: '2026-03-02T10:06:00Z',
      total_cost: { before_taxes: 1, taxes: [{ name: 'VAT', amount: 0.21 }] },
      total_energy_cost: { before_taxes: 0.5 },
    })
    const check = checkCdrPrice(cdr, zone)
    expect(check.outcome === 'CHECKED' && check.recomputed.price_limit?.limit).toBe('MIN_PRICE')
    expect(check.outcome === 'CHECKED' && check.differences).toEqual([])
  })

  it('does not check a CDR in another currency than its tariffs', () => {
    expect(checkCdrPrice(aCdr({ currency: 'USD' }), zone)).toMatchObject({
      outcome: 'NOT_CHECKED',
      reason: 'CURRENCY_MISMATCH',
    })
  })
})
