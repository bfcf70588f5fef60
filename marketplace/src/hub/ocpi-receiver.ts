import { Type } from '@fastify/type-provider-typebox'
import type { FastifyError, FastifyInstance } from 'fastify'
import { envelope } from './ocpi-client.ts'

/** Path parameters of an object pushed by a party: `/{country_code}/{party_id}/…`. */
export const PartyParams = {
  country_code: Type.String({ pattern: '^[A-Z]{2}$' }),
  party_id: Type.String({ pattern: '^[A-Z0-9]{3}$' }),
}
export const ObjectId = Type.String({ minLength: 1, maxLength: 39 })
/** A pushed object, read further by the part that stores it. */
export const PushedObject = Type.Record(Type.String(), Type.Unknown())

/**
 * OCPI answers for a plugin's bad input: HTTP 200 with status 2001 and the field at fault in words, as the
 * hub does (transport_and_format.asciidoc); anything else is a 3000 without details.
 */
export function answerInOcpi(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation || error.statusCode === 400)
      return reply.code(200).send(envelope(undefined, 2001, error.message))
    request.log.error({ err: error }, 'OCPI request failed')
    return reply.code(500).send(envelope(undefined, 3000, 'Something went wrong on our side'))
  })
}
