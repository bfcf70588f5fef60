import type { HubContext } from '../../hub-context.ts'
import { forwardWithCallback, type CallbackForwardOutcome } from '../../routing/async-callbacks.ts'
import { forwardAndRelay, type HubAnswer, type MessageSource } from '../../routing/hub-answer.ts'
import { rememberRoute } from '../../routing/route-index.store.ts'
import { routeToOneParty, type RoutedRequest } from '../../routing/routed-request.ts'
import type { HttpMethod } from '../../partners/partner-channel.ts'
import { AT_ENDPOINT, outboundPath, type OutboundPath } from '../../core/outbound-path.ts'
import { counterpartForOwner, nameTheReceiver, ownerForCounterpart } from '../commands/commands.routing.ts'
import type { ActiveChargingProfile, SetChargingProfile } from './charging-profiles.schema.ts'

/**
 * ChargingProfiles through the hub (mod_charging_profiles), as operations on plain values. An eMSP or
 * SCSP reads, sets or clears the profile of a session at its CPO (TO, else the CPO of the requester's
 * own session), with the hub's callback in place of `response_url`; the CPO PUTs ActiveChargingProfile
 * updates for the party that set a profile.
 */

/** Who sets profiles at CPOs (mod_charging_profiles): the driver's eMSP or a smart charging provider. */
const PROFILE_SETTER_ROLES = ['EMSP', 'SCSP', 'OTHER'] as const

/** One request to the session's CPO, with the requester's response_url swapped for a hub callback. */
async function toSessionCpo(
  context: HubContext,
  source: MessageSource,
  call: {
    readonly method: HttpMethod
    readonly sessionId: string
    readonly responseUrl: string
    readonly withCallbackUrl: (callbackUrl: string) => { pathAndQuery: OutboundPath; body: unknown }
  },
): Promise<{ routed: RoutedRequest; outcome: CallbackForwardOutcome }> {
  const routed = await routeToOneParty(context, source, {
    module: 'chargingprofiles',
    interfaceRole: 'RECEIVER',
    method: call.method,
    pathAndQuery: AT_ENDPOINT,
    body: undefined,
    requesterRoles: PROFILE_SETTER_ROLES,
    destinationFromContent: (requester) =>
      ownerForCounterpart(context.db, 'session', call.sessionId, requester),
    noDestination: () => nameTheReceiver(`The hub knows no session ${call.sessionId} of yours`),
  })
  const outcome = await forwardWithCallback(context, routed, {
    module: 'chargingprofiles',
    responseUrl: call.responseUrl,
    withCallbackUrl: call.withCallbackUrl,
  })
  return { routed, outcome }
}

/** GET: the CPO computes the session's active profile over `duration` seconds and POSTs it to the callback. */
export async function requestActiveProfile(
  context: HubContext,
  source: MessageSource,
  request: { readonly sessionId: string; readonly duration: string; readonly responseUrl: string },
): Promise<HubAnswer> {
  const { sessionId, duration } = request
  const { outcome } = await toSessionCpo(context, source, {
    method: 'GET',
    sessionId,
    responseUrl: request.responseUrl,
    withCallbackUrl: (callbackUrl) => ({
      pathAndQuery: outboundPath([sessionId], { duration, response_url: callbackUrl }),
      body: undefined,
    }),
  })
  return outcome.answer
}

/**
 * PUT: sets a profile on the session. Once the CPO accepted, it PUTs ActiveChargingProfile updates of this
 * session to the setter, whom the hub remembers (mod_charging_profiles).
 */
export async function setChargingProfile(
  context: HubContext,
  source: MessageSource,
  request: { readonly sessionId: string; readonly profile: SetChargingProfile },
): Promise<HubAnswer> {
  const { sessionId, profile } = request
  const { routed, outcome } = await toSessionCpo(context, source, {
    method: 'PUT',
    sessionId,
    responseUrl: profile.response_url,
    withCallbackUrl: (callbackUrl) => ({
      pathAndQuery: outboundPath([sessionId]),
      body: { ...profile, response_url: callbackUrl },
    }),
  })
  if (outcome.accepted) {
    await rememberRoute(context.db, 'chargingprofile', sessionId, routed.forward.to, routed.forward.from)
  }
  return outcome.answer
}

/** DELETE: clears the profile the requester set on the session. */
export async function clearChargingProfile(
  context: HubContext,
  source: MessageSource,
  request: { readonly sessionId: string; readonly responseUrl: string },
): Promise<HubAnswer> {
  const { sessionId } = request
  const { outcome } = await toSessionCpo(context, source, {
    method: 'DELETE',
    sessionId,
    responseUrl: request.responseUrl,
    withCallbackUrl: (callbackUrl) => ({
      pathAndQuery: outboundPath([sessionId], { response_url: callbackUrl }),
      body: undefined,
    }),
  })
  return outcome.answer
}

/** The CPO's update of a session's active profile, for the party that set a profile on it (TO, else the setter). */
export async function updateActiveProfile(
  context: HubContext,
  source: MessageSource,
  update: { readonly sessionId: string; readonly profile: ActiveChargingProfile },
): Promise<HubAnswer> {
  const { sessionId } = update
  const routed = await routeToOneParty(context, source, {
    module: 'chargingprofiles',
    interfaceRole: 'SENDER',
    method: 'PUT',
    pathAndQuery: outboundPath([sessionId]),
    body: update.profile,
    requesterRoles: ['CPO'],
    destinationFromContent: (requester) =>
      counterpartForOwner(context.db, 'chargingprofile', sessionId, requester),
    noDestination: () =>
      nameTheReceiver(`Nobody set a charging profile on your session ${sessionId} through the hub`),
  })
  return forwardAndRelay(context, routed.forward)
}
