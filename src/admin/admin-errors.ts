import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { OcpiError } from '../core/errors.ts'
import { isDatabaseUnavailable } from '../storage/database-errors.ts'
import { describeValidation } from '../core/validation-messages.ts'
import {
  BulkInvitationRefused,
  InvitationRefused,
  ReissueRefused,
  type RowProblem,
} from '../modules/credentials/invitations.service.ts'
import { PlatformChangeRefused } from '../modules/credentials/platforms.service.ts'

export type AdminErrorCode =
  | 'ADMIN_UNAUTHORIZED'
  | 'ADMIN_FORBIDDEN'
  | 'ADMIN_THROTTLED'
  | 'ADMIN_INVALID_REQUEST'
  | 'ADMIN_NOT_FOUND'
  | 'ADMIN_CONFLICT'
  | 'ADMIN_PARTNER_FAILED'
  | 'ADMIN_UNAVAILABLE'
  | 'ADMIN_INTERNAL'

const STATUS: Record<AdminErrorCode, number> = {
  ADMIN_UNAUTHORIZED: 401,
  ADMIN_FORBIDDEN: 403,
  ADMIN_THROTTLED: 429,
  ADMIN_INVALID_REQUEST: 400,
  ADMIN_NOT_FOUND: 404,
  ADMIN_CONFLICT: 409,
  ADMIN_PARTNER_FAILED: 502,
  ADMIN_UNAVAILABLE: 503,
  ADMIN_INTERNAL: 500,
}

/** An admin API failure, answered as RFC 9457 problem details (never the OCPI envelope). */
export class AdminError extends Error {
  override name = 'AdminError'
  readonly code: AdminErrorCode
  readonly extra: Record<string, unknown>
  constructor(code: AdminErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message)
    this.code = code
    this.extra = extra
  }
}

/** The row problems of a bulk invitation as the admin API answers them: every row named, nothing created. */
export function bulkRefusal(problems: readonly RowProblem[]): AdminError {
  return new AdminError(
    'ADMIN_INVALID_REQUEST',
    `${problems.length} problem(s) in the invitations; nothing was created`,
    { errors: problems },
  )
}

/** The domain services' refusals of an operator's request, in the admin API's terms. */
function fromDomainRefusal(error: unknown): AdminError | undefined {
  if (error instanceof PlatformChangeRefused)
    return new AdminError(error.reason === 'not-found' ? 'ADMIN_NOT_FOUND' : 'ADMIN_CONFLICT', error.message)
  if (error instanceof InvitationRefused)
    return new AdminError(
      error.reason === 'duplicate-role' ? 'ADMIN_INVALID_REQUEST' : 'ADMIN_CONFLICT',
      error.message,
    )
  if (error instanceof BulkInvitationRefused) return bulkRefusal(error.problems)
  if (error instanceof ReissueRefused) return new AdminError('ADMIN_CONFLICT', error.message)
  return undefined
}

function toAdminError(error: unknown): AdminError {
  if (error instanceof AdminError) return error
  const refusal = fromDomainRefusal(error)
  if (refusal) return refusal
  // The JSON body parser is shared with the OCPI routes and raises OCPI errors: answer them in the admin format.
  if (error instanceof OcpiError && error.hubCode === 'HUB_ERR_BODY_NOT_JSON')
    return new AdminError('ADMIN_INVALID_REQUEST', error.message)
  const fastifyError = error as Partial<FastifyError>
  if (fastifyError.validation) {
    return new AdminError(
      'ADMIN_INVALID_REQUEST',
      describeValidation(fastifyError.validation, fastifyError.validationContext),
    )
  }
  if (fastifyError.statusCode === 400)
    return new AdminError('ADMIN_INVALID_REQUEST', 'Request body is not valid JSON')
  if (fastifyError.statusCode === 413)
    return new AdminError('ADMIN_INVALID_REQUEST', 'Request body is too large')
  if (isDatabaseUnavailable(error)) {
    return new AdminError(
      'ADMIN_UNAVAILABLE',
      'The hub cannot reach its database right now: try again shortly',
    )
  }
  return new AdminError('ADMIN_INTERNAL', 'Internal hub error')
}

export async function adminErrorHandler(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const adminError = toAdminError(error)
  const status = STATUS[adminError.code]
  if (status >= 500 && adminError.code === 'ADMIN_INTERNAL')
    request.log.error({ err: error }, 'admin request failed')
  else request.log.info({ code: adminError.code, reason: adminError.message }, 'admin request refused')
  await reply
    .code(status)
    .type('application/problem+json')
    .send({
      type: 'about:blank',
      title: adminError.code,
      status,
      detail: adminError.message,
      ...adminError.extra,
    })
}
