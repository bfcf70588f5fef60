import type { Price } from '../core/ocpi-types.schema.ts'
import { UNKNOWN_CDR_DATE_TIME, type Cdr } from '../modules/cdrs/cdrs.schema.ts'
import { fromMicro, toMicro } from './micro-units.ts'
import { priceSession } from './price-session.ts'
import {
  PricingError,
  type Amount,
  type CostDimension,
  type PricedTariff,
  type SessionPrice,
} from './pricing-types.ts'

/** What the check reads of a CDR; its embedded tariffs may lack `tax_included` (see PricedTariff). */
export type CdrToCheck = Pick<
  Cdr,
  | 'currency'
  | 'charging_periods'
  | 'end_date_time'
  | 'credit'
  | 'total_cost'
  | 'total_fixed_cost'
  | 'total_energy_cost'
  | 'total_time_cost'
  | 'total_parking_cost'
  | 'total_reservation_cost'
  | 'booking_id'
> & { tariffs?: readonly PricedTariff[] | null }

export type CdrCostField =
  | 'total_cost'
  | 'total_fixed_cost'
  | 'total_energy_cost'
  | 'total_time_cost'
  | 'total_parking_cost'
  | 'total_reservation_cost'

const FIELD_OF_DIMENSION: Record<CostDimension, CdrCostField> = {
  fixed: 'total_fixed_cost',
  energy: 'total_energy_cost',
  time: 'total_time_cost',
  parking: 'total_parking_cost',
  reservation: 'total_reservation_cost',
}

/** A CDR amount that differs from the recomputed one by more than the tolerance (one cent by default). */
export interface PriceDifference {
  field: CdrCostField
  taxes: 'before_taxes' | 'after_taxes'
  cdr: number
  recomputed: number
  /** `cdr - recomputed` */
  difference: number
}

export type CdrPriceCheck =
  | { outcome: 'CHECKED'; recomputed: SessionPrice; differences: PriceDifference[] }
  | { outcome: 'NOT_CHECKED'; reason: 'NO_TARIFFS' | PricingError['code']; detail: string }

/** One hundredth of the currency unit: "more than one cent" (issue 16). */
const DEFAULT_TOLERANCE = 0.01

/**
 * Prices a CDR again from the tariffs it carries (else `published`, the CPO's tariffs at the session's
 * time) and lists each cost field the CDR states whose amount before or after taxes is off by more than
 * `tolerance` (one cent). A CPO that rounds each dimension's taxes to cents can be more than a cent off
 * on the total with three or more dimensions: the tolerance is the caller's to choose. A credit CDR is compared with the negated price. The per-dimension fields are not compared when a
 * `min_price` or `max_price` made the total: the spec does not say how a bounded total splits.
 *
 * @example
 * const check = checkCdrPrice(cdr, { time_zone: location.time_zone })
 * if (check.outcome === 'CHECKED' && check.differences.length > 0) { … }
 */
export function checkCdrPrice(
  cdr: CdrToCheck,
  context: { time_zone: string; published?: readonly PricedTariff[]; tolerance?: number },
): CdrPriceCheck {
  const tariffs = cdr.tariffs && cdr.tariffs.length > 0 ? cdr.tariffs : (context.published ?? [])
  if (tariffs.length === 0) {
    return {
      outcome: 'NOT_CHECKED',
      reason: 'NO_TARIFFS',
      detail: 'The CDR carries no tariffs and none were given',
    }
  }
  let recomputed: SessionPrice
  try {
    recomputed = priceSession({
      tariffs,
      charging_periods: cdr.charging_periods,
      time_zone: context.time_zone,
      currency: cdr.currency,
      booking_id: cdr.booking_id,
      ...(cdr.end_date_time !== UNKNOWN_CDR_DATE_TIME && { end_date_time: cdr.end_date_time }),
    })
  } catch (error) {
    if (error instanceof PricingError)
      return { outcome: 'NOT_CHECKED', reason: error.code, detail: error.message }
    throw error
  }
  const sign = cdr.credit === true ? -1 : 1
  const compared: [CdrCostField, Price | null | undefined, Amount][] = [
    ['total_cost', cdr.total_cost, recomputed.total],
  ]
  if (!recomputed.price_limit) {
    for (const [dimension, field] of Object.entries(FIELD_OF_DIMENSION) as [CostDimension, CdrCostField][]) {
      compared.push([field, cdr[field], recomputed.costs[dimension]])
    }
  }
  const tolerance = toMicro(context.tolerance ?? DEFAULT_TOLERANCE)
  const differ = (
    field: CdrCostField,
    taxes: PriceDifference['taxes'],
    stated: number,
    recomputedAmount: number,
  ) => {
    const cdrMicro = toMicro(stated)
    const difference = cdrMicro - toMicro(recomputedAmount)
    if (Math.abs(difference) <= tolerance) return
    differences.push({
      field,
      taxes,
      cdr: fromMicro(cdrMicro),
      recomputed: recomputedAmount,
      difference: fromMicro(difference),
    })
  }
  const differences: PriceDifference[] = []
  for (const [field, stated, amount] of compared) {
    if (!stated) continue
    const afterTaxes =
      stated.before_taxes + (stated.taxes ?? []).reduce((total, tax) => total + tax.amount, 0)
    if (recomputed.excl_vat_known) differ(field, 'before_taxes', stated.before_taxes, sign * amount.excl_vat)
    if (recomputed.incl_vat_known) differ(field, 'after_taxes', afterTaxes, sign * amount.incl_vat)
  }
  return { outcome: 'CHECKED', recomputed, differences }
}
