import type { ClaimedMessage } from './outbox.ts'

/**
 * Gathers the messages receivers accepted and removes them from the queue together: one transaction for
 * up to `maxBatch` of them, at most `maxDelayMs` after the first, instead of one per message. A process
 * that dies before its flush sends those messages again after their leases run out (at-least-once).
 */
export class CompletionBatch {
  readonly #complete: (batch: readonly ClaimedMessage[]) => Promise<void>
  readonly #maxBatch: number
  readonly #maxDelayMs: number
  #gathered: { message: ClaimedMessage; recorded: (failure: unknown) => void }[] = []
  #timer: NodeJS.Timeout | undefined

  constructor(
    complete: (batch: readonly ClaimedMessage[]) => Promise<void>,
    options: { readonly maxBatch: number; readonly maxDelayMs: number },
  ) {
    this.#complete = complete
    this.#maxBatch = options.maxBatch
    this.#maxDelayMs = options.maxDelayMs
  }

  /** Resolves once the message left the queue (to undefined), or to the error that kept its batch in. */
  add(message: ClaimedMessage): Promise<unknown> {
    const recorded = new Promise<unknown>((resolve) => this.#gathered.push({ message, recorded: resolve }))
    if (this.#gathered.length >= this.#maxBatch) void this.#flush()
    else this.#timer ??= setTimeout(() => void this.#flush(), this.#maxDelayMs)
    return recorded
  }

  async #flush(): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    const batch = this.#gathered
    this.#gathered = []
    if (batch.length === 0) return
    let failure: unknown
    try {
      await this.#complete(batch.map((entry) => entry.message))
    } catch (error) {
      // The messages stay leased and go out again when the leases run out.
      failure = error
    }
    for (const entry of batch) entry.recorded(failure)
  }
}
