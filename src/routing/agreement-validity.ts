import type { HubContext } from '../hub-context.ts'
import { applyPassedValidityBounds } from './roaming-changes.ts'

/**
 * Every AGREEMENT_VALIDITY_CHECK_INTERVAL_MS, applies the agreements' validity bounds passed since the last
 * run (`applyPassedValidityBounds`): an agreement whose `valid_from` came catches its eMSP up, one whose
 * `valid_until` came withdraws. One run at a time per process; across processes the check's row decides.
 * A failed run is logged, and its bounds are applied by the next (the mark did not move).
 */
export class AgreementValidityCheck {
  readonly #context: HubContext
  #timer: NodeJS.Timeout | undefined
  #run: Promise<void> | undefined

  constructor(context: HubContext) {
    this.#context = context
  }

  start(): void {
    if (this.#timer) return
    const every = this.#context.config.agreementValidityCheckIntervalMs
    this.#timer = setInterval(() => void this.runOnce(), every)
    this.#timer.unref()
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#run
  }

  runOnce(): Promise<void> {
    this.#run ??= applyPassedValidityBounds(this.#context)
      .then(() => undefined)
      .catch((error: unknown) =>
        this.#context.log.error({ err: error }, 'could not apply the agreements’ validity bounds'),
      )
      .finally(() => (this.#run = undefined))
    return this.#run
  }
}
