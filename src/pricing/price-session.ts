import type { CdrDimension, CdrDimensionType, ChargingPeriod } from '../modules/cdrs/cdrs.schema.ts'
import type { PriceComponent, TariffDimensionType, TariffElement } from '../modules/tariffs/tariffs.schema.ts'
import {
  checkTimeZone,
  formatInstant,
  instantOf,
  instantsOfWallTime,
  localDateAsUtcDay,
  localMoment,
  MS_PER_DAY,
  offsetChangeBetween,
} from './local-time.ts'
import {
  fromMicro,
  hoursToMs,
  kwhToMicroWh,
  microCost,
  stepInUnits,
  toMicro,
  volumeInSpecUnits,
} from './micro-units.ts'
import {
  COST_DIMENSIONS,
  PricingError,
  type Amount,
  type ComponentCharge,
  type CostDimension,
  type PeriodPrice,
  type PricedTariff,
  type PricingNote,
  type SessionPrice,
  type SessionToPrice,
} from './pricing-types.ts'
import {
  averagePowerKw,
  durationThresholdsIn,
  energyThresholdsIn,
  restrictionsHold,
  timesOfDayIn,
  type PricingMoment,
  type Range,
} from './restrictions.ts'

/** A longer "session" is taken for bad input rather than priced day by day. */
const LONGEST_SESSION_DAYS = 92

/** A tariff version with its instants parsed; `order` is its place in the input. */
interface TariffVersion {
  order: number
  tariff: PricedTariff
  idKey: string
  validFrom: number
  validStart: number
  validEnd: number
}

/**
 * A stretch of one charging period in which no restriction can change: the engine cuts periods at every
 * local time, date, duration, kWh and tariff-validity boundary, assuming volumes accrue evenly over a period.
 */
interface Slice {
  periodIndex: number
  start: number
  end: number
  /** µWh */
  energy: number
  /** ms */
  time: number
  parking: number
  reservation: number
  /** Bookings add-on: reserved time not used (`RESERVATION_EXPIRES`), and charging after the slot (`RESERVATION_OVERTIME`). */
  expires: number
  overtime: number
  isReservation: boolean
  current: Range
  power: Range
  tariffId: string | null | undefined
}

type PricedDimension = Exclude<TariffDimensionType, 'FLAT'>

/** One price component applied to one slice. */
interface Line {
  slice: Slice
  dimension: TariffDimensionType
  costDimension: CostDimension
  version: TariffVersion
  elementIndex: number
  componentIndex: number
  component: PriceComponent
  /** Charging after a booked slot (`BOOKING_OVERTIME`): its time is rounded on its own. */
  overtime: boolean
  /** µWh, ms, or 1 for a flat fee. */
  quantity: number
  roundedUp: number
  excl: number
  incl: number
}

/**
 * Prices a session's charging periods by OCPI 2.3.0 Tariffs (mod_tariffs, mod_cdrs "step_size"):
 * 1. cut the periods wherever a restriction or a tariff version can change (local times and dates in
 *    `time_zone`, session durations, energy totals, validity instants);
 * 2. for each stretch, the tariff (the period's `tariff_id`, or the first tariff valid then) at the version
 *    valid then, and per dimension the first element with a component of that dimension whose restrictions
 *    all hold; a flat fee once for the charge and once for a reservation;
 * 3. step_size once per session: on the energy total, and on the total of the last billed time dimension
 *    (parking after charging), with the last billed component's step, the extra going to its last stretch;
 * 4. costs per component, VAT per component, then `min_price`/`max_price` on the total.
 *
 * @example
 * const price = priceSession({ tariffs: [tariff], charging_periods: cdr.charging_periods,
 *   end_date_time: cdr.end_date_time, time_zone: 'Europe/Amsterdam' })
 * price.total // { excl_vat: 4, incl_vat: 4.4 }
 */
