import type { FastifyInstance, LogLevel } from 'fastify'
import type { HubContext } from '../hub-context.ts'
import type { HubMetrics } from './metrics.ts'
import { checkReadiness } from './readiness.ts'

/** Orchestrators' probes give up after about a second: /ready answers 503 before they do. */
const READINESS_TIMEOUT_MS = 900
/** The OpenAPI tag of these routes (docs/openapi.md). */
const OPERATIONS = ['Operations']

/**
 * GET /health, GET /ready and (unless METRICS_ENABLED=false or `serveMetrics` is false) GET /metrics, outside /ocpi and /admin: no
 * token, no partner rate limits, plain JSON. Also counts every request of the hub for the metrics and lets
 * connections go while the hub drains. Call on the root instance before the /ocpi and /admin plugins, so
 * the hooks reach their routes too.
 */
export function registerOperations(
  app: FastifyInstance,
  {
    context,
    metrics,
    serveMetrics,
  }: {
    context: HubContext
    metrics: HubMetrics | undefined
    /** False on the partners' port when ADMIN_PORT serves /metrics: the requests are still counted. */
    serveMetrics: boolean
  },
): void {
  // Probes and scrapes come every few seconds: only their problems belong in the log (and nothing at all
  // when LOG_LEVEL is stricter: a route's level replaces the hub's).
  const quiet = { logLevel: stricterLevel('warn', context.config.logLevel) }

  app.get(
    '/health',
    { ...quiet, schema: { summary: 'Liveness: the process serves HTTP', tags: OPERATIONS } },
    async () => ({ status: 'ok' }),
  )

  let wasReady = true
  const readySchema = { summary: 'Readiness: the database answers and is migrated', tags: OPERATIONS }
  app.get('/ready', { ...quiet, schema: readySchema }, async (_request, reply) => {
    const readiness = await checkReadiness(context.db, READINESS_TIMEOUT_MS)
    if (readiness.ready !== wasReady) {
      wasReady = readiness.ready
      // The hub's logger, not the request's: this route logs only warnings.
      if (readiness.ready) context.log.info('ready again: the database answers and is migrated')
      else {
        const { database, migrations, pendingMigrations } = readiness
        context.log.warn({ err: readiness.error, database, migrations, pendingMigrations }, 'not ready')
      }
    }
    return reply.code(readiness.ready ? 200 : 503).send({
      status: readiness.ready ? 'ready' : 'not_ready',
      database: readiness.database,
      migrations: readiness.migrations,
      ...(readiness.pendingMigrations.length > 0 ? { pending_migrations: readiness.pendingMigrations } : {}),
    })
  })

  // On close (SIGTERM) Fastify stops accepting and waits for the requests under way; their answers then
  // close the connection, or a keep-alive connection left idle would hold the exit for its timeout (72 s).
  let draining = false
  app.addHook('preClose', (done) => {
    draining = true
    done()
  })
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) void reply.header('connection', 'close')
    done(null, payload)
  })

  if (!metrics) return
  if (serveMetrics) {
    const metricsSchema = { summary: 'Prometheus metrics (text format)', tags: OPERATIONS }
    app.get('/metrics', { ...quiet, schema: metricsSchema }, async (request, reply) => {
      const { contentType, text } = await metrics.render(context.db, context.directory, request.log)
      return reply.type(contentType).send(text)
    })
  }
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(
      request.routeOptions.url,
      request.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    )
    done()
  })
}

const LEVEL_ORDER: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']

function stricterLevel(level: LogLevel, configured: string): LogLevel {
  const index = Math.max(LEVEL_ORDER.indexOf(level), (LEVEL_ORDER as readonly string[]).indexOf(configured))
  return LEVEL_ORDER[index] ?? level
}
