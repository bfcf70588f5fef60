import type { Server as TlsServer } from 'node:tls'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import pino from 'pino'
import { prepareAdminToken, type AdminToken } from './admin/admin-auth.ts'
import { adminPlugin } from './admin/plugin.ts'
import { DeliveryWorker } from './delivery/delivery-worker.ts'
import { PartyDirectory } from './directory/party-directory.ts'
import { markReceiverOffline } from './delivery/receiver-offline.ts'
import type { HubConfig } from './config/config.ts'
import { OcpiError } from './core/errors.ts'
import { hubIdentity, type HubContext } from './hub-context.ts'
import { hubParty } from './core/hub-identity.ts'
import { registerMessageLogHooks } from './message-log/incoming-hooks.ts'
import { createHubEvents } from './events/hub-events.ts'
import { MessageLogWriter } from './message-log/message-log-writer.ts'
import { RetentionJob } from './storage/retention.ts'
import { pruneAuditEntries } from './admin/audit.store.ts'
import { registerModules } from './modules/catalogue.ts'
import { LastSeenRecorder, StillAliveCheck } from './modules/hub-client-info/still-alive.ts'
import { AgreementValidityCheck } from './routing/agreement-validity.ts'
import { applyRoamingModeSwitch } from './routing/roaming-changes.ts'
import { HubMetrics } from './operations/metrics.ts'
import { OcpiChannel } from './partners/ocpi/ocpi-channel.ts'
import { OcpiClient } from './partners/ocpi/ocpi-client.ts'
import { OicpChannel } from './partners/oicp/oicp-channel.ts'
import { OicpClient } from './partners/oicp/oicp-client.ts'
import { OICP_PLATFORM_VERSION } from './partners/oicp/oicp-settings.ts'
import { ProtocolChannel } from './partners/protocol-channel.ts'
import { OicpBridge } from './bridges/oicp/oicp-bridge.ts'
import { OicpInbound } from './bridges/oicp/oicp-inbound.ts'
import { createOicpListener } from './bridges/oicp/oicp-inbound.routes.ts'
import { CertificateReloader } from './operations/certificate-reload.ts'
import { registerApiReference } from './operations/openapi.ts'
import { consolePlugin } from './operations/console.ts'
import { registerOperations } from './operations/plugin.ts'
import {
  OICP_TLS,
  readCertificateAuthority,
  readOutboundTls,
  readServerTls,
  type TlsPair,
} from './operations/startup-checks.ts'
import { openStore, type Store } from './storage/database.ts'
import { QueryTablesPlugin } from './storage/query-tables.ts'
import { registerJsonBodyParser } from './transport/body-parser.ts'
import { ocpiErrorHandler } from './transport/error-handler.ts'
import { registerOcpiTransport } from './transport/plugin.ts'
import { registerRequestIds, requestIdFromHeaders } from './transport/request-ids.ts'
import { buildValidatorsOnFirstUse, OCPI_AJV_OPTIONS } from './transport/schema-validation.ts'
import { capConnectionsPerAddress } from './transport/connection-cap.ts'
import { trustedProxyCheck, type TrustedProxyCheck } from './transport/trusted-proxies.ts'
import { pruneTariffVersions } from './storage/tariff-versions.store.ts'
import { priceQuotesRoutes } from './modules/tariffs/price-quotes.routes.ts'
import { partyClearingRoutes } from './modules/clearing/clearing.routes.ts'
import { checkCdrPricesOnDelivery } from './modules/cdrs/cdrs.price-check.ts'
import { translateHubEvents } from './webhooks/webhook-events.ts'
import { WebhookPublisher } from './webhooks/webhook-publisher.ts'
import { WebhookSender } from './webhooks/webhook-sender.ts'
import { WebhookSubscriptions } from './webhooks/webhook-subscriptions.ts'

/** Message-log entries per insert on PGlite: ~5 ms of the event loop each, measured (200 took 15–30 ms). */
const PGLITE_MESSAGE_LOG_BATCH = 50

/** How often a process sharing PostgreSQL reads the webhook subscriptions again (others may change them). */
const WEBHOOK_SUBSCRIPTIONS_POLL_MS = 2_000