export function priceSession(session: SessionToPrice): SessionPrice {
  checkTimeZone(session.time_zone)
  if (session.charging_periods.length === 0) {
    throw new PricingError('INVALID_INPUT', 'A session needs at least one charging period')
  }
  const currency = sessionCurrency(session)
  const versions = session.tariffs.map(parseVersion)
  const periods = periodSlices(session)
  const slices = sliceSession(periods, versions, session.time_zone)
  const notes: PricingNote[] = []
  const lines = billLines(slices, versions, session, notes)
  roundSteps(lines)
  priceLines(lines)
  return summarize(periods, currency, lines, notes)
}

function sessionCurrency(session: SessionToPrice): string {
  const currency = (session.currency ?? session.tariffs[0]?.currency)?.toUpperCase()
  if (currency == null) {
    throw new PricingError(
      'INVALID_INPUT',
      'No tariff and no currency: nothing says what the session costs in',
    )
  }
  const other = session.tariffs.find((tariff) => tariff.currency.toUpperCase() !== currency)
  if (other) {
    throw new PricingError(
      'CURRENCY_MISMATCH',
      `Tariff ${other.id} is in ${other.currency}, the session in ${currency}`,
    )
  }
  return currency
}

function parseVersion(tariff: PricedTariff, order: number): TariffVersion {
  const instant = (dateTime: string | null | undefined, field: string, absent: number) =>
    dateTime == null ? absent : instantOf(dateTime, `Tariff ${tariff.id} ${field}`)
  return {
    order,
    tariff,
    idKey: tariff.id.toUpperCase(),
    validFrom: instant(tariff.valid_from, 'valid_from', -Infinity),
    validStart: instant(tariff.start_date_time, 'start_date_time', -Infinity),
    validEnd: instant(tariff.end_date_time, 'end_date_time', Infinity),
  }
}

// ----- 1. Slices

function volumeOf(dimensions: readonly CdrDimension[], type: CdrDimensionType): number | undefined {
  const found = dimensions.filter((dimension) => dimension.type === type)
  return found.length === 0 ? undefined : found.reduce((sum, dimension) => sum + dimension.volume, 0)
}

/** Negative volumes (energy fed back to the grid) are not billed. */
function billable(volume: number | undefined): number {
  return Math.max(0, volume ?? 0)
}

function rangeOf(
  dimensions: readonly CdrDimension[],
  types: { average: CdrDimensionType; min: CdrDimensionType; max: CdrDimensionType },
  fallback: number | undefined,
): Range {
  const average = volumeOf(dimensions, types.average)
  const min = volumeOf(dimensions, types.min)
  const max = volumeOf(dimensions, types.max)
  return {
    lowest: min ?? average ?? max ?? fallback,
    highest: max ?? average ?? min ?? fallback,
  }
}

function periodSlice(period: ChargingPeriod, periodIndex: number, start: number, end: number): Slice {
  const { dimensions } = period
  const energy = kwhToMicroWh(billable(volumeOf(dimensions, 'ENERGY')))
  const time = hoursToMs(billable(volumeOf(dimensions, 'TIME')))
  // A period without charging time draws no power; one with it, the average its energy implies.
  const impliedPower = time > 0 ? averagePowerKw(energy, time) : 0
  return {
    periodIndex,
    start,
    end,
    energy,
    time,
    parking: hoursToMs(billable(volumeOf(dimensions, 'PARKING_TIME'))),
    reservation: hoursToMs(billable(volumeOf(dimensions, 'RESERVATION_TIME'))),
    expires: hoursToMs(billable(volumeOf(dimensions, 'RESERVATION_EXPIRES'))),
    overtime: hoursToMs(billable(volumeOf(dimensions, 'RESERVATION_OVERTIME'))),
    isReservation: dimensions.some(
      (dimension) => dimension.type === 'RESERVATION_TIME' || dimension.type === 'RESERVATION_EXPIRES',
    ),
    current: rangeOf(
      dimensions,
      { average: 'CURRENT', min: 'MIN_CURRENT', max: 'MAX_CURRENT' },
      time > 0 ? undefined : 0,
    ),
    power: rangeOf(dimensions, { average: 'POWER', min: 'MIN_POWER', max: 'MAX_POWER' }, impliedPower),
    tariffId: period.tariff_id,
  }
}

