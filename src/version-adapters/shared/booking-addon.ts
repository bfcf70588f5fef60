import type { OcpiVersion } from '../../core/ocpi-versions.ts'
import { ConversionRefused, type OcpiObject } from '../contract.ts'
import {
  dropFields,
  isObject,
  isSet,
  lose,
  mapList,
  type ConversionRun,
  type Step,
} from './conversion-run.ts'
import { periodKeepingDimensions } from './period-dimensions.ts'

/**
 * What the Bookings add-on (Booking 1.1, on top of 2.3.0) adds to other modules, taken out for 2.2.1 and
 * 2.1.1 receivers, which have no bookings: a CDR's booking_id, the two reservation dimensions of a
 * charging period, and Tariff elements that price a booking (docs/modules/bookings.md).
 */

const BOOKING_DIMENSION_TYPES: readonly unknown[] = ['RESERVATION_EXPIRES', 'RESERVATION_OVERTIME']

/** A CDR's booking_id, dropped with a loss line. */
export function withoutBookingId(cdr: OcpiObject, run: ConversionRun, path: string, version: OcpiVersion) {
  return dropFields(cdr, ['booking_id'], run, path, version)
}

/** Charging periods without the booking dimensions; a period left without any dimension is left out. */
export function withoutBookingDimensions(version: OcpiVersion): Step {
  const period = periodKeepingDimensions((type) => !BOOKING_DIMENSION_TYPES.includes(type), version)
  return (value, run, path) => mapList(value, 'charging_periods', period, run, path)
}

/**
 * A Tariff without its booking elements: they price a booking, which the receiver cannot make, so leaving
 * them out keeps the charging prices right. A Tariff that prices only bookings is refused.
 */
export function withoutBookingElements(version: OcpiVersion): Step {
  return (tariff, run, path) => {
    const down = mapList(
      tariff,
      'elements',
      (element, innerRun, elementPath) => {
        const restrictions = element.restrictions
        if (!isObject(restrictions) || !isSet(restrictions.booking)) return element
        lose(
          innerRun,
          elementPath,
          `left out (priced for ${String(restrictions.booking)}; OCPI ${version} has no bookings)`,
        )
        return undefined
      },
      run,
      path,
    )
    if (Array.isArray(down.elements) && down.elements.length === 0) {
      throw new ConversionRefused(
        `${path}.elements`,
        `every element prices a booking (none in OCPI ${version})`,
      )
    }
    return down
  }
}
