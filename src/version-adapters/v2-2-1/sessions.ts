import { withoutBookingDimensions } from '../shared/booking-addon.ts'
import { mapField, type Step } from '../shared/conversion-run.ts'
import { priceDownTo221, priceUpFrom221 } from '../shared/money.ts'
import { tokenDown } from './tokens.ts'

/**
 * Sessions 2.3.0 ↔ 2.2.1: total_cost is a Price, cdr_token.type narrows, the Bookings add-on's reservation
 * dimensions are left out. Nothing else differs.
 */

const bookingDimensionsOut = withoutBookingDimensions('2.2.1')

export const sessionDown: Step = (session, run, path) => {
  const down = mapField(bookingDimensionsOut(session, run, path), 'total_cost', priceDownTo221, run, path)
  return mapField(down, 'cdr_token', tokenDown, run, path)
}

export const sessionUp: Step = (session, run, path) =>
  mapField(session, 'total_cost', priceUpFrom221, run, path)
