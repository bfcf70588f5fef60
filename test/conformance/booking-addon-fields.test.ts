import { existsSync, readFileSync } from 'node:fs'
import type { TSchema } from '@sinclair/typebox'
import { describe, expect, it } from 'vitest'
import { Booking, BookingPatch } from '../../src/modules/bookings/bookings.schema.ts'
import { Cdr } from '../../src/modules/cdrs/cdrs.schema.ts'
import { Tariff } from '../../src/modules/tariffs/tariffs.schema.ts'
import { compileOcpiValidator } from '../../src/transport/schema-validation.ts'
import type { ConversionContext } from '../../src/version-adapters/contract.ts'
import { fromCanonical } from '../../src/version-adapters/converters.ts'
import { aCdr } from '../fixtures/cdrs.ts'
import { setAt } from '../fixtures/json-path.ts'
import { aSession } from '../fixtures/sessions.ts'
import { aTariff } from '../fixtures/tariffs.ts'

/**
 * What the Bookings add-on (Booking 1.1, mod_cdrs and mod_tariffs of 2.3.0/release/bookings) adds to other
 * modules: the schemas accept it from 2.3.0 senders, and none of it reaches a 2.2.1 or 2.1.1 receiver.
 */

function validator(schema: TSchema): (value: unknown) => string {
  const validate = compileOcpiValidator(schema)
  return (value) => {
    const result = validate(value)
    return result.ok ? 'valid' : result.message
  }
}

const checkCdr = validator(Cdr)
const checkTariff = validator(Tariff)
const FULL: ConversionContext = { partial: false }

/** A CDR of a booking: the charge ran 15 minutes past the slot, and 10 reserved minutes went unused. */
function aBookedCdr() {
  const cdr = aCdr({ booking_id: 'BOOKING-1' })
  const [first, second] = cdr.charging_periods
  if (!first || !second) throw new Error('aCdr() has two charging periods')
  return {
    ...cdr,
    charging_periods: [
      {
        ...first,
        dimensions: [...first.dimensions, { type: 'RESERVATION_EXPIRES' as const, volume: 0.1667 }],
      },
      second,
      {
        start_date_time: cdr.end_date_time,
        dimensions: [{ type: 'RESERVATION_OVERTIME' as const, volume: 0.25 }],
      },
    ],
  }
}

/** A Tariff with a charging element and the four booking elements (FLAT and TIME only, as the add-on says). */
function aBookingTariff() {
  const booking = (restriction: string, type: 'FLAT' | 'TIME', price: number) => ({
    price_components: [{ type, price, step_size: type === 'TIME' ? 60 : 1 }],
    restrictions: { booking: restriction },
  })
  return aTariff({
    min_price: null,
    max_price: null,
    elements: [
      booking('BOOKING', 'FLAT', 2),
      booking('BOOKING_EXPIRES', 'TIME', 5),
      booking('BOOKING_CANCELLATION_FEES', 'FLAT', 3),
      booking('BOOKING_OVERTIME', 'TIME', 10),
      { price_components: [{ type: 'ENERGY', price: 0.39, step_size: 1 }] },
    ],
  } as Partial<Tariff>)
}

describe('schemas accept the add-on fields', () => {
  it('CDR booking_id: a CiString(36)', () => {
    expect(checkCdr(aCdr({ booking_id: 'B'.repeat(36) }))).toBe('valid')
    expect(checkCdr(aCdr({ booking_id: 'B'.repeat(37) }))).toBe(
      'booking_id: must NOT have more than 36 characters',
    )
    expect(checkCdr(aCdr({ booking_id: 'bé' }))).toMatch(/^booking_id: /)
  })

  it('CdrDimensionType RESERVATION_EXPIRES and RESERVATION_OVERTIME', () => {
    expect(checkCdr(aBookedCdr())).toBe('valid')
    expect(
      checkCdr(setAt(aCdr(), ['charging_periods', 0, 'dimensions', 0, 'type'], 'RESERVATION_NO_SHOW')),
    ).toMatch(/RESERVATION_EXPIRES, RESERVATION_OVERTIME\)$/)
  })

  it('TariffRestrictions booking: the four BookingRestrictionType values, nothing else', () => {
    expect(checkTariff(aBookingTariff())).toBe('valid')
    const wrong = setAt(aBookingTariff(), ['elements', 0, 'restrictions', 'booking'], 'BOOKED')
    expect(checkTariff(wrong)).toBe(
      'elements[0].restrictions.booking: must be equal to one of the allowed values ' +
        '(BOOKING, BOOKING_EXPIRES, BOOKING_CANCELLATION_FEES, BOOKING_OVERTIME)',
    )
  })
})