export interface Hub {
  /** The partners' listener (PORT): /ocpi, /health, /ready, and /admin and /metrics unless `adminApp`. */
  readonly app: FastifyInstance
  /** With ADMIN_PORT: the operator's listener (/admin, /metrics, /health, /ready). */
  readonly adminApp: FastifyInstance | undefined
  /** With OICP_INBOUND_PORT: the listener HBS calls (docs/bridges/oicp.md). */
  readonly oicpApp: FastifyInstance | undefined
  readonly context: HubContext
  readonly adminToken: AdminToken
  /** Reads the certificate files again and applies the ones that changed (SIGHUP). */
  reloadCertificates(): void
  /** Stops accepting requests, then closes the outbound pools and the store. */
  close(): Promise<void>
}

export interface BuildHubOptions {
  /** A store opened by the caller (tests share one); otherwise one is opened from the configuration. */
  readonly store?: Store
  readonly logger?: FastifyBaseLogger
}

/**
 * Builds the hub: store (migrated), outbound client, HTTP routes. Never listens: main.ts and tests do.
 *
 * @example
 * const hub = await buildHub(loadConfig())
 * await hub.app.listen({ port: hub.context.config.port, host: hub.context.config.host })
 */
export async function buildHub(config: HubConfig, options: BuildHubOptions = {}): Promise<Hub> {
  const logger = options.logger ?? pino({ level: config.logLevel })
  const store =
    options.store ??
    (await openStore({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      onConnectionError: (error) =>
        logger.warn({ err: error }, 'a database connection was lost; the pool opens a new one when needed'),
    }))
  const events = createHubEvents((error, eventName) =>
    logger.error({ err: error, event: eventName }, 'an event listener failed; the operation went on'),
  )
  const metrics = config.metricsEnabled ? new HubMetrics() : undefined
  // Every query counted by table (hub_store_queries_total): how many store round trips a request costs.
  const db = metrics ? store.db.withPlugin(new QueryTablesPlugin(metrics.countStoreQuery)) : store.db
  const directory = await PartyDirectory.open(store, db, logger, config.roamingMode)
  // PGlite runs each insert on this event loop: smaller batches keep one from holding requests for long.
  const messageLog = new MessageLogWriter(
    db,
    logger,
    { ...config.messageLog, batchSize: store.engine === 'pglite' ? PGLITE_MESSAGE_LOG_BATCH : undefined },
    directory,
  )
  if (messageLog.enabled) events.on('partner.exchange', messageLog.observeExchange)
  if (metrics) {
    events.on('delivery.delivered', (attempt) => metrics.observeDelivery(attempt, 'delivered'))
    events.on('delivery.failed', (attempt) => metrics.observeDelivery(attempt, 'retry'))
    events.on('delivery.dead', (attempt) => metrics.observeDelivery(attempt, 'dead'))
  }
  const outboundTls = readOutboundTls(config.outboundTls)
  const client = new OcpiClient({
    allowPrivatePeers: config.allowPrivatePeers,
    tls: outboundTls,
    timeoutMs: config.outboundTimeoutMs,
    maxAnswerBytes: config.outboundAnswerLimitBytes,
    events,
  })
  const ocpiChannel = new OcpiChannel({
    db,
    hub: hubIdentity(config),
    client,
    commandTimeoutSeconds: config.asyncResults.waitSeconds,
  })
  // The OICP bridge's platform is sent to through the OICP channel (docs/decisions/0021).
  const oicpTls = readOutboundTls({ client: config.oicp.client, caFile: config.oicp.caFile }, OICP_TLS)
  const oicpClient = new OicpClient({
    baseUrl: config.oicp.baseUrl,
    allowPrivatePeers: config.allowPrivatePeers,
    timeoutMs: config.outboundTimeoutMs,
    maxAnswerBytes: config.outboundAnswerLimitBytes,
    tls: oicpTls,
    events,
  })
  const oicpChannel = new OicpChannel({
    db,
    client: oicpClient,
    log: logger,
    acrossProcesses: store.engine === 'postgres',
  })
  const partners = new ProtocolChannel(ocpiChannel, new Map([[OICP_PLATFORM_VERSION, oicpChannel]]))
  // Webhooks (src/webhooks/): the subscriptions in memory, their deliveries through the same outbox.
  const webhookSubscriptions = await WebhookSubscriptions.open(db, logger, {
    pollIntervalMs: store.engine === 'pglite' ? 0 : WEBHOOK_SUBSCRIPTIONS_POLL_MS,
  })
  const webhookSender = new WebhookSender(webhookSubscriptions, {
    allowPrivatePeers: config.allowPrivatePeers,
    tls: outboundTls,
  })
  const delivery = new DeliveryWorker(db, partners, logger, {
    ...config.delivery,
    events,
    timeoutMs: config.outboundTimeoutMs,
    directory,
    soleProcess: store.engine === 'pglite',
    markReceiverOffline: (platformId) =>
      markReceiverOffline(directory, hubIdentity(config), events, platformId),
    webhooks: webhookSender,
  })
  const webhooks = new WebhookPublisher(db, webhookSubscriptions, logger, {
    hub: hubParty(hubIdentity(config)),
    wake: () => delivery.wake(),
  })
  translateHubEvents(events, webhooks)
  checkCdrPricesOnDelivery(events, db, logger)
  const context: HubContext = {
    config,
    store,
    db,
    directory,
    partners,
    client,
    hub: hubIdentity(config),
    log: logger,
    delivery,
    events,
  }
  const oicpBridge = new OicpBridge(context, oicpClient, oicpChannel, config.oicp.pullIntervalSeconds)
  const adminToken = await prepareAdminToken(db, config.adminToken)

  const serverTls = config.tls ? readServerTls(config.tls) : undefined
  const app = createHttpServer(config, logger, serverTls)
  // ADMIN_PORT: /admin and /metrics on a listener of their own, which the partners' port does not serve.
  const adminApp = config.admin ? createHttpServer(config, logger, serverTls) : undefined
  const oicpClientCaFile = config.oicp.inbound?.clientCaFile
  const oicpClientCa = oicpClientCaFile
    ? readCertificateAuthority('OICP_INBOUND_CA_FILE', oicpClientCaFile)
    : undefined
  const oicpApp = config.oicp.inbound
    ? createOicpListener({
        config,
        logger,
        tls: serverTls,
        clientCa: oicpClientCa,
        inbound: new OicpInbound(context, oicpChannel, config.oicp.baseUrl),
        messageLog,
      })
    : undefined
  // First: each listener documents the routes it serves (/openapi.json, /docs), collected as they are added.
  await registerApiReference(app)
  if (adminApp) await registerApiReference(adminApp)
  // Before the /ocpi and /admin plugins: its request metrics hook must reach their routes.
  registerOperations(app, { context, metrics, serveMetrics: !adminApp })
  if (adminApp) registerOperations(adminApp, { context, metrics, serveMetrics: true })
  await app.register(
    async (ocpi) => {
      // Every request in, refused ones included (src/message-log/).
      registerMessageLogHooks(ocpi, messageLog)
      registerOcpiTransport(ocpi, context)
      oicpBridge.answers.follow(ocpi)
      // After authentication: a registered partner that calls is alive (the still-alive check skips it).
      const lastSeen = new LastSeenRecorder(context.directory, context.log)
      ocpi.addHook('onRequest', (request, _reply, done) => {
        if (request.partner?.registered) lastSeen.record(request.partner.platformId)
        done()
      })
      await registerModules(ocpi, context)
      await ocpi.register(priceQuotesRoutes, { context })
      await ocpi.register(partyClearingRoutes, { context })
    },
    { prefix: '/ocpi' },
  )
  await (adminApp ?? app).register(adminPlugin, {
    prefix: '/admin',
    context,
    adminTokenHash: adminToken.hash,
    webhooks: { subscriptions: webhookSubscriptions, publisher: webhooks },
    oicpBridge,
  })
  // The console calls /admin from its own origin: it is served by the same listener.
  await (adminApp ?? app).register(consolePlugin, { prefix: '/console', config })
  const certificates = new CertificateReloader(
    config,
    {
      // With TLS configured Fastify made HTTPS servers, though its types name the plain HTTP one.
      servers: serverTls
        ? [app, adminApp].flatMap((server) => (server ? [server.server as unknown as TlsServer] : []))
        : [],
      clients: [client, webhookSender],
      oicp: oicpClient,
      oicpListener: serverTls && oicpApp ? (oicpApp.server as unknown as TlsServer) : undefined,
    },
    logger,
    { server: serverTls, outbound: outboundTls, oicp: oicpTls, oicpListenerCa: oicpClientCa },
  )
  certificates.start()
  messageLog.start()
  const auditRetention = new RetentionJob(logger, {
    name: 'audit log',
    retentionDays: config.operators.auditRetentionDays,
    prune: (before) => pruneAuditEntries(db, before),
  })
  auditRetention.start()
  await applyRoamingModeSwitch(context)
  // Messages left from before a restart go out as soon as the hub is up.
  delivery.start()
  const stillAlive = new StillAliveCheck(context)
  stillAlive.start()
  const agreementValidity = new AgreementValidityCheck(context)
  agreementValidity.start()
  oicpBridge.start()
  // The versions that stopped being valid before the retention go; the one still valid stays, however old.
  const tariffHistory = new RetentionJob(logger, {
    name: 'tariff version history',
    retentionDays: config.tariffHistoryRetentionDays,
    prune: (before) => pruneTariffVersions(db, before),
  })
  tariffHistory.start()

  return {
    app,
    adminApp,
    oicpApp,
    context,
    adminToken,
    reloadCertificates: () => certificates.reload('SIGHUP'),
    async close() {
      certificates.stop()
      // The worker stops claiming at once and finishes what it is sending while the requests drain; what is
      // left stays queued, unlocked, for the other processes or the next start.
      const deliveryStopped = delivery.stop()
      await Promise.all([app.close(), adminApp?.close(), oicpApp?.close()])
      await stillAlive.stop()
      await agreementValidity.stop()
      await oicpBridge.stop()
      await tariffHistory.stop()
      await deliveryStopped
      // Events published until now are queued before the store closes; then no more subscriptions are read.
      await webhooks.settled()
      webhookSubscriptions.close()
      await webhookSender.close()
      // After every source of entries has stopped: the last ones are written, then the store can close.
      await messageLog.stop()
      await auditRetention.stop()
      await directory.close()
      await client.close()
      await oicpClient.close()
      if (!options.store) await store.close()
    },
  }
}

