/** SQLSTATE of a unique constraint violation; PostgreSQL and PGlite both report it in `code`. */
const UNIQUE_VIOLATION = '23505'

/** The statement broke a unique constraint: typically a concurrent request claimed the same key first. */
export function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === UNIQUE_VIOLATION
  )
}