/** The periods in time order, each ending where the next starts and the last at the session's end. */
function periodSlices(session: SessionToPrice): Slice[] {
  const ordered = session.charging_periods
    .map((period, index) => ({
      period,
      index,
      start: instantOf(period.start_date_time, `charging_periods[${index}].start_date_time`),
    }))
    .sort((a, b) => a.start - b.start || a.index - b.index)
  return ordered.map(({ period, index, start }, position) => {
    const next = ordered[position + 1]
    let end: number
    if (next) end = next.start
    else if (session.end_date_time != null) end = instantOf(session.end_date_time, 'end_date_time')
    else {
      const slice = periodSlice(period, index, start, start)
      end = start + slice.time + slice.parking + slice.reservation + slice.expires
    }
    return periodSlice(period, index, start, Math.max(start, end))
  })
}

/** Splits a slice at `at`; volumes in proportion to time, unless `energyBefore` fixes the energy part. */
function splitSlice(slice: Slice, at: number, energyBefore?: number): [Slice, Slice] {
  const span = slice.end - slice.start
  const share =
    energyBefore != null ? energyBefore / slice.energy : span === 0 ? 0 : (at - slice.start) / span
  const part = (volume: number) => Math.round(volume * share)
  const energy = energyBefore ?? part(slice.energy)
  const first = {
    ...slice,
    end: at,
    energy,
    time: part(slice.time),
    parking: part(slice.parking),
    reservation: part(slice.reservation),
    expires: part(slice.expires),
    overtime: part(slice.overtime),
  }
  const second = {
    ...slice,
    start: at,
    energy: slice.energy - first.energy,
    time: slice.time - first.time,
    parking: slice.parking - first.parking,
    reservation: slice.reservation - first.reservation,
    expires: slice.expires - first.expires,
    overtime: slice.overtime - first.overtime,
  }
  return [first, second]
}

function sliceSession(
  periods: readonly Slice[],
  versions: readonly TariffVersion[],
  timeZone: string,
): Slice[] {
  const first = periods[0]!
  const last = periods[periods.length - 1]!
  if (last.end - first.start > LONGEST_SESSION_DAYS * MS_PER_DAY) {
    throw new PricingError('INVALID_INPUT', `The session lasts more than ${LONGEST_SESSION_DAYS} days`)
  }
  const restrictions = versions.flatMap((version) =>
    version.tariff.elements.map((element: TariffElement) => element.restrictions),
  )
  const sessionStart = chargingStart(periods)
  const cuts = cutInstants(first.start, last.end, sessionStart, versions, restrictions, timeZone)
  const byTime = periods.flatMap((period) => {
    const pieces: Slice[] = []
    let rest = period
    for (const cut of cuts) {
      if (cut <= rest.start || cut >= rest.end) continue
      const [before, after] = splitSlice(rest, cut)
      pieces.push(before)
      rest = after
    }
    pieces.push(rest)
    return pieces
  })
  return splitAtEnergyTotals(byTime, energyThresholdsIn(restrictions))
}

/** The charging session starts with its first period that is not a reservation (mod_cdrs). */
function chargingStart(periods: readonly Slice[]): number {
  return (periods.find((period) => !period.isReservation) ?? periods[0]!).start
}

