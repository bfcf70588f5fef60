import type { FastifyBaseLogger } from 'fastify'
import type { PartyDirectory } from '../directory/party-directory.ts'
import type { Db } from '../storage/database.ts'
import { RetentionJob } from '../storage/retention.ts'
import type { PartnerExchange } from '../partners/ocpi/ocpi-client.ts'
import {
  keepBody,
  loggableUrl,
  maskTokens,
  routingPartiesOf,
  wasAccepted,
  type ExchangeOutcome,
  type MessageLogEntry,
} from './message-log-entry.ts'
import { insertEntries, pruneMessages } from './message-log.store.ts'
import { OutboundReceivers } from './outbound-receivers.ts'

export interface MessageLogOptions {
  readonly enabled: boolean
  /** Bytes of each body kept for a failed, refused or erroneous exchange. */
  readonly bodyLimitBytes: number
  /** Bytes of each body kept for an accepted exchange (at most `bodyLimitBytes`); without it, `bodyLimitBytes`. */
  readonly acceptedBodyLimitBytes?: number
  readonly retentionDays: number
  /** How often buffered entries are written. */
  readonly flushIntervalMs?: number
  /** Entries per insert; a full batch is written at once, without waiting for the interval. */
  readonly batchSize?: number
  /** Bounds of the buffer while the store is slow: beyond them the oldest entries are dropped. */
  readonly maxBufferedEntries?: number
  readonly maxBufferedBytes?: number
  readonly pruneIntervalMs?: number
}

const DEFAULTS = {
  flushIntervalMs: 200,
  batchSize: 200,
  maxBufferedEntries: 20_000,
  maxBufferedBytes: 64 * 1024 * 1024,
}

/** Warnings about dropped entries or failed writes: at most one per this many ms. */
const WARN_EVERY_MS = 10_000
const HOUR_MS = 60 * 60 * 1000

/**
 * The message log's writer. Requests only hand it an entry (no I/O, no waiting); it buffers them and writes
 * one multi-row insert every `flushIntervalMs` or every `batchSize` entries. A store too slow to keep up
 * never holds requests back: past the buffer's bounds the oldest entries are dropped, counted and warned
 * about. Also prunes entries older than the retention, at start and every hour.
 *
 * @example
 * const messageLog = new MessageLogWriter(db, log, config.messageLog, directory)
 * events.on('partner.exchange', messageLog.observeExchange)
 * messageLog.start()   // …   await messageLog.stop()   // flushes what is left
 */
export class MessageLogWriter {
  readonly #db: Db
  readonly #log: FastifyBaseLogger
  readonly #options: Required<MessageLogOptions>
  readonly #receivers: OutboundReceivers | undefined
  #buffer: MessageLogEntry[] = []
  #bufferedBytes = 0
  #flushing: Promise<void> | undefined
  #flushSoon = false
  readonly #retention: RetentionJob
  #flushTimer: NodeJS.Timeout | undefined
  #dropped = 0
  #droppedSinceWarning = 0
  #lastWarningAt = 0
  #written = 0

