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

/**
 * At most `limit` of the steps given to the returned function run at a time; the others wait their turn
 * in order. For steps that need a core each (a Node process compiling the sources), where more at once
 * would only make each slower.
 */
export function atMostAtOnce(limit: number): <T>(step: () => Promise<T>) => Promise<T> {
  let running = 0
  const waiting: (() => void)[] = []
  return async (step) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve))
    else running += 1
    try {
      return await step()
    } finally {
      const next = waiting.shift()
      if (next) next()
      else running -= 1
    }
  }
}
