import { describe, expect, it } from 'vitest'
import type { TariffElement } from '../../src/modules/tariffs/tariffs.schema.ts'
import { priceSession } from '../../src/pricing/price-session.ts'
import { PricingError, type PricedTariff, type SessionToPrice } from '../../src/pricing/pricing-types.ts'
import { hours, ourTariff, period, plusMinutes } from './pricing-fixtures.ts'

/** The engine's rules beyond the spec's worked examples: restrictions, time zones, validity, versions, errors. */

const timePrice = (price: number, restrictions?: TariffElement['restrictions']): TariffElement => ({
  price_components: [{ type: 'TIME', price, step_size: 1 }],
  ...(restrictions && { restrictions }),
})
const energyPrice = (price: number, restrictions?: TariffElement['restrictions']): TariffElement => ({
  price_components: [{ type: 'ENERGY', price, step_size: 1 }],
  ...(restrictions && { restrictions }),
})

/** One charging period of `minutes` from `start` (energy at 11 kW), priced by `tariffs`. */
function chargeOf(
  tariffs: PricedTariff[],
  start: string,
  minutes: number,
  timeZone = 'UTC',
  extra: Partial<SessionToPrice> = {},
) {
  return priceSession({
    tariffs,
    charging_periods: [period(start, { ENERGY: (11 * minutes) / 60, TIME: hours(minutes) })],
    end_date_time: plusMinutes(start, minutes),
    time_zone: timeZone,
    ...extra,
  })
}

describe('time restrictions, in the Location’s local time', () => {
  it('cuts a period at start_time / end_time: 16:30–17:30 with a dearer hour from 17:00', () => {
    const tariff = ourTariff({
      elements: [timePrice(4, { start_time: '17:00', end_time: '18:00' }), timePrice(2)],
    })
    const result = chargeOf([tariff], '2025-01-06T16:30:00Z', 60)
    expect(result.periods[0]!.charges.map((charge) => [charge.element_index, charge.volume])).toEqual([
      [1, 0.5],
      [0, 0.5],
    ])
    expect(result.total.excl_vat).toBe(3)
  })

  it('an end_time before start_time wraps past midnight (22:00–06:00), and 00:00 ends the day', () => {
    const night = ourTariff({
      elements: [timePrice(1, { start_time: '22:00', end_time: '06:00' }), timePrice(3)],
    })
    expect(chargeOf([night], '2025-01-06T21:00:00Z', 10 * 60).total.excl_vat).toBe(8 * 1 + 2 * 3)
    const evening = ourTariff({
      elements: [timePrice(1, { start_time: '20:00', end_time: '00:00' }), timePrice(3)],
    })
    expect(chargeOf([evening], '2025-01-06T19:00:00Z', 6 * 60).total.excl_vat).toBe(4 * 1 + 2 * 3)
  })

  it('reads local time in the Location’s zone: 17:00 in Tokyo is 08:00 UTC', () => {
    const tariff = ourTariff({ elements: [timePrice(4, { start_time: '17:00' }), timePrice(2)] })
    expect(chargeOf([tariff], '2025-01-06T07:00:00Z', 120, 'Asia/Tokyo').total.excl_vat).toBe(2 + 4)
    expect(chargeOf([tariff], '2025-01-06T07:00:00Z', 120, 'UTC').total.excl_vat).toBe(4)
  })

  it('follows summer time: 08:00 in Amsterdam is 06:00 UTC on the day the clocks go forward (2025-03-30)', () => {
    const tariff = ourTariff({ elements: [timePrice(1, { end_time: '08:00' }), timePrice(2)] })
    // 00:00–08:00 UTC = 01:00 CET … 10:00 CEST: 6 hours before 08:00 local, 2 after.
    expect(chargeOf([tariff], '2025-03-30T00:00:00Z', 8 * 60, 'Europe/Amsterdam').total.excl_vat).toBe(
      6 + 2 * 2,
    )
    // The clocks go back on 2025-10-26: 00:00–08:00 UTC = 02:00 CEST … 09:00 CET: 7 hours before 08:00 local.
    expect(chargeOf([tariff], '2025-10-26T00:00:00Z', 8 * 60, 'Europe/Amsterdam').total.excl_vat).toBe(7 + 2)
  })

  it('start_date is inclusive, end_date exclusive, both local dates; day_of_week is the local weekday', () => {
    const dates = ourTariff({
      elements: [timePrice(5, { start_date: '2025-01-07', end_date: '2025-01-08' }), timePrice(1)],
    })
    // 2025-01-06 22:00 UTC → 2025-01-08 02:00 UTC in Berlin (UTC+1): the 7th local is 23:00–23:00 UTC.
    const result = chargeOf([dates], '2025-01-06T22:00:00Z', 28 * 60, 'Europe/Berlin')
    expect(result.total.excl_vat).toBe(24 * 5 + 4 * 1)
    const sunday = ourTariff({ elements: [timePrice(3, { day_of_week: ['SUNDAY'] }), timePrice(1)] })
    // Saturday 2025-01-11 23:30 UTC is Sunday 00:30 in Berlin.
    expect(chargeOf([sunday], '2025-01-11T23:30:00Z', 60, 'Europe/Berlin').total.excl_vat).toBe(3)
    expect(chargeOf([sunday], '2025-01-11T23:30:00Z', 60, 'UTC').total.excl_vat).toBe(0.5 + 1.5)
  })
})

