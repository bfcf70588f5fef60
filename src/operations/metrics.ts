import { sql } from 'kysely'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { FastifyBaseLogger } from 'fastify'
import type { DeliveryAttempt } from '../events/hub-events.ts'
import type { PartyDirectory } from '../directory/party-directory.ts'
import { ocpiModuleOfRoute } from '../core/route-module.ts'
import type { Db } from '../storage/database.ts'
import type { ConnectionStatus, DeliveryState } from '../storage/tables.ts'
import { HUB_VERSION } from './version.ts'

const PREFIX = 'ocpi_hub_'
const DELIVERY_STATES: readonly DeliveryState[] = ['pending', 'failed', 'dead']
const CONNECTION_STATUSES: readonly ConnectionStatus[] = ['PLANNED', 'CONNECTED', 'OFFLINE', 'SUSPENDED']
// Forwarded requests wait for the partner up to OUTBOUND_TIMEOUT_MS (10 s by default): the top buckets show them.
const LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/**
 * The hub's Prometheus metrics (docs/operations.md says what each one means). Counters and the latency
 * histogram belong to this process; the queue and directory gauges are read from the database when
 * scraped, so every process of a cluster reports the same, cluster-wide, values for them.
 */
export class HubMetrics {
  readonly registry = new Registry()
  readonly #requests: Counter<'module' | 'method' | 'status'>
  readonly #requestDuration: Histogram<'module' | 'method' | 'status'>
  readonly #deliveryAttempts: Counter<'platform' | 'module'>
  readonly #deliveryFailures: Counter<'platform' | 'module' | 'outcome'>
  readonly #outboxMessages: Gauge<'platform' | 'state'>
  readonly #outboxOldestAge: Gauge<'platform' | 'state'>
  readonly #parties: Gauge<'role' | 'status'>
  readonly #platforms: Gauge<'platform' | 'name' | 'status'>
  readonly #databaseUp: Gauge
  readonly #storeQueries: Counter<'table'>
  readonly #storeQueriesByTable = new Map<string, Counter.Internal>()
  /** Route URL pattern → module label; bounded by the number of routes. */
  readonly #moduleOfRoute = new Map<string, string>()

