import { OcpiError } from '../../core/errors.ts'
import type { PartyRef } from '../../core/party.ts'
import type { HubContext } from '../../hub-context.ts'
import { registeredHosts } from '../../routing/async-callbacks.ts'
import { resolveDestination } from '../../routing/destination.ts'
import { callDestination, type DestinationAnswer } from '../../routing/forward.ts'
import {
  forwardAndRelay,
  relayedAnswer,
  type HubAnswer,
  type MessageSource,
} from '../../routing/hub-answer.ts'
import { INTERFACE_IMPLEMENTERS } from '../../core/modules.ts'
import { actsAs } from '../../routing/requester.ts'
import { routeToOneParty } from '../../routing/routed-request.ts'
import { successEnvelope } from '../../core/envelope.ts'
import { AT_ENDPOINT, outboundPath } from '../../core/outbound-path.ts'
import { hubInterfaceUrl } from '../registry.ts'
import { checkSpeaksAsOwner, isAccepted, speakerOf } from '../sessions/sessions.routing.ts'
import {
  claimCdrDelivery,
  completeCdrDelivery,
  findCdrByHubId,
  findDeliveredCdr,
  ledgerEntry,
  releaseCdrClaim,
  type CdrKey,
} from './cdrs.deliveries.ts'
import type { Cdr } from './cdrs.schema.ts'

/** The parties CDRs are for (mod_cdrs: the Receiver interface is the eMSP's; OTHER counts as eMSP-like). */
const CDR_RECEIVERS = INTERFACE_IMPLEMENTERS.cdrs.RECEIVER

/** Beyond the outbound timeout, a claim still waiting for its delivery belongs to a process that died. */
const STALE_CLAIM_MARGIN_MS = 5_000

/** The hub's URL of a CDR it delivered: the `Location` the CPO is given instead of the eMSP's. */
function hubCdrUrl(context: HubContext, hubId: string): string {
  return `${hubInterfaceUrl(context.hub, 'cdrs', 'RECEIVER')}/${hubId}`
}

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

/** A retry of a CDR delivered before: answered from the hub's record, as if by its eMSP. */
function deliveredBefore(context: HubContext, hubId: string, emsp: PartyRef, cpo: PartyRef): HubAnswer {
  return {
    httpStatus: 200,
    envelope: successEnvelope(null, 'This CDR was delivered before: not sent again'),
    from: emsp,
    to: cpo,
    headers: { location: hubCdrUrl(context, hubId) },
  }
}

/**
 * A CPO's CDR, "deliver this CDR" (mod_cdrs POST):
 * 1. the CDR's country_code/party_id must be one of the caller's CPO roles, and FROM that CPO;
 * 2. a CDR delivered before is answered from the hub's record, even while its eMSP is away;
 * 3. routed to one eMSP (TO, else the owner of its `cdr_token`) and claimed, so that concurrent retries
 *    deliver it once;
 * 4. the eMSP's answer relayed, its `Location` replaced by a hub URL where the CPO can GET the CDR later.
 */
