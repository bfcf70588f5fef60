import { ocpiModuleOfRoute } from '../core/route-module.ts'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { keepBody, loggablePath, NO_BODY, routingPartiesOf, statusCodeOf } from './message-log-entry.ts'
import type { MessageLogWriter } from './message-log-writer.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The serialised answer as it went out, kept by `onSend` for the message log's `onResponse`. */
    loggedAnswer: string | undefined
  }
}

/**
 * Logs every request of the scope (the OCPI API) once its answer has gone out: `onSend` keeps a reference
 * to the serialised answer, `onResponse` (after the response is written, so the caller never waits for it)
 * builds the entry and hands it to the writer's buffer, with as much of the bodies as the writer keeps for
 * an exchange that ended so (failures in full, accepted ones a prefix). Requests refused before their body was read (no
 * or an unknown token) are logged without a body.
 */
export function registerMessageLogHooks(
  app: FastifyInstance,
  writer: MessageLogWriter,
  /** The caller's platform: the partner of the token by default; a bridge's listener names its platform. */
  platformOf: (request: FastifyRequest) => string | null = (request) => request.partner?.platformId ?? null,
): void {
  if (!writer.enabled) return
  // A request property rather than a WeakMap keyed by request: a WeakMap entry per request costs a hash
  // insert and ephemeron work in every garbage collection, on the path every request takes.
  app.decorateRequest('loggedAnswer', undefined)

  app.addHook('onSend', (request, _reply, payload, done) => {
    if (typeof payload === 'string') request.loggedAnswer = payload
    done(null, payload)
  })

  app.addHook('onResponse', (request, reply, done) => {
    const answer = request.loggedAnswer
    const elapsedMs = reply.elapsedTime
    const { from, to } = routingPartiesOf(request.headers)
    const outcome = { httpStatus: reply.statusCode, ocpiStatus: statusCodeOf(answer), error: null }
    const limit = writer.bodyLimitFor(outcome)
    writer.add({
      ...outcome,
      loggedAt: new Date(Date.now() - elapsedMs),
      direction: 'in',
      platformId: platformOf(request),
      from,
      to,
      module: ocpiModuleOfRoute(request.routeOptions.url) ?? null,
      method: request.method,
      path: loggablePath(request.url),
      latencyMs: elapsedMs,
      requestId: request.id,
      correlationId: request.correlationId || null,
      note: request.handlingNote ?? null,
      // The body as parsed, written out again: the same JSON, not necessarily the same bytes.
      requestBody:
        request.body === undefined || limit === 0 ? NO_BODY : keepBody(JSON.stringify(request.body), limit),
      responseBody: keepBody(answer, limit),
    })
    done()
  })
}
