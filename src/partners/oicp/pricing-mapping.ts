import type { PartyRef } from '../../core/party.ts'
import type {
  DayOfWeek,
  PriceComponent,
  Tariff,
  TariffDimensionType,
  TariffRestrictions,
} from '../../modules/tariffs/tariffs.schema.ts'
import type { PricingProductDataRecord, ReferenceUnit } from './oicp.schema.ts'

/**
 * An OCPI Tariff as one OICP pricing product (eRoamingDynamicPricing 1.0, mapping.md §9.1). OICP prices a
 * product by one reference unit (kWh or time) plus fees, for given days, hours and a maximum power; what
 * OCPI says beyond that (kWh, current, duration or reservation restrictions, validity dates, a minimum
 * power, elements priced differently by time of day) would change the price, so such a Tariff is refused
 * with the reason. `step_size`, alternative texts, `energy_mix` and `preauthorize_amount` are dropped.
 */

/** OICP demands a maximum power per product; a Tariff without max_power applies at any power. */
const UNLIMITED_POWER_KW = 1000

export type PricingOutcome =
  | { readonly kind: 'product'; readonly record: PricingProductDataRecord }
  | { readonly kind: 'refused'; readonly reason: string }

/** The ProductID of a CPO's Tariff at HBS: unique across the CPOs the hub operator bundles. */
function productIdOf(owner: PartyRef, tariffId: string): string {
  return `${owner.country_code}*${owner.party_id}*${tariffId}`
}

/** Restrictions OICP has no field for: any of them refuses the Tariff. */
const UNMAPPABLE_RESTRICTIONS = [
  'start_date',
  'end_date',
  'min_kwh',
  'max_kwh',
  'min_current',
  'max_current',
  'min_power',
  'min_duration',
  'max_duration',
  'reservation',
  'booking',
] as const satisfies readonly (keyof TariffRestrictions)[]

const OICP_DAY: Record<DayOfWeek, PricingProductDataRecord['ProductAvailabilityTimes'][number]['on']> = {
  MONDAY: 'Monday',
  TUESDAY: 'Tuesday',
  WEDNESDAY: 'Wednesday',
  THURSDAY: 'Thursday',
  FRIDAY: 'Friday',
  SATURDAY: 'Saturday',
  SUNDAY: 'Sunday',
}

const WORKDAYS: readonly DayOfWeek[] = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY']
const WEEKEND: readonly DayOfWeek[] = ['SATURDAY', 'SUNDAY']