describe('session restrictions', () => {
  it('min_kwh / max_kwh cut a period where the session’s energy crosses them (energy spread evenly)', () => {
    const tariff = ourTariff({
      elements: [energyPrice(0.3, { max_kwh: 10 }), energyPrice(0.2, { min_kwh: 10 })],
    })
    const result = priceSession({
      tariffs: [tariff],
      charging_periods: [period('2025-01-06T08:00:00Z', { ENERGY: 20, TIME: 2 })],
      time_zone: 'UTC',
    })
    expect(result.periods[0]!.charges.map((charge) => [charge.volume, charge.start_date_time])).toEqual([
      [10, '2025-01-06T08:00:00Z'],
      [10, '2025-01-06T09:00:00Z'],
    ])
    expect(result.total.excl_vat).toBe(5)
  })

  it('min_duration / max_duration count from the start of the charge', () => {
    const tariff = ourTariff({
      elements: [
        timePrice(0, { max_duration: 1800 }),
        timePrice(6, { min_duration: 1800, max_duration: 3600 }),
        timePrice(12),
      ],
    })
    expect(chargeOf([tariff], '2025-01-06T08:00:00Z', 90).total.excl_vat).toBe(0 + 3 + 6)
  })

  it('min_power / max_power use the period’s power dimensions, else the power its energy and time imply', () => {
    const tariff = ourTariff({ elements: [energyPrice(0.5, { min_power: 22 }), energyPrice(0.3)] })
    const fast = priceSession({
      tariffs: [tariff],
      charging_periods: [period('2025-01-06T08:00:00Z', { ENERGY: 50, TIME: 1 })], // 50 kW implied
      time_zone: 'UTC',
    })
    expect(fast.total.excl_vat).toBe(25)
    const slowDeclared = priceSession({
      tariffs: [tariff],
      charging_periods: [
        period('2025-01-06T08:00:00Z', { ENERGY: 50, TIME: 1, MIN_POWER: 11, MAX_POWER: 60 }),
      ],
      time_zone: 'UTC',
    })
    expect(slowDeclared.total.excl_vat).toBe(15) // its lowest power, 11 kW, is below 22
  })

  it('a current restriction does not hold when the period says nothing about current', () => {
    const tariff = ourTariff({
      elements: [timePrice(2, { min_current: 32 }), timePrice(1, { max_current: 32 })],
    })
    expect(chargeOf([tariff], '2025-01-06T08:00:00Z', 60).total.excl_vat).toBe(0)
    const withCurrent = priceSession({
      tariffs: [tariff],
      charging_periods: [period('2025-01-06T08:00:00Z', { TIME: 1, CURRENT: 40 })],
      time_zone: 'UTC',
    })
    expect(withCurrent.total.excl_vat).toBe(2)
  })
})

