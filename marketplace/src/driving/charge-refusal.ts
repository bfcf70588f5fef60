/** Why a charge cannot start or stop, with the HTTP status the driver's request gets. */
export class ChargeRefusal extends Error {
  constructor(
    readonly statusCode: 400 | 402 | 404 | 409 | 502,
    message: string,
  ) {
    super(message)
  }
}
