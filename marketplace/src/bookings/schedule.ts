import { DateTime } from 'luxon'
import type { OpenPeriod, Schedule } from './schedule.schema.ts'

/** OCPI Hours (mod_locations): what a listing's schedule is sent to the hub as, in its Location. */
export interface OpeningTimes {
  twentyfourseven: boolean
  regular_hours?: { weekday: number; period_begin: string; period_end: string }[]
  exceptional_openings?: { period_begin: string; period_end: string }[]
  exceptional_closings?: { period_begin: string; period_end: string }[]
}

/** What is wrong with a schedule, in words, or undefined when nothing is. */
export function scheduleProblem(schedule: Schedule): string | undefined {
  for (const period of schedule.weekly)
    if (period.end <= period.begin)
      return `weekly: on day ${period.weekday} the period ends (${period.end}) before it begins (${period.begin})`
  const dates = new Set<string>()
  for (const exception of schedule.exceptions) {
    if (!DateTime.fromISO(exception.date).isValid) return `exceptions: ${exception.date} is not a date`
    if (dates.has(exception.date)) return `exceptions: ${exception.date} is there twice`
    dates.add(exception.date)
    for (const period of exception.hours)
      if (period.end <= period.begin)
        return `exceptions: on ${exception.date} a period ends (${period.end}) before it begins (${period.begin})`
  }
  return undefined
}

function at(date: string, time: string, timeZone: string): DateTime {
  return DateTime.fromISO(`${date}T${time}`, { zone: timeZone })
}

function utc(moment: DateTime): string {
  return moment.toUTC().toISO({ suppressMilliseconds: true }) ?? ''
}

/**
 * The schedule as OCPI opening times. An exception day becomes closings for every part of that local
 * day outside its hours (closings override regular hours and openings) and openings for its hours.
 */
export function openingTimesOf(schedule: Schedule, timeZone: string): OpeningTimes {
  const exceptional_openings: { period_begin: string; period_end: string }[] = []
  const exceptional_closings: { period_begin: string; period_end: string }[] = []
  for (const exception of schedule.exceptions) {
    const hours = [...exception.hours].sort((a, b) => a.begin.localeCompare(b.begin))
    let closedFrom = at(exception.date, '00:00', timeZone)
    for (const period of hours) {
      const begin = at(exception.date, period.begin, timeZone)
      const end = at(exception.date, period.end, timeZone)
      if (begin > closedFrom)
        exceptional_closings.push({ period_begin: utc(closedFrom), period_end: utc(begin) })
      exceptional_openings.push({ period_begin: utc(begin), period_end: utc(end) })
      if (end > closedFrom) closedFrom = end
    }
    const nextMidnight = at(exception.date, '00:00', timeZone).plus({ days: 1 })
    if (nextMidnight > closedFrom)
      exceptional_closings.push({ period_begin: utc(closedFrom), period_end: utc(nextMidnight) })
  }
  return {
    twentyfourseven: false,
    regular_hours: schedule.weekly.map((period) => ({
      weekday: period.weekday,
      period_begin: period.begin,
      period_end: period.end,
    })),
    ...(exceptional_openings.length > 0 && { exceptional_openings }),
    ...(exceptional_closings.length > 0 && { exceptional_closings }),
  }
}

/** The opening periods of one local date: its exception's hours, or the weekly ones of its weekday. */
export function periodsOn(schedule: Schedule, date: DateTime): readonly OpenPeriod[] {
  const day = date.toISODate()
  const exception = schedule.exceptions.find((e) => e.date === day)
  return exception ? exception.hours : schedule.weekly.filter((p) => p.weekday === date.weekday)
}

/** Whether the slot [start, end) lies inside one opening period of the listing's local day. */
export function scheduleOpensFor(schedule: Schedule, timeZone: string, start: Date, end: Date): boolean {
  const localStart = DateTime.fromJSDate(start, { zone: timeZone })
  const date = localStart.toISODate() ?? ''
  return periodsOn(schedule, localStart).some((period) => {
    const begin = at(date, period.begin, timeZone)
    const close = at(date, period.end, timeZone)
    return begin.toMillis() <= start.getTime() && end.getTime() <= close.toMillis()
  })
}

/** The opening periods as instants, day by day, from the local day of `from` for `days` days. */
export function openPeriods(
  schedule: Schedule,
  timeZone: string,
  from: Date,
  days: number,
): { begin: Date; end: Date }[] {
  const first = DateTime.fromJSDate(from, { zone: timeZone }).startOf('day')
  return Array.from({ length: days }, (_, index) => first.plus({ days: index })).flatMap((day) => {
    const date = day.toISODate() ?? ''
    return periodsOn(schedule, day).map((period) => ({
      begin: at(date, period.begin, timeZone).toJSDate(),
      end: at(date, period.end, timeZone).toJSDate(),
    }))
  })
}

/** The opening periods after `now` minus the booked slots (sorted by their start). */
export function freePeriods(
  periods: readonly { begin: Date; end: Date }[],
  taken: readonly { starts_at: Date; ends_at: Date }[],
  now: Date,
): { begin: Date; end: Date }[] {
  const free: { begin: Date; end: Date }[] = []
  for (const period of periods) {
    let cursor = Math.max(period.begin.getTime(), now.getTime())
    const end = period.end.getTime()
    for (const slot of taken) {
      if (slot.ends_at.getTime() <= cursor || slot.starts_at.getTime() >= end) continue
      if (slot.starts_at.getTime() > cursor) free.push({ begin: new Date(cursor), end: slot.starts_at })
      cursor = Math.max(cursor, slot.ends_at.getTime())
    }
    if (cursor < end) free.push({ begin: new Date(cursor), end: new Date(end) })
  }
  return free
}