describe('flat fees and reservations', () => {
  it('a flat fee is due once, at the first stretch where a FLAT component applies (here after 30 minutes)', () => {
    const tariff = ourTariff({
      elements: [
        {
          price_components: [{ type: 'FLAT', price: 1.5, step_size: 1 }],
          restrictions: { min_duration: 1800 },
        },
        timePrice(2),
      ],
    })
    const result = priceSession({
      tariffs: [tariff],
      charging_periods: [
        period('2025-01-06T08:00:00Z', { TIME: 0.5 }),
        period('2025-01-06T08:30:00Z', { TIME: 0.5 }),
        period('2025-01-06T09:00:00Z', { TIME: 0.5 }),
      ],
      time_zone: 'UTC',
    })
    expect(result.costs.fixed.excl_vat).toBe(1.5)
    expect(result.periods[1]!.charges.map((charge) => charge.dimension)).toEqual(['FLAT', 'TIME'])
  })

  it('reservation time is free under a tariff without reservation elements, and a charge’s TIME element does not price it', () => {
    const result = priceSession({
      tariffs: [ourTariff({ elements: [timePrice(2)] })],
      charging_periods: [
        period('2025-01-06T08:00:00Z', { RESERVATION_TIME: 0.5 }),
        period('2025-01-06T08:30:00Z', { TIME: 1 }),
      ],
      time_zone: 'UTC',
    })
    expect(result.costs.reservation.excl_vat).toBe(0)
    expect(result.total.excl_vat).toBe(2)
  })

  it('an element with a booking restriction (Bookings add-on) prices no charge: the next element does', () => {
    const tariff = ourTariff({ elements: [energyPrice(5, { booking: 'BOOKING' }), energyPrice(0.3)] })
    const result = chargeOf([tariff], '2025-01-06T08:00:00Z', 60)
    expect(result.costs.energy.excl_vat).toBeCloseTo(11 * 0.3, 6)
  })
})

describe('tariff validity and versions', () => {
  const start = '2025-01-06T11:00:00Z'

  it('a tariff ending during the session hands over to the next tariff valid then (connector with old and new ids)', () => {
    const old = ourTariff({ id: 'OLD', end_date_time: '2025-01-06T12:00:00Z', elements: [timePrice(2)] })
    const next = ourTariff({ id: 'NEW', start_date_time: '2025-01-06T12:00:00Z', elements: [timePrice(3)] })
    const result = chargeOf([old, next], start, 120)
    expect(result.periods[0]!.charges.map((charge) => charge.tariff_id)).toEqual(['OLD', 'NEW'])
    expect(result.total.excl_vat).toBe(5)
  })

  it('a period naming a tariff outside its validity is free and noted; an unknown tariff too', () => {
    const old = ourTariff({ id: 'OLD', end_date_time: '2025-01-06T12:00:00Z', elements: [timePrice(2)] })
    const late = priceSession({
      tariffs: [old],
      charging_periods: [
        period('2025-01-06T12:30:00Z', { TIME: 1 }, 'OLD'),
        period('2025-01-06T13:30:00Z', { TIME: 1 }, 'GONE'),
      ],
      time_zone: 'UTC',
    })
    expect(late.total.excl_vat).toBe(0)
    expect(late.notes).toEqual([
      { period_index: 0, reason: 'TARIFF_NOT_VALID', tariff_id: 'OLD' },
      { period_index: 1, reason: 'UNKNOWN_TARIFF', tariff_id: 'GONE' },
    ])
  })

  it('a period without tariff_id when no tariff is valid then is free, with a note', () => {
    const future = ourTariff({ start_date_time: '2025-02-01T00:00:00Z', elements: [timePrice(2)] })
    const result = chargeOf([future], start, 60)
    expect(result.total.excl_vat).toBe(0)
    expect(result.notes).toEqual([{ period_index: 0, reason: 'NO_VALID_TARIFF' }])
  })

  it('dynamic pricing: each moment is priced by the version of the tariff valid then', () => {
    const morning = ourTariff({ id: 'DYN', elements: [energyPrice(0.3)], min_price: { before_taxes: 1 } })
    const noon = {
      ...ourTariff({ id: 'dyn', elements: [energyPrice(0.5)] }),
      valid_from: '2025-01-06T12:00:00Z',
    }
    const result = chargeOf([noon, morning], start, 120) // 11 kWh before noon, 11 after
    expect(result.periods[0]!.charges.map((charge) => [charge.price, charge.volume])).toEqual([
      [0.3, 11],
      [0.5, 11],
    ])
    expect(result.total.excl_vat).toBe(3.3 + 5.5)
    const tiny = chargeOf([noon, morning], start, 1)
    expect(tiny.price_limit?.limit).toBe('MIN_PRICE') // the version that priced the start has the min_price
  })
})

