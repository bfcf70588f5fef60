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
