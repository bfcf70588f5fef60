import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { FastifyBaseLogger } from 'fastify'
import { OcpiError } from '../core/errors.ts'
import type { EventSink } from '../core/events.ts'
import type { HubEvents } from '../events/hub-events.ts'
import type {
  HttpMethod,
  PartnerChannel,
  PartnerOutcome,
  PartnerPlatform,
} from '../partners/partner-channel.ts'
import type { Db } from '../storage/database.ts'
import type { DeliveryRow } from '../storage/tables.ts'
import { storedOutboundPath, type OutboundPath } from '../core/outbound-path.ts'
import type { PartyDirectory } from '../directory/party-directory.ts'
import { claimDue, markDelivered, markFailed, postpone, type FailedAttempt } from './outbox.ts'
import { retryDelayMs } from './retry-policy.ts'
import { QueueUpkeep } from './queue-upkeep.ts'
import { WorkerRegistry } from './worker-registry.ts'
import { CompletionBatch } from './completion-batch.ts'
import { isPartnerMessage, type WebhookChannel } from './webhook-channel.ts'

export interface DeliveryWorkerOptions {
  /** Messages being sent at the same time by this process. */
  readonly maxInFlight: number
  /** How often the queue is looked at when nothing wakes the worker (other processes' messages, retries). */
  readonly pollIntervalMs: number
  /** Tries before a message is parked as dead. */
  readonly maxAttempts: number
  readonly retryBaseMs: number
  readonly retryMaxMs: number
  /** Time a receiver has to answer one message. */
  readonly timeoutMs: number
  /** Messages one receiver may have in flight at once: a receiver that hangs cannot take every slot. */
  readonly maxInFlightPerReceiver: number
  /** Failed attempts in a row to one receiver after which it is marked OFFLINE and its queue waits. */
  readonly offlineAfterFailures: number
  /**
   * Marks a receiver that stopped answering OFFLINE (platform and parties, ClientInfo queued to the others);
   * returns the number of messages it queued. Without one the receiver's queue simply keeps retrying.
   */
  readonly markReceiverOffline?: ((platformId: string) => Promise<number>) | undefined
  /** Told the outcome of every attempt once the queue recorded it (metrics, UIs). */
  readonly events: EventSink<Pick<HubEvents, 'delivery.delivered' | 'delivery.failed' | 'delivery.dead'>>
  /** Where a receiver's version, endpoints and token are read. */
  readonly directory: PartyDirectory
  /** How often this worker tells the others it is alive (worker-registry.ts). */
  readonly heartbeatIntervalMs: number
  /** A worker silent this long is dead: the messages it was sending are released at once. */
  readonly workerStaleAfterMs: number
  /** Only this process uses the database (PGlite): at start, every other worker's lease is dead. */
  readonly soleProcess: boolean
  /** Sends the messages queued for webhook subscriptions; without it they fail and wait for their retries. */
  readonly webhooks?: WebhookChannel | undefined
}

/** Accepted messages leave the queue in one transaction per this many, or this long after the first. */
const COMPLETION_BATCH = { maxBatch: 100, maxDelayMs: 2 }

/** The queue is vacuumed and analysed this often (queue-upkeep.ts). */
const QUEUE_UPKEEP = { rows: 5_000, ms: 10_000 }

/** Postponements for the hub's own resource trouble are logged at most this often (with a count). */
const LOCAL_FAILURE_LOG_INTERVAL_MS = 10_000

/**
 * Drains the outbox: claims due messages, sends each to its receiver's RECEIVER interface through the
 * partner channel, and records the outcome (gone when accepted, retried with backoff when the failure may
 * pass, parked as dead when it will not or after too many tries). Every hub process runs one; they share
 * the queue through row locks.
 */
