import { useEffect, useRef } from 'preact/hooks'

/** One domain event of the hub's stream (GET /admin/events): its name and its JSON payload. */
export interface HubEvent {
  readonly name: string
  readonly data: unknown
}

type Listener = (event: HubEvent) => void

/**
 * One EventSource for the whole page, shared by every component that listens, opened on the first listener
 * and closed after the last. The browser reconnects by itself when the stream drops.
 */
class HubEventStream {
  private source: EventSource | undefined
  private readonly listeners = new Map<string, Set<Listener>>()

  subscribe(names: readonly string[], listener: Listener): () => void {
    for (const name of names) {
      let set = this.listeners.get(name)
      if (!set) {
        set = new Set()
        this.listeners.set(name, set)
        this.source?.addEventListener(name, this.dispatch)
      }
      set.add(listener)
    }
    this.open()
    return () => {
      for (const name of names) this.listeners.get(name)?.delete(listener)
      if ([...this.listeners.values()].every((set) => set.size === 0)) this.close()
    }
  }

  private open(): void {
    if (this.source) return
    this.source = new EventSource('/admin/events')
    for (const name of this.listeners.keys()) this.source.addEventListener(name, this.dispatch)
  }

  private close(): void {
    this.source?.close()
    this.source = undefined
    this.listeners.clear()
  }

  private readonly dispatch = (message: MessageEvent<string>): void => {
    let data: unknown
    try {
      data = JSON.parse(message.data)
    } catch {
      data = message.data
    }
    for (const listener of this.listeners.get(message.type) ?? []) listener({ name: message.type, data })
  }
}

const stream = new HubEventStream()

/** Calls `onEvent` for every event of these names while the component is shown. */
export function useHubEvents(names: readonly string[], onEvent: Listener): void {
  const latest = useRef(onEvent)
  latest.current = onEvent
  const key = names.join(',')
  useEffect(() => stream.subscribe(key.split(','), (event) => latest.current(event)), [key])
}