export function pricingProductOf(tariff: Tariff): PricingOutcome {
  const refused = (reason: string): PricingOutcome => ({
    kind: 'refused',
    reason: `Tariff ${tariff.id}: ${reason}`,
  })
  if (given(tariff.type) && tariff.type !== 'REGULAR')
    return refused(`type ${tariff.type} is no roaming price; OICP products are the regular price`)
  if (given(tariff.start_date_time) || given(tariff.end_date_time))
    return refused('OICP pricing products have no validity dates')
  const restrictions = tariff.elements[0]?.restrictions ?? {}
  const key = restrictionKey(restrictions)
  if (tariff.elements.some((element) => restrictionKey(element.restrictions ?? {}) !== key))
    return refused('its elements apply at different times or powers: OICP needs one product per element')
  const unmappable = UNMAPPABLE_RESTRICTIONS.filter((name) => given(restrictions[name]))
  if (unmappable.length > 0) return refused(`OICP has no restriction ${unmappable.join(', ')}`)

  // Elements with the same restrictions: per dimension the first element's component applies (OCPI).
  const components = new Map<TariffDimensionType, PriceComponent>()
  for (const element of tariff.elements) {
    for (const component of element.price_components) {
      if (!components.has(component.type)) components.set(component.type, component)
    }
  }
  const excludingVat = (component: PriceComponent): number | undefined => {
    if (tariff.tax_included !== 'YES') return component.price
    const vat = component.vat ?? undefined
    return vat === undefined ? undefined : round(component.price / (1 + vat / 100))
  }
  const prices = new Map<TariffDimensionType, number>()
  for (const [type, component] of components) {
    const price = excludingVat(component)
    if (price === undefined)
      return refused(`its ${type} price includes taxes without a vat: OICP prices exclude VAT`)
    prices.set(type, price)
  }
  const energy = prices.get('ENERGY')
  const time = prices.get('TIME')
  if (energy !== undefined && time !== undefined)
    return refused('it prices both energy and time: an OICP product has one reference unit')
  const base: { unit: ReferenceUnit; price: number } =
    energy !== undefined
      ? { unit: 'KILOWATT_HOUR', price: energy }
      : time !== undefined
        ? { unit: 'HOUR', price: time }
        : { unit: 'KILOWATT_HOUR', price: 0 }
  const flat = prices.get('FLAT')
  const parking = prices.get('PARKING_TIME')
  const minimum = tariff.min_price?.before_taxes ?? undefined
  const maximum = tariff.max_price?.before_taxes ?? undefined
  const fees: NonNullable<PricingProductDataRecord['AdditionalReferences']> = [
    // A flat price on top of a unit price is a start fee; alone, a fixed fee (base price 0).
    ...(flat === undefined
      ? []
      : [
          {
            AdditionalReference: energy === undefined && time === undefined ? 'FIXED FEE' : 'START FEE',
            AdditionalReferenceUnit: base.unit,
            PricePerAdditionalReferenceUnit: flat,
          } as const,
        ]),
    ...(parking === undefined
      ? []
      : [
          {
            AdditionalReference: 'PARKING FEE',
            AdditionalReferenceUnit: 'HOUR',
            PricePerAdditionalReferenceUnit: parking,
          } as const,
        ]),
    ...(minimum === undefined
      ? []
      : [
          {
            AdditionalReference: 'MINIMUM FEE',
            AdditionalReferenceUnit: base.unit,
            PricePerAdditionalReferenceUnit: minimum,
          } as const,
        ]),
    ...(maximum === undefined
      ? []
      : [
          {
            AdditionalReference: 'MAXIMUM FEE',
            AdditionalReferenceUnit: base.unit,
            PricePerAdditionalReferenceUnit: maximum,
          } as const,
        ]),
  ]
  const allDay = !given(restrictions.start_time) && !given(restrictions.end_time)
  return {
    kind: 'product',
    record: {
      ProductID: productIdOf(tariff, tariff.id),
      ReferenceUnit: base.unit,
      ProductPriceCurrency: tariff.currency,
      PricePerReferenceUnit: base.price,
      MaximumProductChargingPower: restrictions.max_power ?? UNLIMITED_POWER_KW,
      IsValid24hours: allDay,
      ProductAvailabilityTimes: availabilityOf(restrictions, allDay),
      ...(fees.length > 0 ? { AdditionalReferences: fees } : {}),
    },
  }
}

/** OCPI's days and hours as OICP's periods; a period past midnight is split at 24:00. */
function availabilityOf(
  restrictions: TariffRestrictions,
  allDay: boolean,
): PricingProductDataRecord['ProductAvailabilityTimes'] {
  const days = [...new Set(restrictions.day_of_week ?? [])]
  if (allDay && days.length === 0) return []
  const begin = restrictions.start_time ?? '00:00'
  const end = restrictions.end_time ?? '24:00'
  const periods =
    end > begin || end === begin
      ? [{ begin, end }]
      : [
          { begin, end: '24:00' },
          { begin: '00:00', end },
        ]
  const same = (set: readonly DayOfWeek[]) => days.length === set.length && set.every((d) => days.includes(d))
  const on =
    days.length === 0 || days.length === 7
      ? (['Everyday'] as const)
      : same(WORKDAYS)
        ? (['Workdays'] as const)
        : same(WEEKEND)
          ? (['Weekend'] as const)
          : days.map((day) => OICP_DAY[day])
  return on.map((day) => ({ Periods: periods, on: day }))
}

/** The restrictions OICP can carry, as one comparable value. */
function restrictionKey(restrictions: TariffRestrictions): string {
  const set = Object.entries(restrictions).filter(([, value]) => given(value))
  return JSON.stringify({
    ...Object.fromEntries(set.sort(([a], [b]) => a.localeCompare(b))),
    day_of_week: [...new Set(restrictions.day_of_week ?? [])].sort(),
  })
}

/** OCPI's optional fields may be null as well as absent. */
function given(value: unknown): boolean {
  return value !== undefined && value !== null
}

function round(price: number): number {
  return Math.round(price * 10_000) / 10_000
}
