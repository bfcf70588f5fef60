import type { FastifyBaseLogger } from 'fastify'
import type { HubConnection, PushOutcome } from './hub-connection.ts'
import type { HubMessage, PartyRef } from './hub-message.ts'
import { OcpiCallFailed } from './ocpi-client.ts'
import type { MarketplaceDb } from '../storage/store.ts'

/** The longest wait between two attempts at the same message. */
const MAX_BACKOFF_MS = 5 * 60_000

/**
 * Pushes to the hub that must arrive (Sessions, CDRs, EVSE status, Locations and Tariffs): one that fails
 * because the hub is away (no answer, not an OCPI answer, a 3xxx) waits in the store and is sent again,
 * oldest first, with a backoff doubling from `retryMs`. Messages stay in order: while one waits, later
 * ones queue behind it (a Session's PATCH never overtakes its PUT). A 2xxx refusal is not retried.
 */
export class HubOutbox {
  readonly #db: MarketplaceDb
  readonly #hub: HubConnection
  readonly #retryMs: number
  readonly #log: FastifyBaseLogger
  readonly #cpo: PartyRef
  #timer: NodeJS.Timeout | undefined
  readonly #broadcastListeners: ((message: HubMessage) => Promise<void>)[] = []
  /** One flush at a time: two would send the same message twice. */
  #flushing: Promise<void> = Promise.resolve()

  constructor(
    db: MarketplaceDb,
    hub: HubConnection,
    options: { cpo: PartyRef; retryMs: number; log: FastifyBaseLogger },
  ) {
    this.#db = db
    this.#hub = hub
    this.#cpo = options.cpo
    this.#retryMs = options.retryMs
    this.#log = options.log
  }

  /**
   * Calls `listener` with every message that goes to all the hub's parties (no `to`), before it is sent:
   * the hub never sends a platform its own broadcasts, so the marketplace's eMSP role learns its own
   * Locations and Tariffs here. A listener's failure is logged and does not stop the push.
   */
  onBroadcast(listener: (message: HubMessage) => Promise<void>): void {
    this.#broadcastListeners.push(listener)
  }

  /** Sends `message` now, or queues it: `delivered`, `queued: <why>`, or the hub's refusal. */
  async deliver(message: HubMessage): Promise<PushOutcome> {
    if (message.to === undefined)
      for (const listener of this.#broadcastListeners)
        await listener(message).catch((error: unknown) =>
          this.#log.error(
            { err: error, module: message.module, path: message.path },
            'broadcast listener failed',
          ),
        )
    if (await this.pending()) {
      await this.#enqueue(message, 'queued behind earlier messages')
      void this.flush()
      return 'queued: earlier messages wait for the hub'
    }
    try {
      await this.#hub.send(message)
      return 'delivered'
    } catch (error) {
      if (!(error instanceof OcpiCallFailed)) throw error
      if (error.refused) {
        this.#log.warn({ module: message.module, path: message.path, reason: error.message }, 'hub refused')
        return error.message
      }
      await this.#enqueue(message, error.message)
      this.#log.info(
        { module: message.module, path: message.path, reason: error.message },
        'queued for retry',
      )
      return `queued: ${error.message}`
    }
  }

  /**
   * PUTs a CPO object (`locations` or `tariffs`) to the hub's receiver with no OCPI-to-* headers (the hub
   * broadcasts it to every eMSP), through the outbox.
   */
  pushCpoObject(module: 'locations' | 'tariffs', id: string, object: unknown): Promise<PushOutcome> {
    return this.sendCpoObject('PUT', module, [id], object)
  }

  /** PUTs or PATCHes a CPO object at `{receiver of module}/{cc}/{pid}/{ids…}` through the outbox. */
  sendCpoObject(
    method: 'PUT' | 'PATCH',
    module: 'locations' | 'tariffs' | 'bookings',
    ids: readonly string[],
    body: unknown,
  ): Promise<PushOutcome> {
    const { country_code, party_id } = this.#cpo
    const path = ids.map((id) => encodeURIComponent(id)).join('/')
    return this.deliver({ module, method, path: `/${country_code}/${party_id}/${path}`, body })
  }

  /** How many messages wait. */
  async pending(): Promise<number> {
    const row = await this.#db
      .selectFrom('hub_outbox')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .executeTakeFirstOrThrow()
    return Number(row.count)
  }

  /** Sends the waiting messages that are due, oldest first, until one fails again. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing
      .then(() => this.#flushDue())
      .catch((error: unknown) => {
        this.#log.error({ err: error }, 'outbox flush failed')
      })
    return this.#flushing
  }

  /** Checks for due messages every `retryMs`. */
  start(): void {
    this.#timer ??= setInterval(() => void this.flush(), this.#retryMs)
    this.#timer.unref()
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#flushing
  }

  async #flushDue(): Promise<void> {
    for (;;) {
      const head = await this.#db
        .selectFrom('hub_outbox')
        .selectAll()
        .orderBy('id')
        .limit(1)
        .executeTakeFirst()
      if (!head || new Date(head.next_attempt_at) > new Date()) return
      try {
        await this.#hub.send(head.message)
        this.#log.info(
          { module: head.message.module, attempts: head.attempts + 1 },
          'queued message delivered',
        )
      } catch (error) {
        if (!(error instanceof OcpiCallFailed)) throw error
        if (!error.refused) {
          const attempts = head.attempts + 1
          const backoff = Math.min(this.#retryMs * 2 ** (attempts - 1), MAX_BACKOFF_MS)
          await this.#db
            .updateTable('hub_outbox')
            .set({ attempts, next_attempt_at: new Date(Date.now() + backoff), last_error: error.message })
            .where('id', '=', head.id)
            .execute()
          return
        }
        this.#log.warn({ module: head.message.module, reason: error.message }, 'hub refused a queued message')
      }
      await this.#db.deleteFrom('hub_outbox').where('id', '=', head.id).execute()
    }
  }

  async #enqueue(message: HubMessage, reason: string): Promise<void> {
    const now = new Date()
    await this.#db
      .insertInto('hub_outbox')
      .values({
        message: JSON.stringify(message),
        attempts: 0,
        next_attempt_at: new Date(now.getTime() + this.#retryMs),
        last_error: reason,
        created_at: now,
      })
      .execute()
  }
}
