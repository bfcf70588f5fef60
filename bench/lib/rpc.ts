import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/**
 * Request/answer calls between the coordinator and its helper processes over the Node IPC channel. Each
 * helper (partners, load generator, forwarder) is its own process, so it never shares an event loop with
 * the coordinator or the hub, and its CPU use can be measured on its own.
 */

export type Handlers = Record<string, (params: never) => unknown>

interface CallMessage {
  readonly id: number
  readonly method: string
  readonly params: unknown
}

interface AnswerMessage {
  readonly id: number
  readonly result?: unknown
  readonly error?: string
}

/** Serves `handlers` to the parent process; call once at the bottom of a helper's entry file. */
export function serveRpc(handlers: Handlers): void {
  if (!process.send) throw new Error('this file runs as a bench helper process (forked with IPC)')
  process.on('message', (message: CallMessage) => {
    const handler = handlers[message.method] as ((params: unknown) => unknown) | undefined
    const answer = (reply: Omit<AnswerMessage, 'id'>) => process.send!({ id: message.id, ...reply })
    if (!handler) return answer({ error: `unknown method ${message.method}` })
    Promise.resolve()
      .then(() => handler(message.params))
      .then(
        (result) => answer({ result: result ?? null }),
        (error: unknown) =>
          answer({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
      )
  })
  // The coordinator going away ends the helper too.
  process.on('disconnect', () => process.exit(0))
}

/** A helper process started with `node --import tsx <file>`, called through `call`. */
export class RpcChild<H extends Handlers> {
  readonly #child: ChildProcess
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  #nextId = 1

  constructor(entry: URL, name: string) {
    this.#child = fork(fileURLToPath(entry), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    })
    this.#child.on('message', (message: AnswerMessage) => {
      const pending = this.#pending.get(message.id)
      if (!pending) return
      this.#pending.delete(message.id)
      if (message.error !== undefined) pending.reject(new Error(`${name}: ${message.error}`))
      else pending.resolve(message.result)
    })
    this.#child.on('exit', (code) => {
      for (const pending of this.#pending.values()) pending.reject(new Error(`${name} exited (${code})`))
      this.#pending.clear()
    })
  }

  get pid(): number {
    return this.#child.pid ?? 0
  }

  call<M extends keyof H & string>(
    method: M,
    params: Parameters<H[M]>[0],
  ): Promise<Awaited<ReturnType<H[M]>>> {
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      this.#child.send({ id, method, params } satisfies CallMessage)
    })
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return
    const exited = new Promise((resolve) => this.#child.once('exit', resolve))
    this.#child.disconnect()
    await exited
  }
}
