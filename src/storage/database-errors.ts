/** SQLSTATE of a unique constraint violation; PostgreSQL and PGlite both report it in `code`. */
const UNIQUE_VIOLATION = '23505'

/** The statement broke a unique constraint: typically a concurrent request claimed the same key first. */
export function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === UNIQUE_VIOLATION
  )
}

/** Node socket errors of a database connection that could not be made or was lost. */
const CONNECTION_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
])

/**
 * SQLSTATEs of a server that is going away or cannot take the connection: class 08 (connection
 * exception), 57P01–57P03 (terminated by the administrator, crash, starting up), 53300 (too many
 * connections).
 */
const CONNECTION_SQLSTATE = /^(08...|57P0[123]|53300)$/

/** Messages of node-postgres for a connection that ended under a query or could not be made in time. */
const CONNECTION_MESSAGES =
  /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect/

/**
 * The query failed because the database could not be reached or the connection was lost (a restart, a
 * failover, a network cut), not because of the query: the request may succeed when it is sent again.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { code, message } = error as { code?: unknown; message?: unknown }
  if (typeof code === 'string' && (CONNECTION_ERRNOS.has(code) || CONNECTION_SQLSTATE.test(code))) {
    return true
  }
  return typeof message === 'string' && CONNECTION_MESSAGES.test(message)
}