export class DeliveryWorker {
  readonly #db: Db
  readonly #partners: PartnerChannel
  readonly #log: FastifyBaseLogger
  readonly #options: DeliveryWorkerOptions
  readonly #workerId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`
  readonly #registry: WorkerRegistry
  #running = false
  #timer: NodeJS.Timeout | undefined
  #inFlight = 0
  #claiming = false
  #claimAgain = false
  #wakeScheduled = false
  #idle: (() => void) | undefined
  /** Failed attempts in a row per receiver, as this process saw them. */
  readonly #failureStreaks = new Map<string, number>()
  /** Receivers that answered 429 with Retry-After: none of their messages is claimed before then. */
  readonly #pausedUntil = new Map<string, number>()
  /** The hub ran out of a local resource (EMFILE…): nothing is claimed before this time (Date.now()). */
  #holdUntil = 0
  /** Deliveries postponed for a local resource since the last log line, and when that line was written. */
  #localFailuresSinceLog = 0
  #localFailureLoggedAt = -Infinity
  readonly #completions: CompletionBatch
  readonly #upkeep: QueueUpkeep

  constructor(db: Db, partners: PartnerChannel, log: FastifyBaseLogger, options: DeliveryWorkerOptions) {
    this.#db = db
    this.#partners = partners
    this.#log = log.child({ component: 'delivery', worker: this.#workerId })
    this.#options = options
    this.#registry = new WorkerRegistry(db, this.#workerId, this.#log, {
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      staleAfterMs: options.workerStaleAfterMs,
      soleProcess: options.soleProcess,
      onLeasesReleased: () => this.wake(),
    })
    this.#completions = new CompletionBatch(async (batch) => {
      // The next message of a key whose head was sent is due now.
      if ((await markDelivered(this.#db, this.#workerId, batch)) > 0) this.wake()
    }, COMPLETION_BATCH)
    this.#upkeep = new QueueUpkeep(db, this.#log, QUEUE_UPKEEP)
  }

  start(): void {
    if (this.#running) return
    this.#running = true
    // Polling starts once registered: a lease taken from then on is one the others release if this process
    // dies, and the leases a killed predecessor left are already released for the first claim.
    void this.#registry.start().then(() => {
      if (!this.#running) return
      this.#timer = setInterval(() => this.wake(), this.#options.pollIntervalMs)
      this.#timer.unref()
      this.wake()
    })
  }

  /** Something was queued or finished: look at the queue soon (coalesced to once per tick). */
  wake(): void {
    if (!this.#running || this.#wakeScheduled) return
    this.#wakeScheduled = true
    setImmediate(() => {
      this.#wakeScheduled = false
      void this.#pump()
    })
  }

  /** Stops claiming and waits for the messages being sent; what is left waits in the queue for the next start. */
  async stop(): Promise<void> {
    this.#running = false
    clearInterval(this.#timer)
    if (this.#inFlight > 0 || this.#claiming) await new Promise<void>((resolve) => (this.#idle = resolve))
    await this.#upkeep.settled()
    await this.#registry.stop()
  }

  async #pump(): Promise<void> {
    if (this.#claiming) {
      this.#claimAgain = true
      return
    }
    this.#claiming = true
    try {
      do {
        this.#claimAgain = false
        const capacity = this.#options.maxInFlight - this.#inFlight
        // After a local resource ran out, the poll timer brings the worker back once the hold is over.
        if (!this.#running || capacity <= 0 || Date.now() < this.#holdUntil) break
        const leaseMs = this.#options.timeoutMs + 5_000
        const claimed = await claimDue(
          this.#db,
          this.#workerId,
          {
            limit: capacity,
            perReceiver: this.#options.maxInFlightPerReceiver,
            waitingReceivers: [
              ...this.#pausedReceivers(),
              ...this.#options.directory.offlinePlatformIds(),
              ...(this.#options.webhooks?.waitingReceivers() ?? []),
            ],
          },
          leaseMs,
        )
        for (const row of claimed) {
          this.#inFlight += 1
          void this.#deliver(row).finally(() => {
            this.#inFlight -= 1
            this.#settle()
            this.wake()
          })
        }
        this.#upkeep.claimed(claimed.length)
        if (claimed.length === capacity) this.#claimAgain = true
      } while (this.#claimAgain)
    } catch (error) {
      this.#log.error({ err: error }, 'could not read the delivery queue')
    } finally {
      this.#claiming = false
      this.#settle()
    }
  }

  #pausedReceivers(): string[] {
    const now = Date.now()
    for (const [receiver, until] of this.#pausedUntil) if (until <= now) this.#pausedUntil.delete(receiver)
    return [...this.#pausedUntil.keys()]
  }

  #settle(): void {
    if (!this.#running && this.#inFlight === 0 && !this.#claiming && this.#idle) {
      this.#idle()
      this.#idle = undefined
    }
  }

  async #deliver(row: DeliveryRow): Promise<void> {
    const log = this.#log.child({
      deliveryId: row.id,
      receiver: row.receiver_platform_id,
      module: row.module,
      correlationId: row.correlation_id,
    })
    try {
      if (!isPartnerMessage(row)) return await this.#deliverWebhook(row, log)
      const receiver = await this.#receiver(row.receiver_platform_id)
      if (!receiver) {
        await this.#fail(row, log, await this.#noEndpoint(row))
        return
      }
      const path = await this.#queuedPath(row, log)
      if (path === undefined) return
      const outcome = await this.#partners.deliver(receiver, {
        module: row.module,
        interfaceRole: 'RECEIVER',
        method: row.method as HttpMethod,
        pathAndQuery: path,
        body: { json: row.body },
        from: { country_code: row.from_country_code, party_id: row.from_party_id },
        to: { country_code: row.to_country_code, party_id: row.to_party_id },
        correlationId: row.correlation_id,
        timeoutMs: this.#options.timeoutMs,
        readsAnswer: false,
      })
      await this.#record(row, log, outcome)
    } catch (error) {
      await this.#fail(row, log, {
        error: error instanceof Error ? error.message : String(error),
        httpStatus: undefined,
        retryAt: this.#retryAt(row.attempts, undefined),
      }).catch((markError: unknown) => log.error({ err: markError }, 'could not record a failed delivery'))
      // A webhook subscription has no OFFLINE state: its deliveries keep their retries.
      if (isPartnerMessage(row)) await this.#countFailure(row.receiver_platform_id, log)
    }
  }

  /**
   * A message to a webhook subscription: accepted (2xx), or failed and retried with the same backoff and
   * dead letters as a partner's, without the OFFLINE verdict and Retry-After pause of partners.
   */
  async #deliverWebhook(row: DeliveryRow, log: FastifyBaseLogger): Promise<void> {
    const outcome = this.#options.webhooks
      ? await this.#options.webhooks.send(row, this.#options.timeoutMs)
      : undefined
    if (!outcome) {
      await this.#fail(row, log, {
        error: 'this hub process sends no webhooks',
        httpStatus: undefined,
        retryAt: this.#retryAt(row.attempts, undefined),
      })
      return
    }
    switch (outcome.kind) {
      case 'delivered':
        if (!(await this.#complete(row, log))) return
        this.#emitOutcome(row)
        log.debug({ attempts: row.attempts, httpStatus: outcome.httpStatus }, 'webhook delivered')
        return
      case 'unsubscribed':
        if (await this.#complete(row, log)) log.info('not sent: its webhook subscription was deleted')
        return
      case 'local-resource':
        await this.#postponeForLocalResource(row, log, outcome.error).catch((markError: unknown) =>
          log.error({ err: markError }, 'could not record a postponed delivery'),
        )
        return
      case 'failed':
        await this.#fail(row, log, {
          error: outcome.error,
          httpStatus: outcome.httpStatus,
          retryAt: outcome.permanent ? undefined : this.#retryAt(row.attempts, outcome.retryAfterMs),
        })
        return
    }
  }

  /** What the outcome of one attempt means for the message, its receiver's streak and pause. */
  async #record(row: DeliveryRow, log: FastifyBaseLogger, outcome: PartnerOutcome): Promise<void> {
    switch (outcome.kind) {
      case 'delivered': {
        this.#failureStreaks.delete(row.receiver_platform_id)
        if (!(await this.#complete(row, log))) return
        this.#emitOutcome(row)
        const { answer } = outcome
        if (answer.losses.length > 0) {
          log.info({ version: answer.version, losses: answer.losses }, 'converted with information lost')
        }
        log.debug({ attempts: row.attempts, httpStatus: answer.httpStatus }, 'delivered')
        return
      }
      case 'refused': {
        const { answer, retryAfterMs } = outcome
        // The receiver asked the hub to wait: none of its messages goes out before then, not only this one.
        if (retryAfterMs !== undefined && retryAfterMs > 0) {
          this.#pausedUntil.set(row.receiver_platform_id, Date.now() + retryAfterMs)
        }
        // A refusal is an answer: only failures that may pass (5xx, 429, timeouts) make a streak.
        if (!outcome.final) await this.#countFailure(row.receiver_platform_id, log)
        await this.#fail(row, log, {
          error: `HTTP ${answer.httpStatus}, OCPI ${answer.envelope?.status_code ?? 'no envelope'}: ${
            answer.envelope?.status_message ?? ''
          }`.trim(),
          httpStatus: answer.httpStatus,
          retryAt: outcome.final ? undefined : this.#retryAt(row.attempts, retryAfterMs),
        })
        return
      }
      case 'no-endpoint':
        await this.#fail(row, log, await this.#noEndpoint(row))
        return
      case 'not-in-version':
        // Not dead: nothing will ever make it deliverable to that version.
        if (!(await this.#complete(row, log))) return
        log.info(
          { version: outcome.version, reason: outcome.reason },
          'not sent: the receiver speaks a version without it',
        )
        return
      case 'conversion-refused': {
        const { refusal, version } = outcome
        await this.#fail(row, log, {
          error: `cannot be converted for OCPI ${version}: ${refusal.field}: ${refusal.message}`,
          httpStatus: undefined,
          retryAt: undefined,
        })
        return
      }
      case 'failed': {
        if (outcome.failure === 'local-resource') {
          await this.#postponeForLocalResource(row, log, outcome.message).catch((markError: unknown) =>
            log.error({ err: markError }, 'could not record a postponed delivery'),
          )
          return
        }
        const permanent = outcome.failure === 'address-refused' || outcome.failure === 'invalid-url'
        await this.#fail(row, log, {
          error: outcome.message,
          httpStatus: undefined,
          retryAt: permanent ? undefined : this.#retryAt(row.attempts, undefined),
        }).catch((markError: unknown) => log.error({ err: markError }, 'could not record a failed delivery'))
        if (!permanent) await this.#countFailure(row.receiver_platform_id, log)
        return
      }
    }
  }

  /** The message leaves the queue with the next batch; false when that batch could not be recorded. */
  async #complete(row: DeliveryRow, log: FastifyBaseLogger): Promise<boolean> {
    const failure = await this.#completions.add(row)
    if (failure === undefined) return true
    log.error({ err: failure }, 'could not record a delivery: it will be sent again')
    return false
  }

  /**
   * The hub could not make the call for want of its own resources (file descriptors, memory, local ports):
   * the receiver is not at fault. The message waits a retry delay with its attempt handed back, the
   * receiver's failure streak is left as it was (no OFFLINE verdict), the worker claims nothing for that
   * delay, and the operator is told that the hub is the problem, in one line per 10 s at most.
   */
  async #postponeForLocalResource(row: DeliveryRow, log: FastifyBaseLogger, reason: string): Promise<void> {
    const delayMs = retryDelayMs(1, this.#options.retryBaseMs, this.#options.retryMaxMs)
    this.#holdUntil = Math.max(this.#holdUntil, Date.now() + delayMs)
    this.#localFailuresSinceLog += 1
    if (Date.now() - this.#localFailureLoggedAt >= LOCAL_FAILURE_LOG_INTERVAL_MS) {
      log.error(
        { postponed: this.#localFailuresSinceLog, reason },
        'the hub is out of a local resource (file descriptors, memory): deliveries postponed, not counted against their receivers',
      )
      this.#localFailuresSinceLog = 0
      this.#localFailureLoggedAt = Date.now()
    }
    const postponed = {
      error: `hub: ${reason}`,
      httpStatus: undefined,
      retryAt: new Date(Date.now() + delayMs),
    }
    await postpone(this.#db, row.id, this.#workerId, postponed)
    this.#emitOutcome(row, postponed)
  }

  /**
   * One more failure in a row to this receiver; at the configured streak it is marked OFFLINE, so its
   * messages wait (not tried, not counted towards dead) until the still-alive check finds it again.
   */
  async #countFailure(receiverPlatformId: string, log: FastifyBaseLogger): Promise<void> {
    const streak = (this.#failureStreaks.get(receiverPlatformId) ?? 0) + 1
    this.#failureStreaks.set(receiverPlatformId, streak)
    if (streak < this.#options.offlineAfterFailures || !this.#options.markReceiverOffline) return
    this.#failureStreaks.delete(receiverPlatformId)
    try {
      const queued = await this.#options.markReceiverOffline(receiverPlatformId)
      log.warn({ failuresInARow: streak }, 'receiver stopped answering: marked OFFLINE, its queue waits')
      if (queued > 0) this.wake()
    } catch (error) {
      log.error({ err: error }, 'could not mark an unreachable receiver OFFLINE')
    }
  }

  #retryAt(attempts: number, notBeforeMs: number | undefined): Date | undefined {
    if (attempts >= this.#options.maxAttempts) return undefined
    const delay = Math.max(
      retryDelayMs(attempts, this.#options.retryBaseMs, this.#options.retryMaxMs),
      notBeforeMs ?? 0,
    )
    return new Date(Date.now() + delay)
  }

  async #fail(row: DeliveryRow, log: FastifyBaseLogger, attempt: FailedAttempt): Promise<void> {
    await markFailed(this.#db, row, this.#workerId, attempt)
    this.#emitOutcome(row, attempt)
    if (attempt.retryAt) {
      log.info(
        { attempts: row.attempts, reason: attempt.error, retryAt: attempt.retryAt },
        'delivery failed, will retry',
      )
    } else {
      log.warn({ attempts: row.attempts, reason: attempt.error }, 'delivery parked as dead')
    }
  }

  #emitOutcome(row: DeliveryRow, failed?: FailedAttempt): void {
    const attempt = {
      deliveryId: row.id,
      receiverPlatformId: row.receiver_platform_id,
      to: { country_code: row.to_country_code, party_id: row.to_party_id },
      module: row.module,
      attempts: row.attempts,
      correlationId: row.correlation_id,
    }
    const events = this.#options.events
    if (!failed) events.emit('delivery.delivered', attempt)
    else {
      const outcome = { ...attempt, error: failed.error, retryAt: failed.retryAt }
      events.emit(failed.retryAt ? 'delivery.failed' : 'delivery.dead', outcome)
    }
  }

  /**
   * No endpoint for the message in this process's snapshot: parked as dead, unless the snapshot was behind
   * (another process registered or updated the receiver a moment ago), then tried again at once.
   */
  async #noEndpoint(row: DeliveryRow): Promise<FailedAttempt> {
    const seen = this.#options.directory.version
    await this.#options.directory.catchUp()
    return noEndpoint(row, this.#options.directory.version === seen ? undefined : new Date())
  }

  async #receiver(platformId: string): Promise<PartnerPlatform | undefined> {
    // Within the directory's bound: a token another process rotated or revoked is not sent after it.
    await this.#options.directory.ensureCurrent()
    const row = this.#options.directory.platform(platformId)
    return (
      row && {
        id: row.id,
        version: row.version,
        endpoints: row.endpoints,
        outbound_token: row.outbound_token,
      }
    )
  }

  /**
   * The queued path, built again segment by segment. Undefined when a row queued by an older hub holds a
   * path that climbs out of the receiver's endpoint: parked as dead, never sent.
   */
  async #queuedPath(row: DeliveryRow, log: FastifyBaseLogger): Promise<OutboundPath | undefined> {
    try {
      return storedOutboundPath(row.path)
    } catch (error) {
      if (!(error instanceof OcpiError)) throw error
      await this.#fail(row, log, {
        error: `not sent: its path cannot be below the receiver's endpoint: ${error.message}`,
        httpStatus: undefined,
        retryAt: undefined,
      })
      return undefined
    }
  }
}

function noEndpoint(row: DeliveryRow, retryAt: Date | undefined): FailedAttempt {
  return {
    error: `the receiver has no ${row.module} RECEIVER endpoint or no token any more`,
    httpStatus: undefined,
    retryAt,
  }
}