  constructor() {
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry })
    this.#requests = new Counter({
      name: `${PREFIX}http_requests_total`,
      help: 'HTTP requests answered by this process, by OCPI module (from the route), method and HTTP status.',
      labelNames: ['module', 'method', 'status'],
      registers,
    })
    this.#requestDuration = new Histogram({
      name: `${PREFIX}http_request_duration_seconds`,
      help: 'Time from receiving a request to sending its answer, by OCPI module, method and HTTP status.',
      labelNames: ['module', 'method', 'status'],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    })
    this.#deliveryAttempts = new Counter({
      name: `${PREFIX}delivery_attempts_total`,
      help: 'Tries of this process to send a queued message, by receiver platform id and module.',
      labelNames: ['platform', 'module'],
      registers,
    })
    this.#deliveryFailures = new Counter({
      name: `${PREFIX}delivery_failures_total`,
      help: 'Tries that failed, by receiver platform id, module and outcome (retry: tried again later; dead: parked).',
      labelNames: ['platform', 'module', 'outcome'],
      registers,
    })
    this.#outboxMessages = new Gauge({
      name: `${PREFIX}outbox_messages`,
      help: 'Messages in the outbound queue (whole database), by receiver platform id and state.',
      labelNames: ['platform', 'state'],
      registers,
    })
    this.#outboxOldestAge = new Gauge({
      name: `${PREFIX}outbox_oldest_message_age_seconds`,
      help: 'Age of the oldest message in the outbound queue, by receiver platform id and state; 0 when none.',
      labelNames: ['platform', 'state'],
      registers,
    })
    this.#parties = new Gauge({
      name: `${PREFIX}parties`,
      help: 'Parties (role, country code, party id) in the directory, by role and connection status.',
      labelNames: ['role', 'status'],
      registers,
    })
    this.#platforms = new Gauge({
      name: `${PREFIX}platform_info`,
      help: 'One series per platform (OCPI connection), value 1: its id, name and connection status.',
      labelNames: ['platform', 'name', 'status'],
      registers,
    })
    this.#storeQueries = new Counter({
      name: `${PREFIX}store_queries_total`,
      help: 'Queries this process sent to the store, by table named at the top level of the query (none: raw SQL).',
      labelNames: ['table'],
      registers,
    })
    this.#databaseUp = new Gauge({
      name: `${PREFIX}database_up`,
      help: '1 when the last scrape could read the queue and the directory from the database, else 0.',
      registers,
    })
    new Gauge({
      name: `${PREFIX}build_info`,
      help: "Value 1: the hub's version (CHANGELOG.md) and the Node.js version it runs on.",
      labelNames: ['version', 'node'],
      registers,
    }).set({ version: HUB_VERSION, node: process.version }, 1)
  }

  /** One answered request. `routeUrl` is the route's pattern (never the raw URL: ids would explode the series). */
  observeRequest(routeUrl: string | undefined, method: string, status: number, seconds: number): void {
    const labels = { module: this.#module(routeUrl), method, status: String(status) }
    this.#requests.inc(labels)
    this.#requestDuration.observe(labels, seconds)
  }

  /**
   * One try of the delivery worker (events `delivery.delivered`, `delivery.failed` → retry,
   * `delivery.dead` → dead).
   */
  observeDelivery(attempt: DeliveryAttempt, outcome: 'delivered' | 'retry' | 'dead'): void {
    const labels = { platform: attempt.receiverPlatformId, module: attempt.module }
    this.#deliveryAttempts.inc(labels)
    if (outcome !== 'delivered') this.#deliveryFailures.inc({ ...labels, outcome })
  }

  /** Counts one query on `table` (storage/query-tables.ts): a label lookup, cheap enough for every query. */
  readonly countStoreQuery = (table: string): void => {
    let counter = this.#storeQueriesByTable.get(table)
    if (!counter) {
      // The labelled child is kept: prom-client would otherwise hash the labels on every query.
      counter = this.#storeQueries.labels({ table })
      this.#storeQueriesByTable.set(table, counter)
    }
    counter.inc()
  }

  /** The exposition text: the database gauges are refreshed first. */
  async render(
    db: Db,
    directory: PartyDirectory,
    log: FastifyBaseLogger,
  ): Promise<{ contentType: string; text: string }> {
    try {
      await this.#readDatabase(db, directory)
      this.#databaseUp.set(1)
    } catch (error) {
      log.warn({ err: error }, 'metrics: could not read the queue and the directory')
      for (const gauge of [this.#outboxMessages, this.#outboxOldestAge, this.#parties, this.#platforms])
        gauge.reset()
      this.#databaseUp.set(0)
    }
    return { contentType: this.registry.contentType, text: await this.registry.metrics() }
  }

  async #readDatabase(db: Db, directory: PartyDirectory): Promise<void> {
    const queue = await db
      .selectFrom('deliveries')
      .select((eb) => [
        'receiver_platform_id',
        'state',
        eb.fn.countAll<number>().as('messages'),
        sql<number>`extract(epoch from now() - min(created_at))::float8`.as('oldest_age_seconds'),
      ])
      .groupBy(['receiver_platform_id', 'state'])
      .execute()
    await directory.ensureCurrent()
    const platforms = directory.platforms()
    const parties = new Map<string, { role: string; status: string; parties: number }>()
    for (const party of directory.allParties()) {
      const key = `${party.role}|${party.status}`
      const row = parties.get(key) ?? { role: party.role, status: party.status, parties: 0 }
      row.parties += 1
      parties.set(key, row)
    }

    // Every known receiver shows 0 rather than no series: "the queue emptied" reads as a value, not a gap.
    this.#outboxMessages.reset()
    this.#outboxOldestAge.reset()
    for (const platform of platforms) {
      if (platform.status === 'SUSPENDED') continue
      for (const state of DELIVERY_STATES) {
        this.#outboxMessages.set({ platform: platform.id, state }, 0)
        this.#outboxOldestAge.set({ platform: platform.id, state }, 0)
      }
    }
    for (const row of queue) {
      const labels = { platform: row.receiver_platform_id, state: row.state }
      this.#outboxMessages.set(labels, Number(row.messages))
      this.#outboxOldestAge.set(labels, Math.max(0, Number(row.oldest_age_seconds)))
    }

    this.#platforms.reset()
    for (const platform of platforms) {
      this.#platforms.set({ platform: platform.id, name: platform.name, status: platform.status }, 1)
    }

    this.#parties.reset()
    for (const role of new Set([...parties.values()].map((row) => row.role))) {
      for (const status of CONNECTION_STATUSES) this.#parties.set({ role, status }, 0)
    }
    for (const row of parties.values()) this.#parties.set({ role: row.role, status: row.status }, row.parties)
  }

  #module(routeUrl: string | undefined): string {
    if (routeUrl === undefined) return 'unmatched'
    let module = this.#moduleOfRoute.get(routeUrl)
    if (module === undefined) {
      module = moduleOfRoute(routeUrl)
      this.#moduleOfRoute.set(routeUrl, module)
    }
    return module
  }
}

/** The label of a route: its OCPI module, or `admin`, `operations` (health, ready, metrics) or `other`. */
function moduleOfRoute(routeUrl: string): string {
  const root = routeUrl.split('/').find(Boolean)
  if (root === 'admin') return 'admin'
  if (root === 'health' || root === 'ready' || root === 'metrics') return 'operations'
  return ocpiModuleOfRoute(routeUrl) ?? 'other'
}
