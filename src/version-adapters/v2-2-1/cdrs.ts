import type { OcpiObject } from '../contract.ts'
import { withoutBookingDimensions, withoutBookingId } from '../shared/booking-addon.ts'
import {
  mapField,
  mapList,
  mapListLeavingOutRefused,
  type ConversionRun,
  type Step,
} from '../shared/conversion-run.ts'
import { priceDownTo221, priceUpFrom221 } from '../shared/money.ts'
import { refuseUnknownStandard } from '../shared/narrow-locations.ts'
import { V2_2_1 } from '../shared/vocabulary.ts'
import { tariffDown, tariffUp } from './tariffs.ts'
import { tokenDown } from './tokens.ts'

/**
 * CDRs 2.3.0 ↔ 2.2.1: every cost is a Price, the embedded Tariffs convert like pushed ones (a Tariff that
 * cannot go down is left out of the CDR, which stays a valid billing record), cdr_token.type narrows. A
 * connector standard 2.2.1 does not know (MCS, SAE_J3400) is refused: the CDR would name a wrong plug.
 * The Bookings add-on's booking_id and reservation dimensions are dropped.
 */

const CDR_PRICE_FIELDS = [
  'total_cost',
  'total_fixed_cost',
  'total_energy_cost',
  'total_time_cost',
  'total_parking_cost',
  'total_reservation_cost',
] as const

const bookingDimensionsOut = withoutBookingDimensions('2.2.1')

export const cdrDown: Step = (cdr, run, path) => {
  let down = bookingDimensionsOut(withoutBookingId(cdr, run, path, '2.2.1'), run, path)
  for (const field of CDR_PRICE_FIELDS) down = mapField(down, field, priceDownTo221, run, path)
  down = mapField(down, 'cdr_token', tokenDown, run, path)
  down = mapField(
    down,
    'cdr_location',
    (cdrLocation, _run, locationPath) => {
      refuseUnknownStandard(cdrLocation, 'connector_standard', V2_2_1, locationPath)
      return cdrLocation
    },
    run,
    path,
  )
  return mapListLeavingOutRefused(down, 'tariffs', tariffDown, run, path)
}

export const cdrUp: Step = (cdr: OcpiObject, run: ConversionRun, path: string) => {
  let up = cdr
  for (const field of CDR_PRICE_FIELDS) up = mapField(up, field, priceUpFrom221, run, path)
  return mapList(up, 'tariffs', tariffUp, run, path)
}
