import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { Type } from '@sinclair/typebox'
import { OcpiError } from '../../core/errors.ts'
import type { PartyRef } from '../../core/party.ts'
import type { HubContext } from '../../hub-context.ts'
import { registeredHosts } from '../../routing/async-callbacks.ts'
import { resolveDestination } from '../../routing/destination.ts'
import { INTERFACE_IMPLEMENTERS } from '../../routing/module-audience.ts'
import {
  callDestination,
  forwardAndRelay,
  relayAnswer,
  type DestinationAnswer,
} from '../../routing/forward.ts'
import { actsAs, loadRequester } from '../../routing/requester.ts'
import { queryPassedOn } from '../../routing/route-to.ts'
import { routeToOneParty } from '../../routing/routed-request.ts'
import { partnerOf } from '../../transport/authorization.ts'
import { successEnvelope } from '../../transport/envelope.ts'
import { AT_ENDPOINT, outboundPath } from '../../transport/outbound-path.ts'
import { routingHeadersOf, setResponseRouting } from '../../transport/routing-headers.ts'
import { hubInterfaceUrl, interfacePath } from '../registry.ts'
import {
  claimCdrDelivery,
  completeCdrDelivery,
  findCdrByHubId,
  findDeliveredCdr,
  releaseCdrClaim,
  type CdrKey,
} from './cdrs.deliveries.ts'
import { Cdr } from './cdrs.schema.ts'
import { checkSpeaksAsOwner, isAccepted, speakerOf } from '../sessions/sessions.routing.ts'

const HubCdrParams = Type.Object({ hub_id: Type.String({ minLength: 1, maxLength: 64 }) })

/** The parties CDRs are for (mod_cdrs: the Receiver interface is the eMSP's; OTHER counts as eMSP-like). */
const CDR_RECEIVERS = INTERFACE_IMPLEMENTERS.cdrs.RECEIVER

/** Beyond the outbound timeout, a claim still waiting for its delivery belongs to a process that died. */
const STALE_CLAIM_MARGIN_MS = 5_000

/**
 * The eMSP's `Location` (mod_cdrs: required on a POST answer) as an absolute URL, if it gave one on a host
 * the eMSP registered: the hub GETs it later, and must never be sent to call someone else.
 */
function receiverLocation(
  answer: DestinationAnswer,
  emspPlatform: Parameters<typeof registeredHosts>[0],
): string | undefined {
  const header = answer.headers['location']
  const value = Array.isArray(header) ? header[0] : header
  if (!value?.trim()) return undefined
  try {
    const url = new URL(value.trim(), `${answer.endpointUrl}/`)
    return registeredHosts(emspPlatform).has(url.host.toLowerCase()) ? url.toString() : undefined
  } catch {
    return undefined
  }
}

async function immutable(): Promise<never> {
  throw new OcpiError(
    'HUB_ERR_METHOD_NOT_ALLOWED',
    'CDRs cannot be replaced, updated or removed: correct one with a credit CDR (credit=true, credit_reference_id)',
  )
}

/**
 * CDRs module (mod_cdrs), both interfaces of the hub. RECEIVER: a CPO POSTs a CDR, which goes to one
 * eMSP (TO, else the `cdr_token` owner), once: a retry of the same CDR is answered from the hub's record.
 * The eMSP's `Location` is replaced by a hub URL, where the CPO can GET the CDR later. CDRs are
 * immutable (PUT/PATCH/DELETE: 405). SENDER: the list of one CPO, named in TO.
 */
