/**
 * How much longer than usual the tests may wait, from `TEST_TIMEOUT_SCALE` (default 1). On a busy or slow
 * machine `TEST_TIMEOUT_SCALE=3` triples the default test and hook timeouts, the limits given through
 * `scaled()`, and every wait for a hub process, a delivery, a request or a log line (`eventually`,
 * `waitForRequests`, the hub processes' `waitFor`). The waits poll, so a scale above 1 costs time only
 * when something is slow to happen. (A test that sets a limit of its own as a number, 60 s or more, keeps it.)
 */
export const TIMEOUT_SCALE = parseScale(process.env['TEST_TIMEOUT_SCALE'])

/** `ms` scaled by TEST_TIMEOUT_SCALE. */
export function scaled(ms: number): number {
  return Math.round(ms * TIMEOUT_SCALE)
}

function parseScale(value: string | undefined): number {
  if (value === undefined || value === '') return 1
  const scale = Number(value)
  if (!Number.isFinite(scale) || scale < 1)
    throw new Error(`TEST_TIMEOUT_SCALE must be a number of 1 or more, got ${JSON.stringify(value)}`)
  return scale
}
