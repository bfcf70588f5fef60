import { utcInstant } from '../core/date-time.ts'
import { DAYS_OF_WEEK, type DayOfWeek } from '../modules/tariffs/tariffs.schema.ts'
import { PricingError } from './pricing-types.ts'

/**
 * Local wall-clock time of a Location's IANA time zone, from the runtime's own time zone data (`Intl`):
 * tariff restrictions (`start_time`, `day_of_week`, `start_date`, …) are local, sessions are in UTC.
 */

export const MS_PER_DAY = 86_400_000

export interface LocalMoment {
  /** `YYYY-MM-DD` */
  date: string
  /** Milliseconds since local midnight. */
  timeOfDayMs: number
  dayOfWeek: DayOfWeek
}

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone)
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        weekday: 'long',
      })
    } catch {
      throw new PricingError('INVALID_TIME_ZONE', `Unknown time zone "${timeZone}"`)
    }
    formatters.set(timeZone, formatter)
  }
  return formatter
}

/** Throws INVALID_TIME_ZONE when the runtime does not know `timeZone`. */
export function checkTimeZone(timeZone: string): void {
  formatterOf(timeZone)
}

interface WallClock {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
  weekday: string
}

function wallClock(instantMs: number, timeZone: string): WallClock {
  const fields: Record<string, string> = {}
  for (const part of formatterOf(timeZone).formatToParts(instantMs)) fields[part.type] = part.value
  return {
    year: Number(fields.year),
    month: Number(fields.month),
    day: Number(fields.day),
    hour: Number(fields.hour),
    minute: Number(fields.minute),
    second: Number(fields.second),
    weekday: fields.weekday ?? '',
  }
}

function wallClockAsUtc(clock: WallClock): number {
  return Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute, clock.second)
}

/** How far local time is ahead of UTC at `instantMs`. */
export function utcOffsetMs(instantMs: number, timeZone: string): number {
  const wholeSecond = Math.floor(instantMs / 1000) * 1000
  return wallClockAsUtc(wallClock(wholeSecond, timeZone)) - wholeSecond
}

export function localMoment(instantMs: number, timeZone: string): LocalMoment {
  const clock = wallClock(instantMs, timeZone)
  const pad = (value: number, width = 2) => String(value).padStart(width, '0')
  const millis = ((instantMs % 1000) + 1000) % 1000
  return {
    date: `${pad(clock.year, 4)}-${pad(clock.month)}-${pad(clock.day)}`,
    timeOfDayMs: ((clock.hour * 60 + clock.minute) * 60 + clock.second) * 1000 + millis,
    dayOfWeek: DAYS_OF_WEEK.find((day) => day === clock.weekday.toUpperCase()) ?? 'MONDAY',
  }
}

/** Local midnight of the local date of `instantMs`, as a UTC day number (ms at 00:00 UTC of that date). */
export function localDateAsUtcDay(instantMs: number, timeZone: string): number {
  const clock = wallClock(instantMs, timeZone)
  return Date.UTC(clock.year, clock.month - 1, clock.day)
}

/**
 * The instants at which the wall clock shows `msOfDay` on the local date `utcDay` (see localDateAsUtcDay).
 * Usually one; around a change of UTC offset it may be two (the hour repeated in autumn), or two instants
 * near a time the clock skips in spring, which are harmless as extra period boundaries.
 */
export function instantsOfWallTime(utcDay: number, msOfDay: number, timeZone: string): number[] {
  const asUtc = utcDay + msOfDay
  const first = asUtc - utcOffsetMs(asUtc, timeZone)
  const second = asUtc - utcOffsetMs(first, timeZone)
  return first === second ? [first] : [first, second]
}

/** The first instant in (from, to] whose UTC offset differs from the one at `from`, when there is one. */
export function offsetChangeBetween(from: number, to: number, timeZone: string): number | undefined {
  const offsetAtStart = utcOffsetMs(from, timeZone)
  if (utcOffsetMs(to, timeZone) === offsetAtStart) return undefined
  let before = from
  let after = to
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2)
    if (utcOffsetMs(middle, timeZone) === offsetAtStart) before = middle
    else after = middle
  }
  return after
}

/** An OCPI DateTime (UTC, `Z` optional) as epoch milliseconds; `what` names it in the error. */
export function instantOf(dateTime: string, what: string): number {
  const instant = Date.parse(utcInstant(dateTime))
  if (Number.isNaN(instant))
    throw new PricingError('INVALID_INPUT', `${what} is not a DateTime: "${dateTime}"`)
  return instant
}

/** Epoch milliseconds as an OCPI DateTime, without a fraction when it is zero. */
export function formatInstant(instant: number): string {
  return new Date(instant).toISOString().replace('.000Z', 'Z')
}