export async function postCdr(context: HubContext, source: MessageSource, cdr: Cdr): Promise<HubAnswer> {
  const cpo = { country_code: cdr.country_code.toUpperCase(), party_id: cdr.party_id.toUpperCase() }
  if (!actsAs(source.requester, cpo, ['CPO'])) {
    throw new OcpiError(
      'HUB_ERR_INVALID_PARAMETERS',
      `The CDR's country_code/party_id (${cpo.country_code}*${cpo.party_id}) is not one of your CPO roles: a CPO posts only its own CDRs`,
    )
  }
  checkSpeaksAsOwner(source.routing, cpo, 'the CDR')
  const key: CdrKey = { cpo, cdrId: cdr.id.toUpperCase() }
  const earlier = await findDeliveredCdr(context.db, key)
  if (earlier?.kind === 'delivered') {
    source.log.info({ cpo, cdrId: cdr.id, hubId: earlier.hubId }, 'CDR delivered before: not sent again')
    return deliveredBefore(context, earlier.hubId, earlier.emsp, cpo)
  }

  const routed = await routeToOneParty(context, source, {
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
    noDestination: () => new OcpiError('HUB_ERR_INVALID_PARAMETERS', 'cdr_token: is required'),
  })
  const forward = { ...routed.forward, from: cpo }
  const staleAfterMs = context.config.outboundTimeoutMs + STALE_CLAIM_MARGIN_MS
  const claim = await claimCdrDelivery(context.db, key, forward.to, staleAfterMs)
  if (claim.kind === 'delivered') {
    source.log.info({ cpo, cdrId: cdr.id, hubId: claim.hubId }, 'CDR delivered meanwhile: not sent again')
    return deliveredBefore(context, claim.hubId, claim.emsp, cpo)
  }

  let answer: DestinationAnswer
  try {
    answer = await callDestination(context, forward)
  } catch (error) {
    await releaseCdrClaim(context.db, claim.hubId)
    throw error
  }
  const location = isAccepted(answer) ? receiverLocation(answer, forward.platform) : undefined
  if (isAccepted(answer)) {
    context.events.emit('cdr.received', { cpo, emsp: forward.to, cdr, correlationId: forward.correlationId })
  }
  if (location === undefined) {
    await releaseCdrClaim(context.db, claim.hubId)
    if (isAccepted(answer)) {
      source.log.warn(
        { cpo, cdrId: cdr.id, emsp: forward.to },
        'the eMSP accepted a CDR without a Location header on a host it registered: the CPO cannot read it through the hub, and a retry will be delivered again',
      )
    }
    return relayedAnswer(answer, forward)
  }
  if (!(await completeCdrDelivery(context.db, claim.hubId, location, ledgerEntry(cdr, cpo, forward.to)))) {
    source.log.warn({ cpo, cdrId: cdr.id }, 'CDR delivery took so long that a retry took over its claim')
  }
  const relayed = relayedAnswer(answer, forward)
  return { ...relayed, headers: { ...relayed.headers, location: hubCdrUrl(context, claim.hubId) } }
}

/** The CDR behind a hub `Location`: read from the eMSP, for the CPO that posted it and nobody else. */
export async function readDeliveredCdr(
  context: HubContext,
  source: MessageSource,
  hubId: string,
): Promise<HubAnswer> {
  const { requester } = source
  const found = await findCdrByHubId(context.db, hubId)
  // Someone else's CDR is answered like one that does not exist: its existence is not disclosed.
  if (!found || !actsAs(requester, found.cpo, ['CPO'])) {
    throw new OcpiError('HUB_ERR_UNKNOWN_OBJECT', `Unknown CDR ${hubId}`)
  }
  checkSpeaksAsOwner(source.routing, found.cpo, 'the CDR')
  const destination = await resolveDestination(context, found.emsp, requester.platformId, {
    module: 'cdrs',
    interfaceRole: 'RECEIVER',
  })
  if (destination?.kind !== 'party') throw new OcpiError('HUB_ERR_UNKNOWN_OBJECT')
  return forwardAndRelay(context, {
    platform: destination.platform,
    module: 'cdrs',
    interfaceRole: 'RECEIVER',
    method: 'GET',
    pathAndQuery: AT_ENDPOINT,
    url: found.receiverLocation,
    body: undefined,
    from: found.cpo,
    to: found.emsp,
    correlationId: source.correlationId,
    hubInterfaceUrl: hubInterfaceUrl(context.hub, 'cdrs', 'RECEIVER'),
  })
}

/** The hub keeps no CDRs, so there is no GET All: the list is always one CPO's, named in TO. */
export async function listCdrs(
  context: HubContext,
  source: MessageSource,
  list: { readonly query: URLSearchParams },
): Promise<HubAnswer> {
  const routed = await routeToOneParty(context, source, {
    module: 'cdrs',
    interfaceRole: 'SENDER',
    method: 'GET',
    pathAndQuery: outboundPath([], list.query),
    body: undefined,
    noDestination: () =>
      new OcpiError(
        'HUB_ERR_ROUTING_HEADERS',
        'The hub keeps no CDRs: name the CPO whose CDRs to list in OCPI-to-* (or route_to=CC-PID)',
      ),
  })
  const from = speakerOf(routed.requester, source.routing, CDR_RECEIVERS)
  return forwardAndRelay(context, { ...routed.forward, from })
}
