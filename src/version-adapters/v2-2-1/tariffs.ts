import { withoutBookingElements } from '../shared/booking-addon.ts'
import { dropFields, mapField, type Step } from '../shared/conversion-run.ts'
import { priceLimitDownTo221, priceLimitUpFrom221 } from '../shared/money.ts'
import { narrowEnergyMix } from '../shared/narrow-locations.ts'
import { withoutTaxIncluded, withTaxIncludedNo } from '../shared/tariff-taxes.ts'
import { V2_2_1 } from '../shared/vocabulary.ts'

/**
 * Tariffs 2.3.0 ↔ 2.2.1: tax_included, PriceLimit ↔ Price for min/max_price, preauthorize_amount, the
 * Bookings add-on's booking elements.
 */

const PRICE_LIMITS = ['min_price', 'max_price'] as const
const bookingElementsOut = withoutBookingElements('2.2.1')

export const tariffDown: Step = (tariff, run, path) => {
  let down = bookingElementsOut(withoutTaxIncluded(tariff, run, path, '2.2.1'), run, path)
  down = dropFields(down, ['preauthorize_amount'], run, path, '2.2.1')
  for (const field of PRICE_LIMITS) down = mapField(down, field, priceLimitDownTo221, run, path)
  return narrowEnergyMix(down, V2_2_1, run, path)
}

export const tariffUp: Step = (tariff, run, path) => {
  let up = withTaxIncludedNo(tariff, run)
  for (const field of PRICE_LIMITS) up = mapField(up, field, priceLimitUpFrom221, run, path)
  return up
}
