/**
 * One OICP push operation as HBS demands it (oicp.md §2.4): calls strictly one after another, never in
 * parallel, and what arrives while a call is under way goes out together in the next one, up to
 * `maxItems` (the AUP counts calls, not records). Each `add` is answered with the outcome of the call that
 * carried its items; a single `add` is never split.
 */
export class SerialBatcher<Item, Outcome> {
  readonly #send: (items: readonly Item[]) => Promise<Outcome>
  readonly #maxItems: number
  #waiting: { items: readonly Item[]; settle: (outcome: Promise<Outcome>) => void }[] = []
  #running = false

  constructor(send: (items: readonly Item[]) => Promise<Outcome>, maxItems: number) {
    this.#send = send
    this.#maxItems = maxItems
  }

  add(items: readonly Item[]): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      this.#waiting.push({ items, settle: resolve })
      if (!this.#running) void this.#drain()
    })
  }

  async #drain(): Promise<void> {
    this.#running = true
    while (this.#waiting.length > 0) {
      let count = 0
      let take = 0
      while (
        take < this.#waiting.length &&
        (take === 0 || count + this.#waiting[take]!.items.length <= this.#maxItems)
      ) {
        count += this.#waiting[take]!.items.length
        take += 1
      }
      const batch = this.#waiting.splice(0, take)
      const sent = this.#send(batch.flatMap((entry) => entry.items))
      for (const entry of batch) entry.settle(sent)
      // The next call waits for this one's answer, whatever it was.
      await sent.catch(() => undefined)
    }
    this.#running = false
  }
}