/** Every instant in the session at which a restriction or a tariff version may change, in order. */
function cutInstants(
  from: number,
  to: number,
  sessionStart: number,
  versions: readonly TariffVersion[],
  restrictions: readonly TariffElement['restrictions'][],
  timeZone: string,
): number[] {
  const cuts = new Set<number>()
  for (const version of versions) {
    for (const instant of [version.validFrom, version.validStart, version.validEnd]) cuts.add(instant)
  }
  for (const duration of durationThresholdsIn(restrictions)) cuts.add(sessionStart + duration)
  const times = timesOfDayIn(restrictions)
  const lastDay = localDateAsUtcDay(to, timeZone) + MS_PER_DAY
  for (let day = localDateAsUtcDay(from, timeZone) - MS_PER_DAY; day <= lastDay; day += MS_PER_DAY) {
    for (const time of times) for (const instant of instantsOfWallTime(day, time, timeZone)) cuts.add(instant)
  }
  const inSession = [...cuts].filter((cut) => cut > from && cut < to)
  // A change of UTC offset (summer time) moves the wall clock too: cut there as well.
  const ordered = [from, ...inSession.sort((a, b) => a - b), to]
  for (let index = 1; index < ordered.length; index += 1) {
    const change = offsetChangeBetween(ordered[index - 1]!, ordered[index]!, timeZone)
    if (change != null && change < to) inSession.push(change)
  }
  return [...new Set(inSession)].sort((a, b) => a - b)
}

/** Cuts charging slices where the session's energy total crosses a kWh restriction's threshold. */
function splitAtEnergyTotals(slices: readonly Slice[], thresholds: readonly number[]): Slice[] {
  if (thresholds.length === 0) return [...slices]
  const result: Slice[] = []
  let total = 0
  for (const slice of slices) {
    if (slice.isReservation) {
      result.push(slice)
      continue
    }
    let rest = slice
    for (const threshold of thresholds) {
      if (threshold <= total || threshold >= total + rest.energy) continue
      const energyBefore = threshold - total
      const at = rest.start + Math.round(((rest.end - rest.start) * energyBefore) / rest.energy)
      const [before, after] = splitSlice(rest, at, energyBefore)
      result.push(before)
      total = threshold
      rest = after
    }
    result.push(rest)
    total += rest.energy
  }
  return result
}

// ----- 2. Which component prices what

function versionAt(
  versions: readonly TariffVersion[],
  idKey: string,
  instant: number,
): TariffVersion | undefined {
  let chosen: TariffVersion | undefined
  for (const version of versions) {
    if (version.idKey !== idKey || version.validFrom > instant) continue
    if (!chosen || version.validFrom >= chosen.validFrom) chosen = version
  }
  return chosen
}

function isValidAt(version: TariffVersion, instant: number): boolean {
  return version.validStart <= instant && instant < version.validEnd
}

/** The tariff version pricing a slice: its period's tariff, or the first tariff valid then. */
function tariffFor(
  slice: Slice,
  versions: readonly TariffVersion[],
  notes: PricingNote[],
): TariffVersion | undefined {
  if (slice.tariffId != null) {
    const version = versionAt(versions, slice.tariffId.toUpperCase(), slice.start)
    if (version && isValidAt(version, slice.start)) return version
    addNote(notes, {
      period_index: slice.periodIndex,
      reason: version ? 'TARIFF_NOT_VALID' : 'UNKNOWN_TARIFF',
      tariff_id: slice.tariffId,
    })
    return undefined
  }
  const ids = [...new Set(versions.map((version) => version.idKey))]
  for (const id of ids) {
    const version = versionAt(versions, id, slice.start)
    if (version && isValidAt(version, slice.start)) return version
  }
  if (versions.length > 0) addNote(notes, { period_index: slice.periodIndex, reason: 'NO_VALID_TARIFF' })
  return undefined
}

function addNote(notes: PricingNote[], note: PricingNote): void {
  const known = notes.some(
    (other) =>
      other.period_index === note.period_index &&
      other.reason === note.reason &&
      other.tariff_id === note.tariff_id,
  )
  if (!known) notes.push(note)
}

/**
 * Where an element stands in the search for a component: lower first. During a booking's reservation the
 * elements for it come first (`BOOKING_EXPIRES` for booked time not used, then `BOOKING`), then the
 * reservation's; for an expired reservation the `RESERVATION_EXPIRES` elements come before other ones
 * (mod_tariffs, ReservationRestrictionType).
 */
function searchRank(element: TariffElement, moment: PricingMoment): number {
  const { booking, reservation } = element.restrictions ?? {}
  if (moment.booking === 'EXPIRED' && booking === 'BOOKING_EXPIRES') return 0
  if (moment.booking !== 'NONE' && booking === 'BOOKING') return 1
  if (moment.reservation === 'EXPIRED' && reservation === 'RESERVATION_EXPIRES') return 2
  return 3
}

