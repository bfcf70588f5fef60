import { Value } from '@sinclair/typebox/value'
import type { PartyRef } from '../../core/party.ts'
import type {
  DayOfWeek,
  PriceComponent,
  Tariff,
  TariffDimensionType,
  TariffElement,
  TariffRestrictions,
} from '../../modules/tariffs/tariffs.schema.ts'
import { fitOcpiId } from './evse-mapping.ts'
import { PricingProductDataRecord, type ReferenceUnit } from './oicp.schema.ts'

/**
 * OCPI Tariffs and OICP pricing products (eRoamingDynamicPricing 1.0, mapping.md §9.1), both ways.
 *
 * OCPI → OICP: an OCPI Tariff as one OICP pricing product. OICP prices a
 * product by one reference unit (kWh or time) plus fees, for given days, hours and a maximum power; what
 * OCPI says beyond that (kWh, current, duration or reservation restrictions, validity dates, a minimum
 * power, elements priced differently by time of day) would change the price, so such a Tariff is refused
 * with the reason. `step_size`, alternative texts, `energy_mix` and `preauthorize_amount` are dropped.
 *
 * OICP → OCPI: a pulled pricing product as an OCPI Tariff of its operator's virtual CPO, one element per
 * availability period with the same price components; what OCPI cannot say the same way is refused.
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

const OCPI_DAYS = Object.fromEntries(
  Object.entries(OICP_DAY).map(([ocpi, oicp]) => [oicp, [ocpi as DayOfWeek]]),
) as Record<string, readonly DayOfWeek[]>

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

export type TariffOutcome =
  | { readonly kind: 'tariff'; readonly tariff: Tariff }
  | { readonly kind: 'refused'; readonly productId: string; readonly reason: string }

/** OICP's days as OCPI's; `Everyday` is no day restriction. */
function ocpiDaysOf(on: PricingProductDataRecord['ProductAvailabilityTimes'][number]['on']) {
  if (on === 'Everyday') return undefined
  if (on === 'Workdays') return WORKDAYS
  if (on === 'Weekend') return WEEKEND
  return OCPI_DAYS[on]
}

const CLOCK_TIME = /^([01][0-9]|2[0-3]):[0-5][0-9]$/

/**
 * A pricing product an OICP operator offers the hub provider (or every EMP), as an OCPI Tariff of the
 * operator's party: id the ProductID (fitOcpiId), prices without VAT (`tax_included: NO`), `type` REGULAR.
 * KILOWATT_HOUR → ENERGY, HOUR or MINUTE (× 60) → TIME; START FEE or FIXED FEE → FLAT (a fixed fee's
 * zero base price left out); PARKING FEE → PARKING_TIME; MINIMUM/MAXIMUM FEE → min_price/max_price;
 * each availability day and period → one element with the same components, `begin`/`end` → start_time/
 * end_time (24:00 → 00:00); MaximumProductChargingPower below 1000 → max_power. Refused: a record that is
 * not OICP's, a currency that is no ISO 4217 code, a fee twice or a start and a fixed fee together, a
 * parking fee per kWh, a period that is no clock time.
 */
