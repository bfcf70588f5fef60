import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { PartyDirectory, StillAliveCandidate } from '../../directory/party-directory.ts'
import { OcpiStatus } from '../../core/status-codes.ts'
import { announceLiveStatus, changeLiveStatus } from '../../delivery/receiver-offline.ts'
import type { HubContext } from '../../hub-context.ts'
import { rulesOf } from '../../partners/ocpi/version-rules.ts'
import { pruneCallbacks } from '../../routing/async-callbacks.ts'
import { whileLocked } from '../../storage/advisory-lock.ts'
import { versionOf } from '../../core/ocpi-versions.ts'
import { setLiveStatus } from './hub-client-info.service.ts'

/** A partner's calls move its last_seen_at at most this often: the request path writes rarely. */
const LAST_SEEN_WRITE_EVERY_MS = 60_000

/**
 * Key of the PostgreSQL advisory lock that lets one hub process at a time run the check. Any constant
 * works as long as every process uses the same one and nothing else in the database uses it.
 */
const STILL_ALIVE_LOCK_KEY = 4_307_120_231

/** Partners probed at the same time by one run. */
const PROBES_AT_ONCE = 16

/**
 * Records on `platforms.last_seen_at` that a partner called the hub, at most once a minute per platform
 * and without making the request wait (the write is not awaited).
 */
export class LastSeenRecorder {
  readonly #directory: PartyDirectory
  readonly #log: FastifyBaseLogger
  readonly #writtenAt = new Map<string, number>()

  constructor(directory: PartyDirectory, log: FastifyBaseLogger) {
    this.#directory = directory
    this.#log = log
  }

  record(platformId: string): void {
    const now = Date.now()
    const last = this.#writtenAt.get(platformId)
    if (last !== undefined && now - last < LAST_SEEN_WRITE_EVERY_MS) return
    this.#writtenAt.set(platformId, now)
    this.#directory.recordLastSeen(platformId, new Date(now)).catch((error: unknown) => {
      this.#writtenAt.delete(platformId)
      this.#log.warn({ err: error, platformId }, 'could not record that a partner called')
    })
  }
}

/**
 * The still-alive check (digest 2.11, mod_hub_client_info): every STILL_ALIVE_CHECK_INTERVAL_MS, one hub
 * process (the holder of an advisory lock) looks at the CONNECTED and OFFLINE platforms:
 *
 * - silent for STILL_ALIVE_AFTER_MS (no call since, counted from registration when it never called): the
 *   hub GETs its versions endpoint with its own token; an answer with status 1000 makes the platform and
 *   its parties CONNECTED (and counts as contact), anything else (no answer, error, other status) OFFLINE;
 * - OFFLINE but it called the hub after it was marked OFFLINE: CONNECTED again without a probe. A call
 *   made before the verdict proves nothing (the partner may have gone down since), so such a platform is
 *   probed like a silent one.
 *
 * Every party status that changes is pushed as ClientInfo to the other partners. The same run removes
 * long-expired command callbacks.
 */
export class StillAliveCheck {
  readonly #context: HubContext
  readonly #log: FastifyBaseLogger
  #timer: NodeJS.Timeout | undefined
  #run: Promise<boolean> | undefined

  constructor(context: HubContext) {
    this.#context = context
    this.#log = context.log.child({ component: 'still-alive' })
  }

  start(): void {
    if (this.#timer) return
    this.#timer = setInterval(() => void this.runOnce(), this.#context.config.stillAlive.checkIntervalMs)
    this.#timer.unref()
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#run
  }

  /** One run, unless one is in progress here or another process holds the lock; true when it ran. */
  async runOnce(): Promise<boolean> {
    if (this.#run) return false
    this.#run = this.#withLock(() => this.#check())
      .catch((error: unknown) => {
        this.#log.error({ err: error }, 'still-alive check failed')
        return false
      })
      .finally(() => (this.#run = undefined))
    return this.#run
  }

  async #withLock(work: () => Promise<void>): Promise<boolean> {
    return (await whileLocked(this.#context.store, STILL_ALIVE_LOCK_KEY, work)) !== undefined
  }

  async #check(): Promise<void> {
    await pruneCallbacks(this.#context)
    const candidates = await this.#candidates()
    const correlationId = randomUUID()
    let queued = 0
    for (let start = 0; start < candidates.length; start += PROBES_AT_ONCE) {
      const batch = candidates.slice(start, start + PROBES_AT_ONCE)
      const counts = await Promise.all(batch.map((candidate) => this.#settle(candidate, correlationId)))
      queued += counts.reduce((sum, count) => sum + count, 0)
    }
    if (queued > 0) this.#context.delivery.wake()
  }

  /** Silent CONNECTED platforms, and every OFFLINE one. */
  async #candidates(): Promise<StillAliveCandidate[]> {
    return this.#context.directory.stillAliveCandidates(
      new Date(Date.now() - this.#context.config.stillAlive.afterMs),
    )
  }

  async #settle(candidate: StillAliveCandidate, correlationId: string): Promise<number> {
    const reachable = candidate.seen_recently || (await this.#answers(candidate, correlationId))
    const status = reachable ? 'CONNECTED' : 'OFFLINE'
    const probed = !candidate.seen_recently
    const silentSince = new Date(Date.now() - this.#context.config.stillAlive.afterMs)
    let statusChanged = false
    const queued = await this.#context.directory.write(async (tx) => {
      const platform = await tx.lockPlatform(candidate.id)
      // Unregistered or re-registered while it was probed: the handshake decided its status.
      if (!platform || (platform.status !== 'CONNECTED' && platform.status !== 'OFFLINE')) return 0
      // It called the hub while the probe failed: it is not gone.
      if (!reachable && platform.last_seen_at && platform.last_seen_at >= silentSince) return 0
      if (platform.status !== status) {
        this.#log.info(
          { platformId: platform.id, from: platform.status, to: status },
          'partner connection status changed',
        )
        statusChanged = true
        return changeLiveStatus(tx, this.#context.hub, platform.id, status, {
          correlationId,
          ...(probed && reachable ? { seenAt: new Date() } : {}),
        })
      }
      if (probed && reachable) await tx.recordLastSeen(platform.id, new Date())
      return setLiveStatus(tx, this.#context.hub, platform.id, status, correlationId)
    })
    if (statusChanged) announceLiveStatus(this.#context.events, candidate.id, status)
    return queued
  }

  /** GET of the partner's versions endpoint with the hub's token: OCPI 1000 means it is alive. */
  async #answers(candidate: StillAliveCandidate, correlationId: string): Promise<boolean> {
    if (!candidate.versions_url || !candidate.outbound_token) return false
    try {
      const response = await this.#context.client.send({
        method: 'GET',
        url: candidate.versions_url,
        token: candidate.outbound_token,
        tokenEncoding: rulesOf(versionOf(candidate)).tokenEncoding,
        correlationId,
      })
      const alive = response.httpStatus < 300 && response.envelope?.status_code === OcpiStatus.Success
      if (!alive) {
        this.#log.info(
          {
            platformId: candidate.id,
            httpStatus: response.httpStatus,
            statusCode: response.envelope?.status_code,
          },
          'partner versions endpoint answered, but not with success',
        )
      }
      return alive
    } catch (error) {
      this.#log.info(
        { platformId: candidate.id, reason: error instanceof Error ? error.message : String(error) },
        'partner did not answer the still-alive check',
      )
      return false
    }
  }
}
