import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'

declare module 'fastify' {
  interface FastifyRequest {
    /** X-Correlation-ID of the chain this request belongs to: the caller's, or a new one. */
    correlationId: string
    /**
     * What the message log should note about how the request was handled, beyond its answer (a broadcast
     * that skipped receivers); undefined when there is nothing to add.
     */
    handlingNote: string | undefined
  }
}

const MAX_ID_LENGTH = 255

function usableId(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH ? value : undefined
}

/** Fastify's request id comes from X-Request-ID when the caller sent a usable one (transport_and_format: unique message ids). */
export function requestIdFromHeaders(request: {
  headers: Record<string, string | string[] | undefined>
}): string {
  return usableId(request.headers['x-request-id']) ?? randomUUID()
}

/**
 * The correlation id chosen for a raw request when its logger was made, kept on the raw request so the
 * request keeps that one (a property, not a WeakMap: no hash insert and no GC ephemeron per request).
 */
const CORRELATION_ID = Symbol('correlationId')

interface RawRequest {
  readonly headers: Record<string, string | string[] | undefined>
  [CORRELATION_ID]?: string
}

function correlationIdOf(raw: RawRequest): string {
  return (raw[CORRELATION_ID] ??= usableId(raw.headers['x-correlation-id']) ?? randomUUID())
}

/**
 * Echoes X-Request-ID and carries X-Correlation-ID on every response, errors included. Every log line of
 * a request carries both (`reqId`, `correlationId`): the correlation id is bound when Fastify makes the
 * request's logger, before its "incoming request" line. Call before any route or plugin is registered.
 */
export function registerRequestIds(app: FastifyInstance): void {
  app.decorateRequest('correlationId', '')
  app.decorateRequest('handlingNote', undefined)
  app.setChildLoggerFactory((logger, bindings, options, raw) =>
    logger.child({ ...bindings, correlationId: correlationIdOf(raw) }, options),
  )
  // Callback hooks, not async ones: these run on every request, and an async hook costs a promise and a
  // turn of the microtask queue each.
  app.addHook('onRequest', (request, _reply, done) => {
    request.correlationId = correlationIdOf(request.raw)
    done()
  })
  app.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id)
    void reply.header('x-correlation-id', request.correlationId)
    done(null, payload)
  })
}
