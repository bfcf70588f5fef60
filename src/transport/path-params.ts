import { Type, type TProperties } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { OcpiError } from '../core/errors.ts'
import { CiString, CountryCode, PartyId } from '../core/ocpi-types.schema.ts'
import type { PartyRef } from '../core/party.ts'

/**
 * Path parameters of a client owned object URL, `{country_code}/{party_id}/{id}…` (transport_and_format:
 * client owned object push), checked like the body so a bad segment is a clear OCPI 2001.
 */
export const OwnedObjectParams = <T extends TProperties>(ids: T) =>
  Type.Object({ country_code: CountryCode, party_id: PartyId, ...ids })

/**
 * An object id in a URL: CiString(36). Ids that cannot be one URL segment are refused before this
 * schema runs (registerPathParameterCheck).
 */
export const ObjectIdParam = CiString(36)

/** The owner named in the URL, in the upper-case form the hub keys parties by. */
export function ownerFromParams(params: { country_code: string; party_id: string }): PartyRef {
  return { country_code: params.country_code.toUpperCase(), party_id: params.party_id.toUpperCase() }
}

// eslint-disable-next-line no-control-regex
const NOT_IN_A_SEGMENT = /[/?#\u0000-\u001f\u007f]/

function described(character: string): string {
  const code = character.charCodeAt(0)
  return code < 0x20 || code === 0x7f
    ? `the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`
    : `"${character}"`
}

/**
 * Why `value` (a path parameter as Fastify decoded it: `%2F` is already `/`) cannot be an OCPI id, a
 * command name or any other single segment the hub passes on, or undefined when it can. OCPI ids are
 * printable ASCII; these would change the shape of the URL the hub calls at a partner.
 */
export function unsafePathParameter(value: string): string | undefined {
  if (value === '') return 'is empty'
  if (value === '.' || value === '..') return `is "${value}"`
  const found = NOT_IN_A_SEGMENT.exec(value)
  return found ? `contains ${described(found[0])}` : undefined
}

/**
 * Refuses, for every route of the scope, a request whose path parameters cannot be OCPI ids (HTTP 400 +
 * 2001 naming the parameter), right after authentication: nothing of it is stored, queued or forwarded.
 * Every route is covered, including those added later, whatever its own params schema allows.
 */
export function registerPathParameterCheck(app: FastifyInstance): void {
  // A callback hook: no promise per request (Fastify passes a thrown error on like a rejected one).
  app.addHook('onRequest', (request, _reply, done) => {
    if (!request.is404) {
      const params = request.params as Record<string, unknown> | undefined
      for (const [name, value] of Object.entries(params ?? {})) {
        if (typeof value !== 'string') continue
        const reason = unsafePathParameter(value)
        if (reason) {
          throw new OcpiError('HUB_ERR_INVALID_PATH_PARAMETER', `${name}: ${reason}: it cannot be an OCPI id`)
        }
      }
    }
    done()
  })
}
