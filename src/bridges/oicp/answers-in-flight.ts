import type { FastifyInstance, FastifyRequest } from 'fastify'

/**
 * The OCPI requests this process is answering, by correlation id. A remote command's call to HBS runs in
 * the background while the command's response is still on its way to the eMSP: its result waits here until
 * that response has been written, so the eMSP never gets the result first (docs/bridges/oicp.md).
 */
export class AnswersInFlight {
  /** How many requests of each correlation id are being answered: every OCPI request passes, so a count only. */
  readonly #inFlight = new Map<string, number>()
  /** Results waiting for a correlation id's answers: made only when a result has to wait. */
  readonly #waiting = new Map<string, (() => void)[]>()
  /** Requests whose end was counted: an aborted request may see both of the hooks that end it. */
  readonly #ended = new WeakSet<FastifyRequest>()
  readonly #maxWaitMs: number

  /** `maxWaitMs`: a request whose answer never completes (the caller went away) holds a result no longer. */
  constructor(maxWaitMs: number) {
    this.#maxWaitMs = maxWaitMs
  }

  /** Follows the requests of `app`'s scope: from their start to their answer written (or abandoned). */
  follow(app: FastifyInstance): void {
    app.addHook('onRequest', (request, _reply, done) => {
      this.#begin(request.correlationId)
      done()
    })
    app.addHook('onResponse', (request, _reply, done) => {
      this.#end(request)
      done()
    })
    app.addHook('onRequestAbort', (request, done) => {
      this.#end(request)
      done()
    })
  }

  /** Resolves when no request of this correlation id is being answered here any more. */
  async answered(correlationId: string): Promise<void> {
    if (!this.#inFlight.has(correlationId)) return
    let timer: NodeJS.Timeout | undefined
    const gaveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#maxWaitMs)
      timer.unref()
    })
    const done = new Promise<void>((resolve) => {
      const waiting = this.#waiting.get(correlationId)
      if (waiting) waiting.push(resolve)
      else this.#waiting.set(correlationId, [resolve])
    })
    await Promise.race([done, gaveUp])
    clearTimeout(timer)
  }

  #begin(correlationId: string): void {
    this.#inFlight.set(correlationId, (this.#inFlight.get(correlationId) ?? 0) + 1)
  }

  #end(request: FastifyRequest): void {
    if (this.#ended.has(request)) return
    this.#ended.add(request)
    const { correlationId } = request
    const count = this.#inFlight.get(correlationId)
    if (count === undefined) return
    if (count > 1) {
      this.#inFlight.set(correlationId, count - 1)
      return
    }
    this.#inFlight.delete(correlationId)
    const waiting = this.#waiting.get(correlationId)
    if (!waiting) return
    this.#waiting.delete(correlationId)
    for (const resolve of waiting) resolve()
  }
}
