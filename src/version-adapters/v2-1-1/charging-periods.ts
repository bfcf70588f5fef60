import { dropFields, mapList, type Step } from '../shared/conversion-run.ts'
import { periodKeepingDimensions } from '../shared/period-dimensions.ts'
import { CDR_DIMENSION_TYPES } from '../../modules/cdrs/cdrs.schema.ts'

/**
 * ChargingPeriods of a Session or CDR. 2.1.1 has six dimension types (with FLAT, which 2.2 removed) and
 * no tariff_id per period. A dimension the other side does not know is left out; a period left without
 * dimensions is left out too (a period needs at least one).
 */

const DIMENSION_TYPES_2_1_1 = [
  'ENERGY',
  'FLAT',
  'MAX_CURRENT',
  'MIN_CURRENT',
  'PARKING_TIME',
  'TIME',
] as const

const known = (types: readonly string[]) => (type: unknown) => types.some((one) => one === type)
const periodDown = periodKeepingDimensions(known(DIMENSION_TYPES_2_1_1), '2.1.1')
const periodUp = periodKeepingDimensions(known(CDR_DIMENSION_TYPES), '2.3.0')

export const chargingPeriodsDown: Step = (value, run, path) =>
  mapList(
    value,
    'charging_periods',
    (period, innerRun, periodPath) =>
      periodDown(dropFields(period, ['tariff_id'], innerRun, periodPath, '2.1.1'), innerRun, periodPath),
    run,
    path,
  )

export const chargingPeriodsUp: Step = (value, run, path) =>
  mapList(value, 'charging_periods', periodUp, run, path)
