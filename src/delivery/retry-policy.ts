/**
 * Exponential backoff with jitter: the n-th retry waits base·2^(n-1), capped at max, then spread over its
 * upper half so receivers coming back are not hit by every hub process at the same moment.
 *
 * @example
 * retryDelayMs(1, 1000, 60000) // between 500 and 1000
 * retryDelayMs(4, 1000, 60000) // between 4000 and 8000
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2))
}
