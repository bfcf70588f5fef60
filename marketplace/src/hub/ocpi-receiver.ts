import { Type } from '@fastify/type-provider-typebox'
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'
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

/** A push the marketplace does not take, with the OCPI status it answers: 2001 (bad object) or 2003 (unknown). */
export class PushRefusal extends Error {
  constructor(
    readonly statusCode: 2001 | 2003,
    message: string,
  ) {
    super(message)
  }
}

/**
 * The OCPI answer to a push: an empty 1000 once `take` took it; its PushRefusal's status and words when it
 * was refused (HTTP 404 for an unknown object, 200 otherwise, as OCPI wants).
 */
export async function answerPush(reply: FastifyReply, take: () => Promise<unknown>) {
  try {
    await take()
    return envelope(undefined)
  } catch (error) {
    if (!(error instanceof PushRefusal)) throw error
    return reply
      .code(error.statusCode === 2003 ? 404 : 200)
      .send(envelope(undefined, error.statusCode, error.message))
  }
}