/** The first element with a component of `dimension` whose restrictions hold, in `searchRank` order. */
function componentFor(
  elements: readonly TariffElement[],
  dimension: TariffDimensionType,
  moment: PricingMoment,
): { elementIndex: number; componentIndex: number; component: PriceComponent } | undefined {
  const ranks = elements.map((element) => searchRank(element, moment))
  const indices = elements.map((_, index) => index).sort((a, b) => ranks[a]! - ranks[b]! || a - b)
  for (const elementIndex of indices) {
    const element = elements[elementIndex]!
    const componentIndex = element.price_components.findIndex((component) => component.type === dimension)
    if (componentIndex < 0 || !restrictionsHold(element.restrictions, moment)) continue
    return { elementIndex, componentIndex, component: element.price_components[componentIndex]! }
  }
  return undefined
}

function billLines(
  slices: readonly Slice[],
  versions: readonly TariffVersion[],
  session: Pick<SessionToPrice, 'time_zone' | 'booking_id'>,
  notes: PricingNote[],
): Line[] {
  const sessionStart = chargingStart(slices)
  const expired = slices.every((slice) => slice.isReservation)
  const booked = session.booking_id != null
  const lines: Line[] = []
  const flatCharged = { charge: false, reservation: false, overtime: false }
  let energyBefore = 0
  for (const slice of slices) {
    const unused = slice.expires > 0 || (slice.isReservation && expired)
    const moment: PricingMoment = {
      local: localMoment(slice.start, session.time_zone),
      energyBefore,
      sinceSessionStart: slice.start - sessionStart,
      current: slice.current,
      power: slice.power,
      reservation: slice.isReservation ? (unused ? 'EXPIRED' : 'RESERVED') : 'NONE',
      booking: booked && slice.isReservation ? (unused ? 'EXPIRED' : 'BOOKED') : 'NONE',
    }
    if (!slice.isReservation) energyBefore += slice.energy
    const version = tariffFor(slice, versions, notes)
    if (!version) continue
    const bill = (
      dimension: TariffDimensionType,
      costDimension: CostDimension,
      quantity: number,
      at: PricingMoment = moment,
    ) => {
      const found = componentFor(version.tariff.elements, dimension, at)
      if (!found) return false
      lines.push({
        slice,
        dimension,
        costDimension,
        version,
        ...found,
        overtime: at.booking === 'OVERTIME',
        quantity,
        roundedUp: 0,
        excl: 0,
        incl: 0,
      })
      return true
    }
    // A flat fee is due once: for the charge at its first stretch with a FLAT component, the same for a
    // reservation and for a booking's overtime.
    const phase = slice.isReservation ? 'reservation' : 'charge'
    if (!flatCharged[phase]) {
      flatCharged[phase] = bill('FLAT', slice.isReservation ? 'reservation' : 'fixed', 1)
    }
    if (booked && slice.overtime > 0) {
      // Charging after the booked slot: BOOKING_OVERTIME elements price its time, as a booking cost.
      const overtime: PricingMoment = { ...moment, reservation: 'NONE', booking: 'OVERTIME' }
      if (!flatCharged.overtime) flatCharged.overtime = bill('FLAT', 'reservation', 1, overtime)
      bill('TIME', 'reservation', slice.overtime, overtime)
    }
    if (slice.isReservation) {
      const reserved = slice.reservation + slice.expires
      if (reserved > 0) bill('TIME', 'reservation', reserved)
      continue
    }
    const volumes: [PricedDimension, CostDimension, number][] = [
      ['ENERGY', 'energy', slice.energy],
      ['TIME', 'time', slice.time],
      ['PARKING_TIME', 'parking', slice.parking],
    ]
    for (const [dimension, costDimension, quantity] of volumes) {
      if (quantity > 0) bill(dimension, costDimension, quantity)
    }
  }
  return lines
}

