import type { FastifyInstance, FastifyRequest } from 'fastify'

/**
 * The OCPI requests this process is answering, by correlation id. A remote command's call to HBS runs in
 * the background while the command's response is still on its way to the eMSP: its result waits here until
 * that response has been written, so the eMSP never gets the result first (docs/bridges/oicp.md).
 */
export class AnswersInFlight {
  readonly #inFlight = new Map<string, { count: number; readonly done: Promise<void>; end: () => void }>()
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
    const entry = this.#inFlight.get(correlationId)
    if (!entry) return
    let timer: NodeJS.Timeout | undefined
    const gaveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#maxWaitMs)
      timer.unref()
    })
    await Promise.race([entry.done, gaveUp])
    clearTimeout(timer)
  }

  #begin(correlationId: string): void {
    const entry = this.#inFlight.get(correlationId)
    if (entry) {
      entry.count += 1
      return
    }
    let end = () => {}
    const done = new Promise<void>((resolve) => (end = resolve))
    this.#inFlight.set(correlationId, { count: 1, done, end })
  }

  #end(request: FastifyRequest): void {
    if (this.#ended.has(request)) return
    this.#ended.add(request)
    const { correlationId } = request
    const entry = this.#inFlight.get(correlationId)
    if (!entry) return
    entry.count -= 1
    if (entry.count > 0) return
    this.#inFlight.delete(correlationId)
    entry.end()
  }
}
