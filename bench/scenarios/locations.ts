import type { Coverage } from '../partners/partner-contract.ts'
import type { PartyRef } from '../../src/core/party.ts'
import { aLocation, anEvse } from '../../test/fixtures/locations.ts'
import type { BenchContext } from '../lib/bench-context.ts'

/** Locations the bench pushes: the fixtures' valid 2.3.0 objects, with ids the load generator fills in. */

export function evseUids(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `E${i + 1}`)
}

/** A Location of `owner` with `evses` EVSEs; `id` may hold `{seq}`, which then also goes into each evse_id. */
export function benchLocation(owner: PartyRef, id: string, evses: number): string {
  const location = aLocation(
    {
      id,
      evses: evseUids(evses).map((uid) =>
        anEvse(
          uid,
          { evse_id: `${owner.country_code}*${owner.party_id}*E${id.replace(/[^A-Za-z0-9{}]/g, '')}${uid}` },
          owner,
        ),
      ),
    },
    owner,
  )
  return JSON.stringify(location)
}

/** An EVSE status PATCH (the most frequent Locations message); `{ts}` makes each one a change. */
export function statusPatch(status: string): string {
  return JSON.stringify({ status, last_updated: '{ts}' })
}

/**
 * Waits until the partners have received `expected` requests in total (after a reset), polling. Gives
 * up after `budgetMs`: returns false when that is a budget shorter than the drain timeout, else throws.
 */
export async function waitForArrivals(
  context: BenchContext,
  expected: number,
  field: 'total' | 'unique' = 'total',
  budgetMs = context.sizes.drainTimeoutMs,
): Promise<boolean> {
  const started = Date.now()
  for (;;) {
    const counts = await context.partners.call('counts', null)
    if (counts[field] >= expected) return true
    if (Date.now() - started > budgetMs) {
      if (budgetMs < context.sizes.drainTimeoutMs) return false
      throw new Error(`only ${counts[field]} of ${expected} deliveries arrived within ${budgetMs} ms`)
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/**
 * Waits until every key (path | last_updated) reached `receivers` platforms, itself or through a newer write
 * of its path (see Coverage), polling. Gives up after `budgetMs`: returns the last coverage either way.
 */
export async function waitForCoverage(
  context: BenchContext,
  keys: readonly string[],
  receivers: number,
  budgetMs = context.sizes.drainTimeoutMs,
): Promise<{ coverage: Coverage; complete: boolean }> {
  const started = Date.now()
  for (;;) {
    const coverage = await context.partners.call('coverage', { keys })
    const complete = coverage.reached.every(([reached]) => reached >= receivers)
    if (complete || Date.now() - started > budgetMs) return { coverage, complete }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
