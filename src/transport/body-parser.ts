import type { FastifyInstance } from 'fastify'
import secureJson from 'secure-json-parse'
import { OcpiError } from '../core/errors.ts'
import { findInexactNumber, findUnstorableText, mayHoldUnstorableText } from '../core/json.ts'
import { invalidInput } from './schema-validation.ts'

const OPEN_BRACE = 0x7b
const OPEN_BRACKET = 0x5b
const CLOSE_BRACE = 0x7d
const CLOSE_BRACKET = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * True when objects and arrays in this JSON text nest deeper than `limit`. One pass over the text, no
 * allocation: it runs before the parser, so a hostile body costs no more than reading it.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0
  let inString = false
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (inString) {
      if (code === BACKSLASH) index++
      else if (code === QUOTE) inString = false
    } else if (code === QUOTE) inString = true
    else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++depth > limit) return true
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) depth--
  }
  return false
}

/**
 * Parses every request body as JSON, whatever its Content-Type: peers that omit or misspell the header
 * still get an OCPI answer. An empty body is no body (DELETE with a Content-Type header). `__proto__` and
 * `constructor.prototype` keys are dropped so a body can never reach an object's prototype. Bodies nested
 * deeper than `depthLimit` (JSON_DEPTH_LIMIT) are refused unparsed.
 *
 * Then every body and query string is held to what the hub can store and pass on unchanged (2001 on the
 * OCPI API, 400 on the admin API, naming the field): no string or key with U+0000 or an unpaired
 * surrogate, no number a double cannot carry exactly (docs/status-codes.md, "Values the hub cannot
 * store or pass on").
 */
export function registerJsonBodyParser(app: FastifyInstance, bodyLimit: number, depthLimit = 64): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8')
    if (text.trim() === '') {
      done(null, undefined)
      return
    }
    if (nestsDeeperThan(text, depthLimit)) {
      done(
        new OcpiError(
          'HUB_ERR_BODY_NOT_JSON',
          `Request body nests objects or arrays deeper than ${depthLimit} levels (JSON_DEPTH_LIMIT)`,
        ),
        undefined,
      )
      return
    }
    let value: unknown
    try {
      value = secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' })
    } catch {
      done(new OcpiError('HUB_ERR_BODY_NOT_JSON'), undefined)
      return
    }
    const flaw =
      (mayHoldUnstorableText(text) ? findUnstorableText(value) : undefined) ?? findInexactNumber(text)
    done(flaw ? invalidInput('body', flaw.path, flaw.message) : null, flaw ? undefined : value)
  })
  app.addHook('preValidation', (request, _reply, done) => {
    const flaw = findUnstorableText(request.query)
    done(flaw ? invalidInput('querystring', flaw.path, flaw.message) : undefined)
  })
}
