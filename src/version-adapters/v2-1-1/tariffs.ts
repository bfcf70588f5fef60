import { ConversionRefused, type OcpiObject } from '../contract.ts'
import {
  dropFields,
  isObject,
  isSet,
  lose,
  mapList,
  omitFields,
  requireOwner,
  type ConversionRun,
  type Step,
} from '../shared/conversion-run.ts'
import { narrowEnergyMix } from '../shared/narrow-locations.ts'
import { withoutTaxIncluded, withTaxIncludedNo } from '../shared/tariff-taxes.ts'
import { V2_1_1 } from '../shared/vocabulary.ts'
import { energyMixDown, energyMixUp } from './energy-mix.ts'

/**
 * Tariffs 2.3.0 ↔ 2.1.1. A 2.1.1 Tariff is a list of elements of prices excluding VAT, with fewer
 * restrictions. Down, each 2.3.0 field is either dropped with a loss line (informative: type, vat,
 * end_date_time, preauthorize_amount) or refused when leaving it out changes what the driver pays:
 * min_price/max_price, a start_date_time (a future Tariff would look current), and min_current/
 * max_current restrictions (the element would apply at every current). Elements restricted to a
 * reservation are left out: 2.1.1 prices no reservations, so without them the Tariff still prices charging
 * right. Elements that price a booking (Bookings add-on) are left out for the same reason.
 */

const REFUSED_FIELDS = ['min_price', 'max_price', 'start_date_time'] as const
const REFUSED_RESTRICTIONS = ['min_current', 'max_current'] as const

function elementDown(element: OcpiObject, run: ConversionRun, path: string): OcpiObject | undefined {
  const restrictions = element.restrictions
  if (isObject(restrictions)) {
    if (isSet(restrictions.booking)) {
      lose(run, path, `left out (priced for ${String(restrictions.booking)}; 2.1.1 has no bookings)`)
      return undefined
    }
    if (isSet(restrictions.reservation)) {
      lose(
        run,
        path,
        `left out (priced for ${String(restrictions.reservation)}; 2.1.1 has no reservation prices)`,
      )
      return undefined
    }
    for (const field of REFUSED_RESTRICTIONS) {
      if (isSet(restrictions[field])) {
        throw new ConversionRefused(
          `${path}.restrictions.${field}`,
          'OCPI 2.1.1 cannot restrict a price by current',
        )
      }
    }
    element = {
      ...element,
      restrictions: omitFields(restrictions, ['reservation', ...REFUSED_RESTRICTIONS]),
    }
  }
  return mapList(
    element,
    'price_components',
    (component, innerRun, componentPath) => dropFields(component, ['vat'], innerRun, componentPath, '2.1.1'),
    run,
    path,
  )
}

export const tariffDown: Step = (tariff, run, path) => {
  for (const field of REFUSED_FIELDS) {
    if (isSet(tariff[field]))
      throw new ConversionRefused(`${path}.${field}`, 'not in OCPI 2.1.1 and changes the price')
  }
  let down = withoutTaxIncluded(tariff, run, path, '2.1.1')
  down = omitFields(down, ['country_code', 'party_id', ...REFUSED_FIELDS])
  down = dropFields(down, ['type', 'end_date_time', 'preauthorize_amount'], run, path, '2.1.1')
  down = mapList(down, 'elements', elementDown, run, path)
  if (Array.isArray(down.elements) && down.elements.length === 0) {
    throw new ConversionRefused(`${path}.elements`, 'no element of this Tariff prices charging in OCPI 2.1.1')
  }
  return energyMixDown(narrowEnergyMix(down, V2_1_1, run, path), run, path)
}

export const tariffUp: Step = (tariff, run, path) => {
  const up = energyMixUp(withTaxIncludedNo(tariff, run), run, path)
  return run.context.partial ? up : { ...requireOwner(run, path), ...up }
}
