import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { HubErrors, OcpiError, type HttpStatus } from '../core/errors.ts'
import type { OcpiStatusCode } from '../core/status-codes.ts'
import { isDatabaseUnavailable } from '../storage/database-errors.ts'
import { errorEnvelope } from '../core/envelope.ts'
import { describeValidation } from '../core/validation-messages.ts'

interface RenderedError {
  readonly httpStatus: HttpStatus
  readonly statusCode: OcpiStatusCode
  readonly message: string
  readonly hubCode: string
  /** true when the hub itself failed: logged as an error with the stack. */
  readonly internal: boolean
}

/** The only place where a thrown value becomes an HTTP status and an OCPI status. */
export function renderError(error: unknown): RenderedError {
  if (error instanceof OcpiError) {
    return {
      httpStatus: error.httpStatus,
      statusCode: error.statusCode,
      message: error.message,
      hubCode: error.hubCode,
      internal: false,
    }
  }
  const fastifyError = error as Partial<FastifyError>
  if (fastifyError.validation) {
    const entry = HubErrors.HUB_ERR_INVALID_PARAMETERS
    return {
      httpStatus: entry.http,
      statusCode: entry.status,
      message: describeValidation(fastifyError.validation, fastifyError.validationContext),
      hubCode: 'HUB_ERR_INVALID_PARAMETERS',
      internal: false,
    }
  }
  const code = isDatabaseUnavailable(error)
    ? 'HUB_ERR_STORE_UNAVAILABLE'
    : fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
      ? 'HUB_ERR_BODY_TOO_LARGE'
      : fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? 'HUB_ERR_BAD_CONTENT_TYPE'
        : fastifyError.statusCode === 400
          ? 'HUB_ERR_BODY_NOT_JSON'
          : fastifyError.statusCode === 404
            ? 'HUB_ERR_NOT_FOUND'
            : 'HUB_ERR_INTERNAL'
  const entry = HubErrors[code]
  return {
    httpStatus: entry.http,
    statusCode: entry.status,
    message: entry.message,
    hubCode: code,
    internal: code === 'HUB_ERR_INTERNAL',
  }
}

/** Fastify error handler for the OCPI routes: every error leaves as an envelope, never with internals. */
export async function ocpiErrorHandler(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const rendered = renderError(error)
  if (rendered.internal) {
    request.log.error({ err: error, hubCode: rendered.hubCode }, 'request failed inside the hub')
  } else if (rendered.hubCode === 'HUB_ERR_STORE_UNAVAILABLE') {
    request.log.warn({ err: error, hubCode: rendered.hubCode }, 'request failed: the database is unavailable')
  } else {
    const detail = error instanceof OcpiError ? error.detail : undefined
    request.log.info(
      { hubCode: rendered.hubCode, ocpiStatus: rendered.statusCode, reason: rendered.message, detail },
      'request refused',
    )
  }
  await reply.code(rendered.httpStatus).send(errorEnvelope(rendered.statusCode, rendered.message))
}
