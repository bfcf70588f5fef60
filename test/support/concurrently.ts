/**
 * Runs independent steps at once and waits for every one of them before failing with the first failure:
 * a failing step never leaves others still under way into the next test.
 */
export async function allSettledOrThrow<T>(steps: readonly Promise<T>[]): Promise<T[]> {
  const outcomes = await Promise.allSettled(steps)
  const failure = outcomes.find((outcome) => outcome.status === 'rejected')
  if (failure) throw failure.reason
  return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<T>).value)
}