// ----- 3. step_size

/**
 * mod_cdrs "step_size": once per session for energy and once for charging and parking time together; the
 * total of the dimension of the last billed stretch is rounded up with its component's step, and the extra
 * is billed on that stretch. A reservation's time is rounded on its own.
 */
function roundSteps(lines: Line[]): void {
  const groups: Record<string, Line[]> = {}
  for (const line of lines) {
    if (line.dimension === 'FLAT') continue
    const group =
      line.costDimension === 'energy'
        ? 'energy'
        : line.costDimension === 'reservation'
          ? line.overtime
            ? 'overtime'
            : 'reservation'
          : 'time'
    ;(groups[group] ??= []).push(line)
  }
  for (const group of Object.values(groups)) {
    const last = group[group.length - 1]!
    const step = stepInUnits(last.dimension, last.component.step_size)
    if (step <= 0) continue
    const total = group
      .filter((line) => line.dimension === last.dimension)
      .reduce((sum, line) => sum + line.quantity, 0)
    const remainder = total % step
    if (remainder === 0) continue
    last.roundedUp = step - remainder
    last.quantity += last.roundedUp
  }
}

// ----- 4. Costs

/**
 * Each component's cost is computed on its running total of volume and handed out to its stretches as the
 * differences, so the stretches add up to exactly the component's cost however the periods were cut.
 */
function priceLines(lines: readonly Line[]): void {
  const running = new Map<string, { quantity: number; stated: number; excl: number; incl: number }>()
  for (const line of lines) {
    const key = `${line.version.order}:${line.elementIndex}:${line.componentIndex}`
    const before = running.get(key) ?? { quantity: 0, stated: 0, excl: 0, incl: 0 }
    const quantity = before.quantity + line.quantity
    const stated = microCost(line.dimension, line.component.price, quantity)
    const taxIncluded = line.version.tariff.tax_included ?? 'NO'
    const rate = taxIncluded === 'N/A' ? 0 : (line.component.vat ?? 0)
    const excl = taxIncluded === 'YES' ? Math.round((stated * 100) / (100 + rate)) : stated
    const incl = taxIncluded === 'YES' ? stated : Math.round((stated * (100 + rate)) / 100)
    line.excl = excl - before.excl
    line.incl = incl - before.incl
    running.set(key, { quantity, stated, excl, incl })
  }
}

interface MicroAmount {
  excl: number
  incl: number
}

const amountOf = (micro: MicroAmount): Amount => ({
  excl_vat: fromMicro(micro.excl),
  incl_vat: fromMicro(micro.incl),
})

function sum(lines: readonly Line[]): MicroAmount {
  return lines.reduce((total, line) => ({ excl: total.excl + line.excl, incl: total.incl + line.incl }), {
    excl: 0,
    incl: 0,
  })
}

function summarize(
  periods: readonly Slice[],
  currency: string,
  lines: Line[],
  notes: PricingNote[],
): SessionPrice {
  const costs = Object.fromEntries(
    COST_DIMENSIONS.map((dimension) => [
      dimension,
      amountOf(sum(lines.filter((line) => line.costDimension === dimension))),
    ]),
  ) as Record<CostDimension, Amount>
  const beforeLimits = sum(lines)
  const limited = applyPriceLimits(beforeLimits, lines[0]?.version)
  const billedHours = (costDimension: CostDimension, dimension: TariffDimensionType) =>
    volumeInSpecUnits(
      dimension,
      lines
        .filter((line) => line.costDimension === costDimension && line.dimension === dimension)
        .reduce((total, line) => total + line.quantity, 0),
    )
  const price: SessionPrice = {
    currency,
    total: amountOf(limited.total),
    costs,
    periods: periodPrices(periods, lines),
    billed: {
      energy_kwh: billedHours('energy', 'ENERGY'),
      time_hours: billedHours('time', 'TIME'),
      parking_hours: billedHours('parking', 'PARKING_TIME'),
      reservation_hours: billedHours('reservation', 'TIME'),
    },
    excl_vat_known: lines.every(
      (line) => line.component.vat != null || line.version.tariff.tax_included !== 'YES',
    ),
    incl_vat_known: lines.every(
      (line) => line.component.vat != null || (line.version.tariff.tax_included ?? 'NO') !== 'NO',
    ),
    notes,
  }
  if (limited.applied) price.price_limit = limited.applied
  return price
}

