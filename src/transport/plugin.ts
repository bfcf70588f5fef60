import type { FastifyInstance } from 'fastify'
import { OcpiError } from '../core/errors.ts'
import type { HubContext } from '../hub-context.ts'
import { registerPartnerAuthentication } from './authorization.ts'
import { ocpiErrorHandler } from './error-handler.ts'
import { registerPathParameterCheck } from './path-params.ts'
import { RateLimiter, registerRateLimit } from './rate-limit.ts'

/**
 * What every request under /ocpi shares: OCPI errors, partner authentication, the rate limit and the path
 * checks. The application (src/app.ts) registers the modules in the same scope, after these hooks.
 */
export function registerOcpiTransport(app: FastifyInstance, context: HubContext): void {
  app.setErrorHandler(ocpiErrorHandler)
  registerPartnerAuthentication(app, (candidates) => context.directory.authenticate(candidates))
  // After authentication (limits are per platform), before any work on the request.
  registerRateLimit(app, new RateLimiter(context.config.rateLimit))
  // Before any work on the request: a path parameter that cannot be an id never reaches a partner's URL.
  registerPathParameterCheck(app)
  // Unknown paths are answered after authentication: a caller without a valid token learns nothing.
  app.setNotFoundHandler(async (request) => {
    throw new OcpiError('HUB_ERR_NOT_FOUND', `Unknown resource: ${request.method} ${request.url}`)
  })
}
