import { describe, expect, it } from 'vitest'
import type { TariffElement } from '../../src/modules/tariffs/tariffs.schema.ts'
import { checkCdrPrice } from '../../src/pricing/cdr-check.ts'
import { priceSession } from '../../src/pricing/price-session.ts'
import type { SessionToPrice } from '../../src/pricing/pricing-types.ts'
import { aCdr } from '../fixtures/cdrs.ts'
import { ourTariff, period } from './pricing-fixtures.ts'

/**
 * The engine prices a booking's part of a CDR (Bookings add-on, Booking 1.1 Tariffs; docs/pricing.md):
 * with `booking_id` set, the reservation periods are the booking's, priced first by `booking` elements;
 * `RESERVATION_EXPIRES` (booked time not used) first by `BOOKING_EXPIRES` ones; `RESERVATION_OVERTIME`
 * (charging after the slot) by `BOOKING_OVERTIME` ones. Every expected amount is worked out by hand.
 */

type Restrictions = TariffElement['restrictions']
const flat = (price: number, restrictions?: Restrictions): TariffElement => ({
  price_components: [{ type: 'FLAT', price, step_size: 1 }],
  ...(restrictions && { restrictions }),
})
const time = (price: number, step_size: number, restrictions?: Restrictions): TariffElement => ({
  price_components: [{ type: 'TIME', price, step_size }],
  ...(restrictions && { restrictions }),
})
const energy = (price: number): TariffElement => ({
  price_components: [{ type: 'ENERGY', price, vat: 20, step_size: 1 }],
})

/**
 * A booking tariff: a 2.00 booking fee and 1.20/h of booked time (per 15 minutes), 3.00/h for booked time
 * not used (per minute), 6.00/h of overtime (per 5 minutes); the charge at 0.40/kWh; a reservation
 * element (0.60/h) that only prices reservations outside bookings, or a booking without booking elements.
 */
const BOOKING_TARIFF = ourTariff({
  elements: [
    flat(2, { booking: 'BOOKING' }),
    time(1.2, 900, { booking: 'BOOKING' }),
    time(3, 60, { booking: 'BOOKING_EXPIRES' }),
    time(6, 300, { booking: 'BOOKING_OVERTIME' }),
    flat(25, { booking: 'BOOKING_CANCELLATION_FEES' }),
    time(0.6, 1, { reservation: 'RESERVATION' }),
    energy(0.4),
  ],
})

/** 40 minutes booked, then 1 h charging 22 kWh, the last 10 minutes after the booked slot. */
const BOOKED_AND_CHARGED = [
  period('2026-12-09T09:20:00Z', { RESERVATION_TIME: 40 / 60 }),
  period('2026-12-09T10:00:00Z', { ENERGY: 22, TIME: 1 }),
  period('2026-12-09T11:00:00Z', { RESERVATION_OVERTIME: 10 / 60 }),
]

const priced = (session: Partial<SessionToPrice> & Pick<SessionToPrice, 'charging_periods'>) =>
  priceSession({ tariffs: [BOOKING_TARIFF], time_zone: 'Europe/Amsterdam', ...session })

describe('a booking’s part of a CDR, priced by Booking 1.1 Tariffs', () => {
  it('booked time, its fee, the charge and the overtime: each by its own element', () => {
    const result = priced({ charging_periods: BOOKED_AND_CHARGED, booking_id: 'BK1' })
    // Booking fee 2.00; 40 min booked, rounded to 45 min (15-minute steps): 0.75 h × 1.20 = 0.90;
    // overtime 10 min (5-minute steps, none added): 1/6 h × 6.00 = 1.00. Reservation: 3.90.
    expect(result.costs.reservation.excl_vat).toBeCloseTo(2 + 0.9 + 1, 6)
    expect(result.costs.reservation.incl_vat).toBeCloseTo(3.9, 6)
    // The charge: 22 kWh × 0.40 = 8.80, 20 % VAT = 10.56; no charging-time component.
    expect(result.costs.energy).toEqual({ excl_vat: 8.8, incl_vat: 10.56 })
    expect(result.costs.time.excl_vat).toBe(0)
    expect(result.total.excl_vat).toBeCloseTo(12.7, 6)
    expect(result.billed.reservation_hours).toBeCloseTo(0.75 + 10 / 60, 6)
    const elementsUsed = result.periods.map((p) => p.charges.map((charge) => charge.element_index))
    expect(elementsUsed).toEqual([[0, 1], [6], [3]])
  })

  it('without booking_id the same periods are a reservation: booking elements price nothing, overtime is free', () => {
    const result = priced({ charging_periods: BOOKED_AND_CHARGED })
    // 40 min at the RESERVATION element's 0.60/h (1-second steps) = 0.40.
    expect(result.costs.reservation.excl_vat).toBeCloseTo(0.4, 6)
    expect(result.total.excl_vat).toBeCloseTo(0.4 + 8.8, 6)
  })

  it('booked time not used (RESERVATION_EXPIRES) is priced by BOOKING_EXPIRES before BOOKING, with the booking fee', () => {
    const result = priced({
      charging_periods: [period('2026-12-09T09:00:00Z', { RESERVATION_EXPIRES: 50 / 60 })],
      booking_id: 'BK2',
    })
    // Fee 2.00 + 50 min × 3.00/h = 2.50 (1-minute steps): 4.50.
    expect(result.total.excl_vat).toBeCloseTo(4.5, 6)
    expect(result.periods[0]!.charges.map((charge) => charge.element_index)).toEqual([0, 2])
  })

  it('a booking under a tariff without booking elements is priced as a reservation; cancellation fees are never charged', () => {
    const reservationOnly = ourTariff({
      elements: [time(0.6, 1, { reservation: 'RESERVATION' }), energy(0.4)],
    })
    const result = priceSession({
      tariffs: [reservationOnly],
      charging_periods: BOOKED_AND_CHARGED,
      booking_id: 'BK3',
      time_zone: 'UTC',
    })
    // 40 min × 0.60/h = 0.40 reserved; no element prices the overtime; 8.80 for the energy.
    expect(result.costs.reservation.excl_vat).toBeCloseTo(0.4, 6)
    expect(result.total.excl_vat).toBeCloseTo(9.2, 6)
  })

  it('the CDR check prices a CDR with booking_id by the booking elements and finds a CDR that billed the reservation rate', () => {
    const cdr = (reservationCost: number) => ({
      ...aCdr({
        booking_id: 'BK1',
        start_date_time: '2026-12-09T09:20:00Z',
        end_date_time: '2026-12-09T11:10:00Z',
        charging_periods: BOOKED_AND_CHARGED,
        total_cost: { before_taxes: 8.8 + reservationCost },
        total_fixed_cost: undefined,
        total_energy_cost: { before_taxes: 8.8 },
        total_time_cost: undefined,
        total_reservation_cost: { before_taxes: reservationCost },
      }),
      tariffs: [BOOKING_TARIFF],
    })
    const right = checkCdrPrice(cdr(3.9), { time_zone: 'Europe/Amsterdam' })
    expect(
      right.outcome === 'CHECKED' && right.differences.filter((d) => d.taxes === 'before_taxes'),
    ).toEqual([])
    const wrong = checkCdrPrice(cdr(0.4), { time_zone: 'Europe/Amsterdam' })
    expect(
      wrong.outcome === 'CHECKED' && wrong.differences.map((d) => [d.field, d.taxes, d.recomputed]),
    ).toEqual(
      expect.arrayContaining([
        ['total_reservation_cost', 'before_taxes', 3.9],
        ['total_cost', 'before_taxes', 12.7],
      ]),
    )
  })
})
