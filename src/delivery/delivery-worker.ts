import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { FastifyBaseLogger } from 'fastify'
import { OcpiError } from '../core/errors.ts'
import type { HubIdentity } from '../hub-context.ts'
import type { Db } from '../storage/database.ts'
import type { DeliveryRow, EndpointRow } from '../storage/tables.ts'
import {
  PartnerCallError,
  type HttpMethod,
  type OcpiClient,
  type PartnerResponse,
} from '../transport/ocpi-client.ts'
import { outboundUrl, storedOutboundPath, type OutboundPath } from '../transport/outbound-path.ts'
import { routingRequestHeaders } from '../transport/routing-headers.ts'
import { describeLosses } from '../version-adapters/adapt.ts'
import { ConversionRefused, type OcpiVersion } from '../version-adapters/contract.ts'
import { adaptOutbound } from '../version-adapters/outbound.ts'
import { versionOf } from '../version-adapters/version-modules.ts'
import type { PartyDirectory } from '../directory/party-directory.ts'
import { claimDue, markDelivered, markFailed, postpone, type FailedAttempt } from './outbox.ts'
import { retryDelayMs } from './retry-policy.ts'

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
  /** The hub's identity: its own URLs in a message are rewritten to the receiver's version. */
  readonly hub: HubIdentity
  /** Where a receiver's status, version, endpoints and token are read. */
  readonly directory: PartyDirectory
  /** Told the outcome of every attempt (metrics); the worker works the same without one. */
  readonly observer?: DeliveryObserver | undefined
}

/** What became of one try to send one queued message: accepted, to be tried again, or parked as dead. */
export type DeliveryOutcome = 'delivered' | 'retry' | 'dead'

/** Watches the worker's attempts without the worker knowing who watches (src/operations/metrics.ts). */
export interface DeliveryObserver {
  attemptFinished(attempt: {
    readonly receiverPlatformId: string
    readonly module: string
    readonly outcome: DeliveryOutcome
  }): void
}

/** Postponements for the hub's own resource trouble are logged at most this often (with a count). */
const LOCAL_FAILURE_LOG_INTERVAL_MS = 10_000

/** Configuration modules are platform-to-platform: their messages carry no routing headers (transport_and_format). */
const WITHOUT_ROUTING_HEADERS: ReadonlySet<string> = new Set(['hubclientinfo'])

interface Receiver {
  readonly status: string
  readonly version: OcpiVersion
  readonly endpoints: readonly EndpointRow[]
  readonly token: string | null
}

/**
 * Drains the outbox: claims due messages, sends each to its receiver's RECEIVER endpoint, and records the
 * outcome (gone when accepted, retried with backoff when the failure may pass, parked as dead when it will
 * not or after too many tries). Every hub process runs one; they share the queue through row locks.
 */
export class DeliveryWorker {
  readonly #db: Db
  readonly #client: OcpiClient
  readonly #log: FastifyBaseLogger
  readonly #options: DeliveryWorkerOptions
  readonly #workerId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`
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

  constructor(db: Db, client: OcpiClient, log: FastifyBaseLogger, options: DeliveryWorkerOptions) {
    this.#db = db
    this.#client = client
    this.#log = log.child({ component: 'delivery', worker: this.#workerId })
    this.#options = options
  }

