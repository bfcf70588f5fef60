/**
 * Why a charge cannot start or stop, with the HTTP status the driver's request gets; `retryAfterSeconds`
 * when a part it relies on is away (503) and trying again later makes sense; `cause`, for the log, what went
 * wrong in words the driver should not read.
 */
export class ChargeRefusal extends Error {
  readonly retryAfterSeconds: number | undefined

  constructor(
    readonly statusCode: 400 | 402 | 404 | 409 | 502 | 503,
    message: string,
    options: { readonly retryAfterSeconds?: number; readonly cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause })
    this.retryAfterSeconds = options.retryAfterSeconds
  }
}
