import type { FastifyInstance } from 'fastify'
import secureJson from 'secure-json-parse'
import { OcpiError } from '../core/errors.ts'

/**
 * Parses every request body as JSON, whatever its Content-Type: peers that omit or misspell the header
 * still get an OCPI answer. An empty body is no body (DELETE with a Content-Type header). `__proto__` and
 * `constructor.prototype` keys are dropped so a body can never reach an object's prototype.
 */
export function registerJsonBodyParser(app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8')
    if (text.trim() === '') {
      done(null, undefined)
      return
    }
    try {
      done(null, secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' }))
    } catch {
      done(new OcpiError('HUB_ERR_BODY_NOT_JSON'), undefined)
    }
  })
}