/**
 * A Fastify instance with what every listener of the hub shares: TLS, logging, body and connection limits,
 * request ids, the JSON parser, and OCPI-style answers for unknown paths and errors.
 */
function createHttpServer(
  config: HubConfig,
  logger: FastifyBaseLogger,
  tls: TlsPair | undefined,
): FastifyInstance {
  const trustedProxy = trustedProxyCheck(config.trustedProxies)
  const app = Fastify({
    // TLS_CERT_FILE + TLS_KEY_FILE: HTTPS served directly (reloaded by CertificateReloader).
    ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
    // TRUSTED_PROXIES: request.ip (the log's remoteAddress) is the client's from X-Forwarded-For, and only
    // from those peers. The hub's own URLs never come from the request (HUB_PUBLIC_URL), whatever it says.
    trustProxy: trustedProxy ? (address: string) => trustedProxy(address) : false,
    loggerInstance: logger,
    bodyLimit: config.bodyLimitBytes,
    // Connection limits (docs/operations.md): no socket stays open unused, and no request trickles in forever.
    connectionTimeout: config.http.idleTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    requestTimeout: config.http.requestTimeoutMs,
    genReqId: requestIdFromHeaders,
    // OCPI payloads pass through the hub: never coerce types or drop fields the schema does not name.
    ajv: { customOptions: OCPI_AJV_OPTIONS },
    schemaController: { compilersFactory: { buildValidator: buildValidatorsOnFirstUse() } },
    return503OnClosing: true,
    // A malformed URL or a path segment longer than any OCPI id (maxParamLength, 100) never matches a route:
    // answered like any unknown path, with the envelope, instead of Fastify's own JSON.
    frameworkErrors: (error, request, reply) =>
      void ocpiErrorHandler(
        new OcpiError('HUB_ERR_NOT_FOUND', `Unknown resource: ${error.message}`),
        request,
        reply,
      ),
  })
  limitConnections(app, config.http, trustedProxy)
  registerRequestIds(app)
  registerJsonBodyParser(app, config.bodyLimitBytes, config.jsonDepthLimit)
  app.setNotFoundHandler(async (request, reply) =>
    ocpiErrorHandler(
      new OcpiError('HUB_ERR_NOT_FOUND', `Unknown resource: ${request.method} ${request.url}`),
      request,
      reply,
    ),
  )
  app.setErrorHandler(ocpiErrorHandler)
  return app
}

/**
 * The limits Fastify has no option for: the time to send the headers, how often Node looks for requests
 * past their header or whole-request time (every 30 s by default: far too coarse for a 10 s limit), and the
 * cap on connections per client address.
 */
function limitConnections(
  app: FastifyInstance,
  limits: HubConfig['http'],
  trustedProxy: TrustedProxyCheck | undefined,
): void {
  const server = app.server
  server.headersTimeout = limits.headersTimeoutMs
  const shortest = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs || limits.headersTimeoutMs)
  // Node reads it when the server starts listening (an option of http.createServer its types lack as a field).
  ;(server as typeof server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(
    5_000,
    Math.max(100, Math.floor(shortest / 4)),
  )
  capConnectionsPerAddress(server, limits.maxConnectionsPerAddress, app.log, { uncapped: trustedProxy })
}