describe('2.2.1 and 2.1.1 receivers get nothing of bookings', () => {
  it('2.3.0 receivers get the add-on fields as sent', () => {
    const cdr = aBookedCdr()
    expect(fromCanonical('2.3.0', 'CDR', cdr, FULL).value).toEqual(cdr)
  })

  it.each(['2.2.1', '2.1.1'] as const)(
    '%s CDR: booking_id and the booking dimensions left out',
    (version) => {
      const down = fromCanonical(version, 'CDR', aBookedCdr(), FULL)
      expect(down.value).not.toHaveProperty('booking_id')
      expect(JSON.stringify(down.value)).not.toMatch(/RESERVATION_(EXPIRES|OVERTIME)/)
      // The overtime period had no other dimension, so it is left out; the first keeps its energy and time.
      expect(down.value.charging_periods).toHaveLength(2)
      expect(down.losses).toContain('CDR.booking_id: dropped (not in OCPI ' + version + ')')
      expect(down.losses).toContain(`CDR.charging_periods[2]: left out (no dimension left)`)
    },
  )

  it('2.2.1 Session: the booking dimensions left out of its charging periods', () => {
    const session = aSession()
    const period = session.charging_periods?.[0]
    if (!period) throw new Error('aSession() has a charging period')
    const booked = {
      ...session,
      charging_periods: [
        {
          ...period,
          dimensions: [...period.dimensions, { type: 'RESERVATION_OVERTIME' as const, volume: 1 }],
        },
      ],
    }
    const down = fromCanonical('2.2.1', 'Session', booked, FULL)
    expect(JSON.stringify(down.value)).not.toMatch(/RESERVATION_OVERTIME/)
    expect(down.losses).toContain(
      `Session.charging_periods[0].dimensions[${String(period.dimensions.length)}]: ` +
        'RESERVATION_OVERTIME left out (unknown in OCPI 2.2.1)',
    )
  })

  it.each(['2.2.1', '2.1.1'] as const)(
    '%s Tariff: booking elements left out, the charging price kept',
    (version) => {
      const down = fromCanonical(version, 'Tariff', aBookingTariff(), FULL)
      expect(down.value.elements).toEqual([
        { price_components: [{ type: 'ENERGY', price: 0.39, step_size: 1 }] },
      ])
      expect(down.losses.filter((loss) => loss.includes('priced for BOOKING'))).toHaveLength(4)
    },
  )

  it.each(['2.2.1', '2.1.1'] as const)('%s Tariff pricing only bookings is refused', (version) => {
    const tariff = aBookingTariff()
    const onlyBookings = { ...tariff, elements: tariff.elements.slice(0, 4) }
    expect(() => fromCanonical(version, 'Tariff', onlyBookings, FULL)).toThrow(
      /every element prices a booking|no element of this Tariff prices charging/,
    )
  })
})

const EXAMPLES = new URL('../../../shared/spec/examples/bookings-addon/', import.meta.url)
const examplesPresent = existsSync(EXAMPLES)
if (!examplesPresent) console.warn(`bookings: spec examples skipped, ${EXAMPLES.pathname} is absent`)
const example = (file: string) =>
  JSON.parse(readFileSync(new URL(file, EXAMPLES), 'utf8')) as Record<string, unknown>

describe.skipIf(!examplesPresent)('spec Booking examples (draft quality, examples README)', () => {
  const checkBooking = validator(Booking)
  const checkBookingPatch = validator(BookingPatch)

  it('the Booking example is refused for its 5-character party ids, valid once they are 3', () => {
    const booking = example('examples__booking_example.json')
    expect(checkBooking(booking)).toBe('party_id: must NOT have more than 3 characters')
    const tokens = booking.booking_tokens as Record<string, unknown>[]
    const fixed = {
      ...booking,
      party_id: 'INF',
      booking_tokens: tokens.map((t) => ({ ...t, party_id: 'INF' })),
    }
    expect(checkBooking(fixed)).toBe('valid')
  })

  it('the Booking PATCH examples are valid: a status update, and the 1.0 top-level evse_uid passed on', () => {
    expect(checkBookingPatch(example('examples__booking_patch_example_status_update.json'))).toBe('valid')
    expect(checkBookingPatch(example('examples__booking_patch_example_evse_uid.json'))).toBe('valid')
  })
})
