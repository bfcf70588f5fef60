/**
 * What a failed statement's SQLSTATE says (PostgreSQL and PGlite both report it in `code`). The
 * marketplace's own reading: it does not import the hub's storage code (docs/decisions/0022).
 */
function sqlState(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
}

/** A unique index refused the row: another statement wrote the same key first. */
export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === '23505'
}

/** An exclusion constraint refused the row (e.g. two bookings of overlapping slots). */
export function isExclusionViolation(error: unknown): boolean {
  return sqlState(error) === '23P01'
}

/**
 * A deadlock: simultaneous inserts checked by the same exclusion constraint can wait on each other, and
 * PostgreSQL then aborts one of them.
 */
export function isDeadlock(error: unknown): boolean {
  return sqlState(error) === '40P01'
}
