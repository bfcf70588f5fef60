import type { HubEventBus } from '../events/hub-events.ts'
import { countTrafficByBucket, type TrafficCounts } from '../message-log/message-log.store.ts'
import type { Db } from '../storage/database.ts'

/** A chart's time axis: `count` buckets of `bucketSeconds`, the last one the bucket of now. */
export interface BucketWindow {
  readonly bucketSeconds: number
  readonly count: number
}

export const WINDOWS = {
  hour: { bucketSeconds: 60, count: 60 },
  day: { bucketSeconds: 900, count: 96 },
} as const satisfies Record<string, BucketWindow>

export type WindowName = keyof typeof WINDOWS

const NO_TRAFFIC: TrafficCounts = { requestsIn: 0, requestsOut: 0, errorsIn: 0, errorsOut: 0 }

/** Bucket starts (ms since the epoch) of a window ending with the bucket of `now`, oldest first. */
function bucketStarts(window: BucketWindow, now: number): number[] {
  const size = window.bucketSeconds * 1000
  const current = Math.floor(now / size) * size
  return Array.from({ length: window.count }, (_, index) => current - (window.count - 1 - index) * size)
}

/**
 * The message log's traffic per bucket, with the buckets that can no longer change kept in memory: a
 * chart polled every few seconds reads only the last minutes of the log, not the whole hour or day again
 * (a busy hub logs millions of requests a day). A bucket is settled once its end is `settleMs` past: an
 * entry is logged with its start time but written when it ends (up to the longest outbound wait) and its
 * batch is flushed. Kept per process; every process reads the same shared log.
 */
export class TrafficHistory {
  readonly #db: Db
  readonly #settleMs: number
  /** `{platform or *}|{bucket seconds}` → bucket start → counts. */
  readonly #settled = new Map<string, Map<number, TrafficCounts>>()

  constructor(db: Db, settleMs: number) {
    this.#db = db
    this.#settleMs = settleMs
  }

  /** Counts per bucket of `window`, oldest first; `platformId`: only that platform's requests. */
  async buckets(
    window: BucketWindow,
    platformId?: string,
    now = Date.now(),
  ): Promise<{ start: number; counts: TrafficCounts }[]> {
    const size = window.bucketSeconds * 1000
    const starts = bucketStarts(window, now)
    const key = `${platformId ?? '*'}|${window.bucketSeconds}`
    let settled = this.#settled.get(key)
    if (!settled) this.#settled.set(key, (settled = new Map<number, TrafficCounts>()))
    for (const start of settled.keys()) if (start < starts[0]!) settled.delete(start)
    const isSettled = (start: number) => start + size <= now - this.#settleMs
    // From the oldest bucket not known yet to now, in one range scan.
    const queryFrom = starts.find((start) => !settled.has(start))
    const counted =
      queryFrom === undefined
        ? new Map<number, TrafficCounts>()
        : await countTrafficByBucket(this.#db, {
            from: new Date(queryFrom),
            until: new Date(starts.at(-1)! + size),
            bucketSeconds: window.bucketSeconds,
            platformId,
          })
    for (const start of starts) {
      if (!settled.has(start) && isSettled(start)) settled.set(start, counted.get(start) ?? NO_TRAFFIC)
    }
    return starts.map((start) => ({
      start,
      counts: settled.get(start) ?? counted.get(start) ?? NO_TRAFFIC,
    }))
  }
}
/** Delivery outcomes in one minute. */
export interface DeliveryOutcomes {
  delivered: number
  /** Tries that failed and will be retried. */
  failed: number
  /** Messages parked as dead. */
  dead: number
}

const MINUTE_MS = 60_000
const DAY_MINUTES = 24 * 60

/**
 * Delivery outcomes of this process's worker, per minute over the last day, counted from its
 * `delivery.*` events. The queue deletes a delivered message, so no table remembers it: these figures are
 * this process's since it started (docs/admin-api.md says so).
 */
export class DeliveryOutcomeCounter {
  readonly #minutes = new Map<number, DeliveryOutcomes>()
  readonly #unsubscribe: (() => void)[]

  constructor(events: HubEventBus) {
    this.#unsubscribe = [
      events.on('delivery.delivered', () => this.#count('delivered')),
      events.on('delivery.failed', () => this.#count('failed')),
      events.on('delivery.dead', () => this.#count('dead')),
    ]
  }

  #count(outcome: keyof DeliveryOutcomes): void {
    const now = Date.now()
    const minute = Math.floor(now / MINUTE_MS) * MINUTE_MS
    let counts = this.#minutes.get(minute)
    if (!counts) {
      this.#minutes.set(minute, (counts = { delivered: 0, failed: 0, dead: 0 }))
      // Only a day is ever asked for: older minutes go as new ones come.
      for (const old of this.#minutes.keys())
        if (old <= minute - DAY_MINUTES * MINUTE_MS) this.#minutes.delete(old)
    }
    counts[outcome]++
  }

  /** The outcomes in [start, start + bucketSeconds). */
  inBucket(start: number, bucketSeconds: number): DeliveryOutcomes {
    const total = { delivered: 0, failed: 0, dead: 0 }
    for (let minute = start; minute < start + bucketSeconds * 1000; minute += MINUTE_MS) {
      const counts = this.#minutes.get(minute)
      if (!counts) continue
      total.delivered += counts.delivered
      total.failed += counts.failed
      total.dead += counts.dead
    }
    return total
  }

  stop(): void {
    for (const stop of this.#unsubscribe) stop()
  }
}
