import { randomBytes } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { Db } from '../storage/database.ts'
import type { WebhookSubscriptionRow } from '../storage/tables.ts'
import type { WebhookEventType } from './webhook-events.ts'

/** A subscription as the hub uses it: its secret signs every delivery. */
export interface WebhookSubscription {
  readonly id: string
  readonly url: string
  readonly events: readonly WebhookEventType[]
  readonly description: string | null
  readonly enabled: boolean
  readonly secret: string
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface NewWebhookSubscription {
  readonly url: string
  readonly events: readonly WebhookEventType[]
  readonly description?: string | undefined
}

/** A change to a subscription: an absent field stays as it is. */
export interface WebhookSubscriptionChange {
  readonly url?: string | undefined
  readonly events?: readonly WebhookEventType[] | undefined
  readonly description?: string | null | undefined
  readonly enabled?: boolean | undefined
}

/** 32 random bytes: the HMAC-SHA256 key of a subscription's signatures, shown to the operator once. */
function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`
}

function fromRow(row: WebhookSubscriptionRow): WebhookSubscription {
  return {
    id: row.id,
    url: row.url,
    // Written only through this module, from the checked list of event types.
    events: row.events as WebhookEventType[],
    description: row.description,
    enabled: row.enabled,
    secret: row.secret,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  }
}

export interface WebhookSubscriptionsOptions {
  /** How often the list is read again for changes other processes made; 0: only this process writes (PGlite). */
  readonly pollIntervalMs: number
}

/**
 * The webhook subscriptions, held in memory: the event listeners ask it on every domain event, so a hub
 * without subscriptions pays no store query for webhooks on any request. Every change goes through it and
 * reloads the list at once; other hub processes sharing the PostgreSQL store read the list again every
 * `pollIntervalMs` (a table of a few rows: one small query per interval per process).
 */
export class WebhookSubscriptions {
  readonly #db: Db
  readonly #log: FastifyBaseLogger
  readonly #options: WebhookSubscriptionsOptions
  #byId = new Map<string, WebhookSubscription>()
  #timer: NodeJS.Timeout | undefined

  private constructor(db: Db, log: FastifyBaseLogger, options: WebhookSubscriptionsOptions) {
    this.#db = db
    this.#log = log.child({ component: 'webhooks' })
    this.#options = options
  }

  static async open(
    db: Db,
    log: FastifyBaseLogger,
    options: WebhookSubscriptionsOptions,
  ): Promise<WebhookSubscriptions> {
    const subscriptions = new WebhookSubscriptions(db, log, options)
    await subscriptions.reload()
    if (options.pollIntervalMs > 0) {
      subscriptions.#timer = setInterval(() => {
        subscriptions
          .reload()
          .catch((error: unknown) =>
            subscriptions.#log.warn({ err: error }, 'could not read the webhook subscriptions again'),
          )
      }, options.pollIntervalMs)
      subscriptions.#timer.unref()
    }
    return subscriptions
  }

  close(): void {
    clearInterval(this.#timer)
  }

  async reload(): Promise<void> {
    const rows = await this.#db
      .selectFrom('webhook_subscriptions')
      .selectAll()
      .orderBy('created_at')
      .execute()
    this.#byId = new Map(rows.map((row) => [row.id, fromRow(row)]))
  }

  list(): WebhookSubscription[] {
    return [...this.#byId.values()]
  }

  get(id: string): WebhookSubscription | undefined {
    return this.#byId.get(id)
  }

  /** The enabled subscriptions that receive `type`. */
  receiversOf(type: WebhookEventType): WebhookSubscription[] {
    const receivers: WebhookSubscription[] = []
    for (const subscription of this.#byId.values()) {
      if (subscription.enabled && subscription.events.includes(type)) receivers.push(subscription)
    }
    return receivers
  }

  /** Whether any enabled subscription receives `type`: the event costs nothing more when none does. */
  wants(type: WebhookEventType): boolean {
    for (const subscription of this.#byId.values()) {
      if (subscription.enabled && subscription.events.includes(type)) return true
    }
    return false
  }

  /** Disabled subscriptions: their waiting deliveries wait until they are enabled again. */
  disabledIds(): string[] {
    return this.list()
      .filter((subscription) => !subscription.enabled)
      .map((subscription) => subscription.id)
  }

  /** The subscription, looking in the store when this process has not seen it yet (another one created it). */
  async find(id: string): Promise<WebhookSubscription | undefined> {
    const known = this.#byId.get(id)
    if (known || this.#options.pollIntervalMs === 0) return known
    await this.reload()
    return this.#byId.get(id)
  }

  async create(subscription: NewWebhookSubscription): Promise<WebhookSubscription> {
    const row = await this.#db
      .insertInto('webhook_subscriptions')
      .values({
        id: `wh_${randomBytes(12).toString('hex')}`,
        url: subscription.url,
        events: JSON.stringify(subscription.events),
        description: subscription.description ?? null,
        secret: newSecret(),
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    await this.reload()
    return fromRow(row)
  }

  /** The changed subscription; undefined when there is none with this id. */
  async change(id: string, change: WebhookSubscriptionChange): Promise<WebhookSubscription | undefined> {
    return this.#update(id, {
      ...(change.url !== undefined ? { url: change.url } : {}),
      ...(change.events !== undefined ? { events: JSON.stringify(change.events) } : {}),
      ...(change.description !== undefined ? { description: change.description } : {}),
      ...(change.enabled !== undefined ? { enabled: change.enabled } : {}),
    })
  }

  /** A new secret: deliveries signed from now on (waiting ones included) use it. */
  async rotateSecret(id: string): Promise<WebhookSubscription | undefined> {
    return this.#update(id, { secret: newSecret() })
  }

  /** False when there was none; its waiting deliveries go with it (foreign key, on delete cascade). */
  async delete(id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('webhook_subscriptions').where('id', '=', id).executeTakeFirst()
    await this.reload()
    return Number(result.numDeletedRows) > 0
  }

  async #update(
    id: string,
    values: {
      url?: string
      events?: string
      description?: string | null
      enabled?: boolean
      secret?: string
    },
  ): Promise<WebhookSubscription | undefined> {
    const row = await this.#db
      .updateTable('webhook_subscriptions')
      .set({ ...values, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst()
    await this.reload()
    return row && fromRow(row)
  }
}