export async function cdrsRoutes(app: FastifyInstance, { context }: { context: HubContext }): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const receiver = `/${interfacePath('cdrs', 'RECEIVER')}`
  const hubCdrUrl = (hubId: string) => `${hubInterfaceUrl(context.hub, 'cdrs', 'RECEIVER')}/${hubId}`
  const staleAfterMs = context.config.outboundTimeoutMs + STALE_CLAIM_MARGIN_MS

  const answerDelivered = (reply: FastifyReply, hubId: string, emsp: PartyRef, cpo: PartyRef) => {
    void reply.header('location', hubCdrUrl(hubId))
    setResponseRouting(reply, emsp, cpo)
    return successEnvelope(null, 'This CDR was delivered before: not sent again')
  }

  routes.post(receiver, { schema: { body: Cdr } }, async (request, reply) => {
    const cdr = request.body
    const cpo = { country_code: cdr.country_code.toUpperCase(), party_id: cdr.party_id.toUpperCase() }
    const requester = loadRequester(context.directory, partnerOf(request))
    if (!actsAs(requester, cpo, ['CPO'])) {
      throw new OcpiError(
        'HUB_ERR_INVALID_PARAMETERS',
        `The CDR's country_code/party_id (${cpo.country_code}*${cpo.party_id}) is not one of your CPO roles: a CPO posts only its own CDRs`,
      )
    }
    const routing = routingHeadersOf(request)
    checkSpeaksAsOwner(routing, cpo, 'the CDR')
    const from = cpo
    const key: CdrKey = { cpo, cdrId: cdr.id.toUpperCase() }
    // A retry of a delivered CDR is answered even while its eMSP is away.
    const earlier = await findDeliveredCdr(context.db, key)
    if (earlier?.kind === 'delivered') {
      request.log.info({ cpo, cdrId: cdr.id, hubId: earlier.hubId }, 'CDR delivered before: not sent again')
      return answerDelivered(reply, earlier.hubId, earlier.emsp, from)
    }

    const routed = await routeToOneParty(context, request, {
      module: 'cdrs',
      interfaceRole: 'RECEIVER',
      method: 'POST',
      pathAndQuery: AT_ENDPOINT,
      body: cdr,
      // The eMSP of the driver's token, which a CDR always names.
      destinationFromContent: () =>
        Promise.resolve({
          country_code: cdr.cdr_token.country_code.toUpperCase(),
          party_id: cdr.cdr_token.party_id.toUpperCase(),
        }),
      noDestination: new OcpiError('HUB_ERR_INVALID_PARAMETERS', 'cdr_token: is required'),
    })
    const forward = { ...routed.forward, from }
    const claim = await claimCdrDelivery(context.db, key, forward.to, staleAfterMs)
    if (claim.kind === 'delivered') {
      request.log.info({ cpo, cdrId: cdr.id, hubId: claim.hubId }, 'CDR delivered meanwhile: not sent again')
      return answerDelivered(reply, claim.hubId, claim.emsp, from)
    }

    let answer: DestinationAnswer
    try {
      answer = await callDestination(context, forward)
    } catch (error) {
      await releaseCdrClaim(context.db, claim.hubId)
      throw error
    }
    const location = isAccepted(answer) ? receiverLocation(answer, forward.platform) : undefined
    if (location === undefined) {
      await releaseCdrClaim(context.db, claim.hubId)
      if (isAccepted(answer)) {
        request.log.warn(
          { cpo, cdrId: cdr.id, emsp: forward.to },
          'the eMSP accepted a CDR without a Location header on a host it registered: the CPO cannot read it through the hub, and a retry will be delivered again',
        )
      }
      return relayAnswer(reply, answer, forward)
    }
    if (!(await completeCdrDelivery(context.db, claim.hubId, location))) {
      request.log.warn({ cpo, cdrId: cdr.id }, 'CDR delivery took so long that a retry took over its claim')
    }
    const envelope = relayAnswer(reply, answer, forward)
    void reply.header('location', hubCdrUrl(claim.hubId))
    return envelope
  })

  // The CDR behind a hub `Location`: read from the eMSP, for the CPO that posted it and nobody else.
  routes.get(`${receiver}/:hub_id`, { schema: { params: HubCdrParams } }, async (request, reply) => {
    const requester = loadRequester(context.directory, partnerOf(request))
    const found = await findCdrByHubId(context.db, request.params.hub_id)
    // Someone else's CDR is answered like one that does not exist: its existence is not disclosed.
    if (!found || !actsAs(requester, found.cpo, ['CPO'])) {
      throw new OcpiError('HUB_ERR_UNKNOWN_OBJECT', `Unknown CDR ${request.params.hub_id}`)
    }
    checkSpeaksAsOwner(routingHeadersOf(request), found.cpo, 'the CDR')
    const destination = await resolveDestination(context, found.emsp, requester.platformId, {
      module: 'cdrs',
      interfaceRole: 'RECEIVER',
    })
    if (destination?.kind !== 'party') throw new OcpiError('HUB_ERR_UNKNOWN_OBJECT')
    return forwardAndRelay(context, reply, {
      platform: destination.platform,
      module: 'cdrs',
      interfaceRole: 'RECEIVER',
      method: 'GET',
      pathAndQuery: AT_ENDPOINT,
      url: found.receiverLocation,
      body: undefined,
      from: found.cpo,
      to: found.emsp,
      correlationId: request.correlationId,
      hubInterfaceUrl: hubInterfaceUrl(context.hub, 'cdrs', 'RECEIVER'),
    })
  })

  for (const url of [receiver, `${receiver}/:hub_id`]) {
    routes.put(url, immutable)
    routes.patch(url, immutable)
    routes.delete(url, immutable)
  }
  routes.post(`${receiver}/:hub_id`, immutable)

  // The hub keeps no CDRs, so there is no GET All: the list is always one CPO's.
  routes.get(`/${interfacePath('cdrs', 'SENDER')}`, async (request, reply) => {
    const routed = await routeToOneParty(context, request, {
      module: 'cdrs',
      interfaceRole: 'SENDER',
      method: 'GET',
      pathAndQuery: outboundPath([], queryPassedOn(request.url)),
      body: undefined,
      noDestination: new OcpiError(
        'HUB_ERR_ROUTING_HEADERS',
        'The hub keeps no CDRs: name the CPO whose CDRs to list in OCPI-to-* (or route_to=CC-PID)',
      ),
    })
    const from = speakerOf(routed.requester, routingHeadersOf(request), CDR_RECEIVERS)
    return forwardAndRelay(context, reply, { ...routed.forward, from })
  })
}