describe('taxes', () => {
  it('tax_included YES: the price includes the component’s VAT', () => {
    const tariff = ourTariff({
      tax_included: 'YES',
      elements: [{ price_components: [{ type: 'TIME', price: 1.21, vat: 21, step_size: 1 }] }],
    })
    expect(chargeOf([tariff], '2025-01-06T08:00:00Z', 60).total).toEqual({ excl_vat: 1, incl_vat: 1.21 })
  })

  it('tax_included N/A: no taxes, whatever vat says', () => {
    const tariff = ourTariff({
      tax_included: 'N/A',
      elements: [{ price_components: [{ type: 'TIME', price: 2, vat: 21, step_size: 1 }] }],
    })
    const result = chargeOf([tariff], '2025-01-06T08:00:00Z', 60)
    expect(result.total).toEqual({ excl_vat: 2, incl_vat: 2 })
    expect(result.incl_vat_known && result.excl_vat_known).toBe(true)
  })
})

describe('input', () => {
  const tariff = ourTariff({ elements: [timePrice(2)] })

  it('reads a restriction field that is null as absent (OCPI: absent and null are alike)', () => {
    const tariff = ourTariff({
      elements: [{ ...timePrice(3), restrictions: { max_kwh: null, day_of_week: null, start_time: null } }],
    })
    expect(chargeOf([tariff], '2025-01-06T08:00:00Z', 60).total.excl_vat).toBe(3)
  })

  it('periods out of order are priced in time order and reported at their input index', () => {
    const result = priceSession({
      tariffs: [tariff],
      charging_periods: [
        period('2025-01-06T09:00:00Z', { TIME: 0.5 }),
        period('2025-01-06T08:00:00Z', { TIME: 1 }),
      ],
      time_zone: 'UTC',
    })
    expect(
      result.periods.map((p) => [p.period_index, p.start_date_time, p.end_date_time, p.cost.excl_vat]),
    ).toEqual([
      [0, '2025-01-06T09:00:00Z', '2025-01-06T09:30:00Z', 1],
      [1, '2025-01-06T08:00:00Z', '2025-01-06T09:00:00Z', 2],
    ])
  })

  it.each([
    ['an unknown time zone', { time_zone: 'Mars/Olympus' }, 'INVALID_TIME_ZONE'],
    ['a tariff in another currency', { currency: 'USD' }, 'CURRENCY_MISMATCH'],
    [
      'a period start that is no DateTime',
      { charging_periods: [period('yesterday', { TIME: 1 })] },
      'INVALID_INPUT',
    ],
    ['no periods', { charging_periods: [] }, 'INVALID_INPUT'],
  ])('refuses %s with a PricingError', (_, change, code) => {
    const session: SessionToPrice = {
      tariffs: [tariff],
      charging_periods: [period('2025-01-06T08:00:00Z', { TIME: 1 })],
      time_zone: 'UTC',
      ...change,
    }
    expect(() => priceSession(session)).toThrow(PricingError)
    expect(() => priceSession(session)).toThrow(expect.objectContaining({ code }) as Error)
  })
})
