/**
 * An OCPI DateTime as an unambiguous instant for the database: the spec allows leaving out the `Z` (all
 * OCPI times are UTC), which PostgreSQL would otherwise read in the session's time zone.
 *
 * @example
 * utcInstant('2026-11-28T10:00:00')  // '2026-11-28T10:00:00Z'
 */
export function utcInstant(dateTime: string): string {
  return /[zZ]$/.test(dateTime) ? dateTime : `${dateTime}Z`
}

/** The later of two OCPI DateTimes (parents carry the newest `last_updated` of their children). */
export function laterDateTime(a: string, b: string): string {
  return Date.parse(utcInstant(b)) > Date.parse(utcInstant(a)) ? b : a
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const

/**
 * True when `text` starts with a date (`YYYY-MM-DD`) that exists in the calendar, from year 0001: no
 * `2026-02-31`, no `2026-02-29`, no year `0000` (PostgreSQL has no year 0 and refuses such dates, which
 * JavaScript's Date would quietly move on to another day). The rest of the text is not looked at.
 *
 * @example
 * hasCalendarDate('2024-02-29T00:00:00Z')  // true
 * hasCalendarDate('2026-02-31T00:00:00Z')  // false
 */
export function hasCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(text)
  if (!match) return false
  const year = Number(match[1])
  const month = Number(match[2])
  const day = Number(match[3])
  if (year < 1 || month < 1 || month > 12 || day < 1) return false
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)
}

/**
 * An OCPI DateTime (types.asciidoc): RFC 3339 in UTC, `Z` or no zone designator, up to 9 fraction digits
 * (see DateTime in ocpi-types.schema.ts), on a day the calendar has.
 */
export const OCPI_DATE_TIME_PATTERN =
  '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?Z?$'
const OCPI_DATE_TIME = new RegExp(OCPI_DATE_TIME_PATTERN)

export function isOcpiDateTime(text: string): boolean {
  return OCPI_DATE_TIME.test(text) && hasCalendarDate(text)
}
