import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { OcpiError } from '../core/errors.ts'
import type { PartyRef } from '../core/party.ts'
import { ROUTING_HEADERS, type RoutingHeaders } from '../core/routing-headers.ts'

const COUNTRY_CODE = /^[A-Za-z]{2}$/
const PARTY_ID = /^[A-Za-z0-9]{3}$/

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name]
  const text = Array.isArray(value) ? value[0] : value
  return text === undefined || text.trim() === '' ? undefined : text.trim()
}

function partyFromHeaders(request: FastifyRequest, countryHeader: string, partyHeader: string) {
  const country_code = headerValue(request, countryHeader)
  const party_id = headerValue(request, partyHeader)
  if (country_code === undefined && party_id === undefined) return undefined
  if (country_code === undefined || party_id === undefined) {
    throw new OcpiError(
      'HUB_ERR_ROUTING_HEADERS',
      `${countryHeader} and ${partyHeader} must be sent together`,
    )
  }
  if (!COUNTRY_CODE.test(country_code) || !PARTY_ID.test(party_id)) {
    throw new OcpiError(
      'HUB_ERR_ROUTING_HEADERS',
      `${countryHeader}/${partyHeader} must be a 2-letter country code and a 3-character party id`,
    )
  }
  return { country_code: country_code.toUpperCase(), party_id: party_id.toUpperCase() }
}

/**
 * Reads the routing headers of a request; a half or malformed pair is OCPI 2001. Route handlers read them
 * once, into their MessageSource (service-adapter.ts); only a refusal's answer reads them again.
 */
export function routingHeadersOf(request: FastifyRequest): RoutingHeaders {
  return {
    to: partyFromHeaders(request, ROUTING_HEADERS.toCountryCode, ROUTING_HEADERS.toPartyId),
    from: partyFromHeaders(request, ROUTING_HEADERS.fromCountryCode, ROUTING_HEADERS.fromPartyId),
  }
}

/** Sets FROM and TO on a functional module response; TO is left out when the requester is not known. */
export function setResponseRouting(reply: FastifyReply, from: PartyRef, to: PartyRef | undefined): void {
  void reply.header(ROUTING_HEADERS.fromCountryCode, from.country_code)
  void reply.header(ROUTING_HEADERS.fromPartyId, from.party_id)
  if (to) {
    void reply.header(ROUTING_HEADERS.toCountryCode, to.country_code)
    void reply.header(ROUTING_HEADERS.toPartyId, to.party_id)
  }
}

/**
 * Every answer of a functional module carries FROM and TO (transport_and_format: message routing), also
 * the hub's own refusals, which are thrown before any handler could set them: an answer that has none
 * yet is from the hub, to the party the requester spoke as (its FROM header, when it is well formed).
 */
export function answerWithRoutingHeaders(scope: FastifyInstance, hub: PartyRef): void {
  scope.addHook('onSend', (request, reply, payload, done) => {
    if (!reply.hasHeader(ROUTING_HEADERS.fromPartyId)) {
      let requester: PartyRef | undefined
      try {
        requester = routingHeadersOf(request).from
      } catch {
        requester = undefined // a malformed FROM names nobody
      }
      setResponseRouting(reply, hub, requester)
    }
    done(null, payload)
  })
}