/**
 * `min_price` and `max_price` of the tariff that priced the session's first billed stretch bound the total, before
 * and after taxes each on its own (mod_tariffs, Tariff object notes). Where a limit gives no `after_taxes`,
 * the total after taxes moves in proportion with the one before.
 */
function applyPriceLimits(
  total: MicroAmount,
  version: TariffVersion | undefined,
): { total: MicroAmount; applied?: SessionPrice['price_limit'] } {
  if (!version) return { total }
  let { excl, incl } = total
  let limit: 'MIN_PRICE' | 'MAX_PRICE' | undefined
  const bound = (
    which: 'MIN_PRICE' | 'MAX_PRICE',
    priceLimit: PricedTariff['min_price'],
    crosses: (value: number, limitValue: number) => boolean,
  ) => {
    if (!priceLimit) return
    const before = toMicro(priceLimit.before_taxes)
    if (crosses(excl, before)) {
      if (priceLimit.after_taxes == null) incl = excl === 0 ? before : Math.round((incl * before) / excl)
      excl = before
      limit = which
    }
    if (priceLimit.after_taxes != null) {
      const after = toMicro(priceLimit.after_taxes)
      if (crosses(incl, after)) {
        incl = after
        limit = which
      }
    }
  }
  bound('MIN_PRICE', version.tariff.min_price, (value, limitValue) => value < limitValue)
  bound('MAX_PRICE', version.tariff.max_price, (value, limitValue) => value > limitValue)
  if (limit == null) return { total }
  return {
    total: { excl, incl },
    applied: {
      limit,
      tariff_id: version.tariff.id,
      adjustment: amountOf({ excl: excl - total.excl, incl: incl - total.incl }),
    },
  }
}

/** One entry per input period, in input order. */
function periodPrices(periods: readonly Slice[], lines: readonly Line[]): PeriodPrice[] {
  const inInputOrder = [...periods].sort((a, b) => a.periodIndex - b.periodIndex)
  return inInputOrder.map((span) => {
    const own = lines.filter((line) => line.slice.periodIndex === span.periodIndex)
    return {
      period_index: span.periodIndex,
      start_date_time: formatInstant(span.start),
      end_date_time: formatInstant(span.end),
      charges: mergedCharges(own),
      cost: amountOf(sum(own)),
    }
  })
}

/** One charge per component used in the period, in the order of first use. */
function mergedCharges(lines: readonly Line[]): ComponentCharge[] {
  const charges = new Map<string, { first: Line; lines: Line[] }>()
  for (const line of lines) {
    const key = `${line.costDimension}:${line.version.order}:${line.elementIndex}:${line.componentIndex}`
    const entry = charges.get(key)
    if (entry) entry.lines.push(line)
    else charges.set(key, { first: line, lines: [line] })
  }
  return [...charges.values()].map(({ first, lines: own }) => {
    const charge: ComponentCharge = {
      cost_dimension: first.costDimension,
      dimension: first.dimension,
      tariff_id: first.version.tariff.id,
      element_index: first.elementIndex,
      price: first.component.price,
      step_size: first.component.step_size,
      start_date_time: formatInstant(Math.min(...own.map((line) => line.slice.start))),
      end_date_time: formatInstant(Math.max(...own.map((line) => line.slice.end))),
      volume: volumeInSpecUnits(
        first.dimension,
        own.reduce((total, line) => total + line.quantity, 0),
      ),
      rounded_up: volumeInSpecUnits(
        first.dimension,
        own.reduce((total, line) => total + line.roundedUp, 0),
      ),
      cost: amountOf(sum(own)),
    }
    if (first.component.vat != null) charge.vat = first.component.vat
    return charge
  })
}