  start(): void {
    if (this.#running) return
    this.#running = true
    this.#timer = setInterval(() => this.wake(), this.#options.pollIntervalMs)
    this.#timer.unref()
    this.wake()
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
    if (this.#inFlight === 0 && !this.#claiming) return
    await new Promise<void>((resolve) => (this.#idle = resolve))
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
            pausedReceivers: this.#pausedReceivers(),
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
      const receiver = await this.#receiver(row.receiver_platform_id)
      const endpoint = receiver?.endpoints.find(
        (e) => e.identifier.toLowerCase() === row.module && e.role === 'RECEIVER',
      )
      if (!receiver || !endpoint || !receiver.token) {
        await this.#fail(row, log, {
          error: `the receiver has no ${row.module} RECEIVER endpoint or no token any more`,
          httpStatus: undefined,
          retryAt: undefined,
        })
        return
      }
      const adapted = await this.#inReceiverVersion(row, receiver.version, log)
      if (!adapted) return
      const response = await this.#client.send({
        method: row.method as HttpMethod,
        url: outboundUrl(endpoint.url, adapted.path),
        token: receiver.token,
        rawToken: receiver.version === '2.1.1',
        bodyText: adapted.bodyText,
        correlationId: row.correlation_id,
        timeoutMs: this.#options.timeoutMs,
        note: adapted.note,
        // 2.1.1 has no routing headers at all.
        headers:
          WITHOUT_ROUTING_HEADERS.has(row.module) || receiver.version === '2.1.1'
            ? {}
            : routingRequestHeaders(
                { country_code: row.from_country_code, party_id: row.from_party_id },
                { country_code: row.to_country_code, party_id: row.to_party_id },
              ),
      })
      const verdict = judge(response)
      if (verdict === 'accepted') {
        await markDelivered(this.#db, row.id, this.#workerId)
        this.#failureStreaks.delete(row.receiver_platform_id)
        this.#observe(row, 'delivered')
        log.debug({ attempts: row.attempts, httpStatus: response.httpStatus }, 'delivered')
        return
      }
      const retryAfterMs = retryAfter(response)
      // The receiver asked the hub to wait: none of its messages goes out before then, not only this one.
      if (retryAfterMs !== undefined && retryAfterMs > 0) {
        this.#pausedUntil.set(row.receiver_platform_id, Date.now() + retryAfterMs)
      }
      // A refusal is an answer: only failures that may pass (5xx, 429, timeouts) make a streak.
      if (verdict === 'retry') await this.#countFailure(row.receiver_platform_id, log)
      await this.#fail(row, log, {
        error: `HTTP ${response.httpStatus}, OCPI ${response.envelope?.status_code ?? 'no envelope'}: ${
          response.envelope?.status_message ?? ''
        }`.trim(),
        httpStatus: response.httpStatus,
        retryAt: verdict === 'rejected' ? undefined : this.#retryAt(row.attempts, retryAfterMs),
      })
    } catch (error) {
      if (error instanceof PartnerCallError && error.failure === 'local-resource') {
        await this.#postponeForLocalResource(row, log, error).catch((markError: unknown) =>
          log.error({ err: markError }, 'could not record a postponed delivery'),
        )
        return
      }
      const permanent =
        error instanceof PartnerCallError &&
        (error.failure === 'address-refused' || error.failure === 'invalid-url')
      await this.#fail(row, log, {
        error: error instanceof Error ? error.message : String(error),
        httpStatus: undefined,
        retryAt: permanent ? undefined : this.#retryAt(row.attempts, undefined),
      }).catch((markError: unknown) => log.error({ err: markError }, 'could not record a failed delivery'))
      if (!permanent) await this.#countFailure(row.receiver_platform_id, log)
    }
  }

  /**
   * The hub could not make the call for want of its own resources (file descriptors, memory, local ports):
   * the receiver is not at fault. The message waits a retry delay with its attempt handed back, the
   * receiver's failure streak is left as it was (no OFFLINE verdict), the worker claims nothing for that
   * delay, and the operator is told that the hub is the problem, in one line per 10 s at most.
   */
  async #postponeForLocalResource(
    row: DeliveryRow,
    log: FastifyBaseLogger,
    error: PartnerCallError,
  ): Promise<void> {
    const delayMs = retryDelayMs(1, this.#options.retryBaseMs, this.#options.retryMaxMs)
    this.#holdUntil = Math.max(this.#holdUntil, Date.now() + delayMs)
    this.#observe(row, 'retry')
    this.#localFailuresSinceLog += 1
    if (Date.now() - this.#localFailureLoggedAt >= LOCAL_FAILURE_LOG_INTERVAL_MS) {
      log.error(
        { postponed: this.#localFailuresSinceLog, reason: error.message },
        'the hub is out of a local resource (file descriptors, memory): deliveries postponed, not counted against their receivers',
      )
      this.#localFailuresSinceLog = 0
      this.#localFailureLoggedAt = Date.now()
    }
    await postpone(this.#db, row.id, this.#workerId, {
      error: `hub: ${error.message}`,
      retryAt: new Date(Date.now() + delayMs),
    })
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
    this.#observe(row, attempt.retryAt ? 'retry' : 'dead')
    await markFailed(this.#db, row.id, this.#workerId, attempt)
    if (attempt.retryAt) {
      log.info(
        { attempts: row.attempts, reason: attempt.error, retryAt: attempt.retryAt },
        'delivery failed, will retry',
      )
    } else {
      log.warn({ attempts: row.attempts, reason: attempt.error }, 'delivery parked as dead')
    }
  }

  #observe(row: DeliveryRow, outcome: DeliveryOutcome): void {
    this.#options.observer?.attemptFinished({
      receiverPlatformId: row.receiver_platform_id,
      module: row.module,
      outcome,
    })
  }

  async #receiver(platformId: string): Promise<Receiver | undefined> {
    // Within the directory's bound: a token another process rotated or revoked is not sent after it.
    await this.#options.directory.ensureCurrent()
    const row = this.#options.directory.platform(platformId)
    return (
      row && {
        status: row.status,
        version: versionOf(row),
        endpoints: row.endpoints,
        token: row.outbound_token,
      }
    )
  }

  /**
   * The queued (canonical) message in the receiver's version as it is now: it may have changed version
   * while the message waited. Undefined when the message must not go to it: a module or object its version
   * lacks is dropped (logged, not dead: nothing will ever make it deliverable), a refused conversion is
   * parked as dead with the reason.
   */
  async #inReceiverVersion(
    row: DeliveryRow,
    version: OcpiVersion,
    log: FastifyBaseLogger,
  ): Promise<{ path: OutboundPath; bodyText: string | null; note: string | undefined } | undefined> {
    let path: OutboundPath
    try {
      path = storedOutboundPath(row.path)
    } catch (error) {
      if (!(error instanceof OcpiError)) throw error
      // Queued by an older hub from an id that climbs out of the receiver's endpoint: never sent.
      await this.#fail(row, log, {
        error: `not sent: its path cannot be below the receiver's endpoint: ${error.message}`,
        httpStatus: undefined,
        retryAt: undefined,
      })
      return undefined
    }
    if (version === '2.3.0') return { path, bodyText: row.body, note: undefined }
    try {
      const plan = await adaptOutbound({ db: this.#db, hub: this.#options.hub }, version, {
        module: row.module,
        interfaceRole: 'RECEIVER',
        method: row.method,
        pathAndQuery: path,
        body: row.body === null ? undefined : (JSON.parse(row.body) as unknown),
      })
      if (!plan.send) {
        await markDelivered(this.#db, row.id, this.#workerId)
        log.info({ version, reason: plan.reason }, 'not sent: the receiver speaks a version without it')
        return undefined
      }
      const note = describeLosses(version, plan.losses)
      if (note) log.info({ version, losses: plan.losses }, 'converted with information lost')
      return {
        path: plan.pathAndQuery,
        bodyText: plan.body === undefined ? null : JSON.stringify(plan.body),
        note: note ?? `Converted for OCPI ${version}`,
      }
    } catch (error) {
      if (!(error instanceof ConversionRefused)) throw error
      await this.#fail(row, log, {
        error: `cannot be converted for OCPI ${version}: ${error.field}: ${error.message}`,
        httpStatus: undefined,
        retryAt: undefined,
      })
      return undefined
    }
  }
}

type Verdict = 'accepted' | 'retry' | 'rejected'

/**
 * What a receiver's answer means for the message: accepted (2xx with a 1xxx status, or no envelope at
 * all from a lenient peer), worth another try (5xx, 408, 429, 3xxx, 4xxx), or refused for good (other
 * 4xx, 2xxx: sending it again cannot help).
 */
function judge(response: PartnerResponse): Verdict {
  const http = response.httpStatus
  const status = response.envelope?.status_code
  if (http >= 500 || http === 408 || http === 429) return 'retry'
  if (http >= 400) return 'rejected'
  if (status === undefined || (status >= 1000 && status < 2000)) return 'accepted'
  if (status >= 2000 && status < 3000) return 'rejected'
  return 'retry'
}

function retryAfter(response: PartnerResponse): number | undefined {
  const header = response.headers['retry-after']
  const value = Array.isArray(header) ? header[0] : header
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}