export function tariffOfProduct(owner: PartyRef, product: unknown, lastUpdated: string): TariffOutcome {
  const name =
    typeof product === 'object' && product !== null && 'ProductID' in product
      ? String(product.ProductID)
      : '(no ProductID)'
  const refused = (reason: string): TariffOutcome => ({
    kind: 'refused',
    productId: name,
    reason: `pricing product ${name}: ${reason}`,
  })
  if (!Value.Check(PricingProductDataRecord, product)) {
    const error = Value.Errors(PricingProductDataRecord, product).First()
    return refused(`not an OICP pricing product record (${error?.path ?? ''} ${error?.message ?? ''})`)
  }
  if (!/^[A-Z]{3}$/.test(product.ProductPriceCurrency))
    return refused(`currency ${product.ProductPriceCurrency} is no ISO 4217 code`)
  const perHour = (unit: ReferenceUnit, price: number) => (unit === 'MINUTE' ? round(price * 60) : price)
  const fees = product.AdditionalReferences ?? []
  const twice = fees.find(
    (fee, index) =>
      fees.findIndex((other) => other.AdditionalReference === fee.AdditionalReference) !== index,
  )
  if (twice) return refused(`${twice.AdditionalReference} is given twice`)
  const fee = (reference: (typeof fees)[number]['AdditionalReference']) =>
    fees.find((f) => f.AdditionalReference === reference)
  const start = fee('START FEE')
  const fixed = fee('FIXED FEE')
  if (start && fixed) return refused('a START FEE and a FIXED FEE: OCPI has one FLAT price')
  const parking = fee('PARKING FEE')
  if (parking?.AdditionalReferenceUnit === 'KILOWATT_HOUR')
    return refused('its PARKING FEE is per kWh: OCPI prices parking by time')

  const component = (type: TariffDimensionType, price: number): PriceComponent => ({
    type,
    price,
    step_size: 1,
  })
  const base = component(
    product.ReferenceUnit === 'KILOWATT_HOUR' ? 'ENERGY' : 'TIME',
    perHour(product.ReferenceUnit, product.PricePerReferenceUnit),
  )
  const flat = start ?? fixed
  const components = [
    // A fixed fee stands alone (base price 0); the zero price would make it a start fee on the way back.
    ...(fixed && base.price === 0 ? [] : [base]),
    ...(flat ? [component('FLAT', flat.PricePerAdditionalReferenceUnit)] : []),
    ...(parking
      ? [
          component(
            'PARKING_TIME',
            perHour(parking.AdditionalReferenceUnit, parking.PricePerAdditionalReferenceUnit),
          ),
        ]
      : []),
  ]

  const maxPower =
    product.MaximumProductChargingPower < UNLIMITED_POWER_KW
      ? { max_power: product.MaximumProductChargingPower }
      : {}
  const times = product.IsValid24hours ? [] : product.ProductAvailabilityTimes
  const restrictions: TariffRestrictions[] = []
  for (const { on, Periods } of times) {
    const days = ocpiDaysOf(on)
    const dayRestriction = days ? { day_of_week: [...days] } : {}
    if (Periods.length === 0) restrictions.push({ ...dayRestriction, ...maxPower })
    for (const { begin, end } of Periods) {
      const endTime = end === '24:00' ? '00:00' : end
      if (!CLOCK_TIME.test(begin) || !CLOCK_TIME.test(endTime))
        return refused(`its period ${begin}-${end} on ${on} is no clock time`)
      const allDay = begin === '00:00' && endTime === '00:00'
      restrictions.push({
        ...dayRestriction,
        ...(allDay ? {} : { start_time: begin, end_time: endTime }),
        ...maxPower,
      })
    }
  }
  if (restrictions.length === 0) restrictions.push({ ...maxPower })
  const elements: TariffElement[] = restrictions.map((restriction) => ({
    price_components: components,
    ...(Object.keys(restriction).length > 0 ? { restrictions: restriction } : {}),
  }))
  const minimum = fee('MINIMUM FEE')
  const maximum = fee('MAXIMUM FEE')
  return {
    kind: 'tariff',
    tariff: {
      country_code: owner.country_code,
      party_id: owner.party_id,
      id: fitOcpiId(product.ProductID),
      currency: product.ProductPriceCurrency,
      type: 'REGULAR',
      ...(minimum ? { min_price: { before_taxes: minimum.PricePerAdditionalReferenceUnit } } : {}),
      ...(maximum ? { max_price: { before_taxes: maximum.PricePerAdditionalReferenceUnit } } : {}),
      elements,
      tax_included: 'NO',
      last_updated: lastUpdated,
    },
  }
}
