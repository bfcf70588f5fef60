/**
 * Why a charge cannot start or stop, with the HTTP status the driver's request gets; `retryAfterSeconds`
 * when a part it relies on is away (503) and trying again later makes sense.
 */
export class ChargeRefusal extends Error {
  readonly retryAfterSeconds: number | undefined

  constructor(
    readonly statusCode: 400 | 402 | 404 | 409 | 502 | 503,
    message: string,
    options: { readonly retryAfterSeconds?: number } = {},
  ) {
    super(message)
    this.retryAfterSeconds = options.retryAfterSeconds
  }
}
