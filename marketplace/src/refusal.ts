/**
 * A member's request the marketplace refuses, answered by the app's error handler with its HTTP status and
 * words. A 5xx one means a part it relies on is away (the hub, a CPO, the payment provider: `cause` says how,
 * for the log) or payments are not set up; `retryAfterSeconds` when trying again later makes sense.
 */
export class Refusal extends Error {
  readonly retryAfterSeconds: number | undefined

  constructor(
    readonly statusCode: 400 | 402 | 404 | 409 | 502 | 503,
    message: string,
    options: { readonly retryAfterSeconds?: number; readonly cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause })
    this.retryAfterSeconds = options.retryAfterSeconds
    this.name = {
      400: 'Bad Request',
      402: 'Payment Required',
      404: 'Not Found',
      409: 'Conflict',
      502: 'Bad Gateway',
      503: 'Service Unavailable',
    }[statusCode]
  }
}