  /** Without a directory, entries keep what the client and the request reported (no platform from a URL). */
  constructor(db: Db, log: FastifyBaseLogger, options: MessageLogOptions, directory?: PartyDirectory) {
    this.#db = db
    this.#log = log.child({ component: 'message-log' })
    this.#options = {
      ...options,
      acceptedBodyLimitBytes: Math.min(
        options.acceptedBodyLimitBytes ?? options.bodyLimitBytes,
        options.bodyLimitBytes,
      ),
      flushIntervalMs: options.flushIntervalMs ?? DEFAULTS.flushIntervalMs,
      batchSize: options.batchSize ?? DEFAULTS.batchSize,
      maxBufferedEntries: options.maxBufferedEntries ?? DEFAULTS.maxBufferedEntries,
      maxBufferedBytes: options.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes,
      pruneIntervalMs: options.pruneIntervalMs ?? HOUR_MS,
    }
    this.#receivers = directory && new OutboundReceivers(directory)
    this.#retention = new RetentionJob(this.#log, {
      name: 'message log',
      retentionDays: options.retentionDays,
      intervalMs: this.#options.pruneIntervalMs,
      prune: (before) => pruneMessages(db, before),
    })
  }

  get enabled(): boolean {
    return this.#options.enabled
  }

  /**
   * Bytes of each body the log keeps of an exchange: failures in full (up to the body limit), so that the
   * integration engineer sees what was refused; accepted exchanges a prefix, so that the log of a busy hub
   * stays a fraction of the objects it carries (docs/decisions/0008-message-log-bodies.md).
   */
  bodyLimitFor(outcome: ExchangeOutcome): number {
    return wasAccepted(outcome) ? this.#options.acceptedBodyLimitBytes : this.#options.bodyLimitBytes
  }

  /** Entries dropped since start (buffer full while the store was slow, or a failed insert). */
  get droppedEntries(): number {
    return this.#dropped
  }

  /** Entries written since start. */
  get writtenEntries(): number {
    return this.#written
  }

  start(): void {
    if (this.#options.enabled && !this.#flushTimer) {
      this.#flushTimer = setInterval(() => void this.flush(), this.#options.flushIntervalMs)
      this.#flushTimer.unref()
    }
    // Pruning goes on when logging is off: entries from before still expire.
    this.#retention.start()
  }

  /** Stops the timers and writes everything still buffered. */
  async stop(): Promise<void> {
    clearInterval(this.#flushTimer)
    this.#flushTimer = undefined
    await this.#retention.stop()
    await this.flush()
  }

  /** Buffers one entry; never waits and never throws. */
  add(entry: MessageLogEntry): void {
    if (!this.#options.enabled) return
    this.#buffer.push(entry)
    this.#bufferedBytes += sizeOf(entry)
    while (
      this.#buffer.length > this.#options.maxBufferedEntries ||
      (this.#bufferedBytes > this.#options.maxBufferedBytes && this.#buffer.length > 1)
    ) {
      this.#bufferedBytes -= sizeOf(this.#buffer.shift()!)
      this.#countDropped(1, 'the message log buffer is full (the store is slow): oldest entries dropped')
    }
    if (this.#buffer.length >= this.#options.batchSize && !this.#flushSoon) {
      this.#flushSoon = true
      setImmediate(() => {
        this.#flushSoon = false
        void this.flush()
      })
    }
  }

  /** Subscriber of `partner.exchange`: one entry per outbound call. */
  readonly observeExchange = (exchange: PartnerExchange): void => {
    if (!this.#options.enabled) return
    const { from, to } = routingPartiesOf(exchange.headers)
    const outcome = {
      httpStatus: exchange.httpStatus ?? null,
      ocpiStatus: exchange.ocpiStatus ?? null,
      error: exchange.failure ? `${exchange.failure.failure}: ${exchange.failure.message}` : null,
    }
    const limit = this.bodyLimitFor(outcome)
    this.add({
      ...outcome,
      loggedAt: exchange.startedAt,
      direction: 'out',
      platformId: null,
      from,
      to,
      module: null,
      method: exchange.method,
      path: loggableUrl(exchange.url),
      latencyMs: exchange.durationMs,
      requestId: exchange.requestId,
      correlationId: exchange.correlationId || null,
      note: exchange.note ?? null,
      requestBody: keepBody(exchange.requestBody, limit),
      responseBody: keepBody(exchange.responseBody, limit),
      tokenHash: exchange.tokenHash,
    })
  }

  /** Writes everything buffered now, in batches; a flush already running is joined. */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing
    if (this.#buffer.length === 0) return
    this.#flushing = this.#drain().finally(() => (this.#flushing = undefined))
    await this.#flushing
  }

  async #drain(): Promise<void> {
    while (this.#buffer.length > 0) {
      const batch = this.#buffer.splice(0, this.#options.batchSize)
      for (const entry of batch) this.#bufferedBytes -= sizeOf(entry)
      try {
        await this.#complete(batch)
        await insertEntries(this.#db, batch.map(withMaskedTokens))
        this.#written += batch.length
        // Requests go first between batches (an embedded store's insert runs on this event loop).
        if (this.#buffer.length > 0) await new Promise((resolve) => setImmediate(resolve))
      } catch (error) {
        // Not put back: a batch the store refuses would be refused again and block every later entry.
        this.#countDropped(batch.length, 'could not write to the message log: entries dropped', error)
      }
    }
  }

  /** Fills in what only the party directory knows: the platform and module of outbound calls, single parties. */
  async #complete(batch: readonly MessageLogEntry[]): Promise<void> {
    const directory = this.#receivers
    if (!directory) return
    const misses = batch.filter((entry) =>
      entry.tokenHash !== undefined
        ? !directory.knowsToken(entry.tokenHash)
        : entry.platformId !== null && !directory.knowsPlatform(entry.platformId),
    )
    try {
      await directory.refresh(misses.length > 0)
    } catch (error) {
      // Written without platform and module rather than not at all; the insert will say if the store is down.
      this.#log.debug({ err: error }, 'message log: could not read the party directory')
    }
    for (const entry of batch) {
      if (entry.direction === 'out') {
        const receiver = directory.receiverOf(entry.path, entry.tokenHash)
        entry.platformId = receiver.platformId
        entry.module = receiver.module
        entry.to ??= receiver.party
      } else {
        entry.from ??= directory.onlyPartyOf(entry.platformId)
      }
    }
  }

  #countDropped(count: number, message: string, error?: unknown): void {
    this.#dropped += count
    this.#droppedSinceWarning += count
    const now = Date.now()
    if (now - this.#lastWarningAt < WARN_EVERY_MS) return
    this.#log.warn({ dropped: this.#droppedSinceWarning, droppedTotal: this.#dropped, err: error }, message)
    this.#droppedSinceWarning = 0
    this.#lastWarningAt = now
  }
}

function withMaskedTokens(entry: MessageLogEntry): MessageLogEntry {
  const requestBody = maskTokens(entry.requestBody)
  const responseBody = maskTokens(entry.responseBody)
  return requestBody === entry.requestBody && responseBody === entry.responseBody
    ? entry
    : { ...entry, requestBody, responseBody }
}

/** Roughly the memory an entry holds: its bodies (UTF-16) and a fixed part. */
function sizeOf(entry: MessageLogEntry): number {
  return 512 + 2 * ((entry.requestBody.text?.length ?? 0) + (entry.responseBody.text?.length ?? 0))
}
