import { EventEmitter } from 'node:events'

/** A subscriber; what it returns (a promise) is not awaited by the emitter. */
export type EventListener<Payload> = (payload: Payload) => void | Promise<void>

/**
 * What a part of the hub that only emits is handed: emit, and ask first whether anyone listens when the
 * payload costs something to build. `Events` maps event names to payload types; an emitter may declare
 * only the events it emits, and the hub's full bus (src/hub-events.ts) fits it.
 */
export interface EventSink<Events> {
  emit<Name extends keyof Events & string>(name: Name, payload: Events[Name]): void
  listens(name: keyof Events & string): boolean
}

/** Told about a listener that threw or rejected (the hub logs it). */
export type ListenerFailureHandler = (error: unknown, eventName: string) => void

/**
 * A typed in-process event stream over node:events. Listeners run synchronously, in subscription order,
 * inside `emit`: they must be cheap (buffer, count, or schedule their own work). A listener that throws or
 * rejects never reaches the emitter: it goes to `onListenerFailure`, and the other listeners still run.
 *
 * @example
 * const events = new EventBus<HubEvents>((err, name) => log.error({ err, event: name }, 'listener failed'))
 * const stop = events.on('session.updated', (event) => …)
 * events.emit('session.updated', { … })
 */
export class EventBus<Events> implements EventSink<Events> {
  readonly #emitter = new EventEmitter()
  readonly #onListenerFailure: ListenerFailureHandler

  constructor(onListenerFailure: ListenerFailureHandler) {
    this.#onListenerFailure = onListenerFailure
    // Any number of subscribers is legitimate (UIs, webhooks): no leak warning.
    this.#emitter.setMaxListeners(0)
  }

  /** Subscribes; the returned function unsubscribes. */
  on<Name extends keyof Events & string>(name: Name, listener: EventListener<Events[Name]>): () => void {
    const guarded = (payload: Events[Name]): void => {
      try {
        const result = listener(payload)
        if (result instanceof Promise) result.catch((error: unknown) => this.#onListenerFailure(error, name))
      } catch (error) {
        this.#onListenerFailure(error, name)
      }
    }
    this.#emitter.on(name, guarded)
    return () => void this.#emitter.off(name, guarded)
  }

  emit<Name extends keyof Events & string>(name: Name, payload: Events[Name]): void {
    this.#emitter.emit(name, payload)
  }

  listens(name: keyof Events & string): boolean {
    return this.#emitter.listenerCount(name) > 0
  }
}
