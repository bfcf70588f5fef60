import { OcpiError } from '../../core/errors.ts'
import { AT_ENDPOINT, outboundPath } from '../../core/outbound-path.ts'
import { sameParty, upperParty, type PartyRef } from '../../core/party.ts'
import type { HubContext } from '../../hub-context.ts'
import { callDestination } from '../../routing/forward.ts'
import { relayedAnswer, type HubAnswer, type MessageSource } from '../../routing/hub-answer.ts'
import { actsAs } from '../../routing/requester.ts'
import { findRoutes, rememberRoute } from '../../routing/route-index.store.ts'
import { routeToOneParty } from '../../routing/routed-request.ts'
import { findObjectsByField, findObjectsById } from '../../storage/owned-objects.store.ts'
import { MODULE_AUDIENCE } from '../../core/modules.ts'
import type { HttpMethod } from '../../partners/partner-channel.ts'
import { isAccepted } from '../sessions/sessions.routing.ts'
import { bookingRequestAs11 } from './booking-1-0.ts'
import type { BookingLocation, BookingRequest } from './bookings.schema.ts'

/**
 * Bookings between one eMSP and one CPO (mod_bookings, Booking 1.1): the eMSP's BookingRequest goes to the
 * CPO of the BookingLocation, and the CPO's Booking, its updates and cancellations go back only to the
 * eMSP that asked. A Booking is about one driver: never broadcast, no copy kept, only the route.
 */

const REQUESTERS = MODULE_AUDIENCE.bookings.audience
const CPOS = MODULE_AUDIENCE.bookings.owners

/** The Booking id in the CPO's answer, if it gave one. */
function bookingIdOf(data: unknown): string | undefined {
  const id = typeof data === 'object' && data !== null ? (data as { id?: unknown }).id : undefined
  return typeof id === 'string' && id !== '' ? id : undefined
}

/**
 * An eMSP's BookingRequest (POST to the hub's SENDER interface):
 * 1. its country_code/party_id must be one of the requester's eMSP roles, and every token its own (as
 *    for commands: a booking on another eMSP's contract would bill that eMSP's driver);
 * 2. routed to TO, else the CPO whose stored BookingLocation has `booking_location_id` (a Booking 1.0
 *    request, read as 1.1 first, names none: the one BookingLocation at its Location);
 * 3. when the CPO accepts and names the Booking, the route is remembered for its later updates.
 */
export async function requestBooking(
  context: HubContext,
  source: MessageSource,
  body: BookingRequest,
): Promise<HubAnswer> {
  const read = bookingRequestAs11(body)
  if (read.renamed.length > 0) source.log.info({ renamed: read.renamed }, 'Booking 1.0 request read as 1.1')
  let request = read.request
  const emsp = upperParty(request)
  if (!actsAs(source.requester, emsp, REQUESTERS)) {
    throw new OcpiError(
      'HUB_ERR_INVALID_PARAMETERS',
      `${emsp.country_code}*${emsp.party_id} is not one of your ${REQUESTERS.join('/')} roles: you can only book for yourself`,
    )
  }
  for (const [field, tokens] of [
    ['tokens', request.tokens],
    ['booking_tokens', request.booking_tokens],
  ] as const) {
    const foreign = (tokens ?? []).find((token) => !sameParty(token, emsp))
    if (foreign) {
      throw new OcpiError(
        'HUB_ERR_INVALID_PARAMETERS',
        `${field}: ${foreign.country_code}*${foreign.party_id} is not ${emsp.country_code}*${emsp.party_id}: a booking may only use your own tokens`,
      )
    }
  }
  // A 1.0 request names no BookingLocation: the one the hub holds at its Location (and EVSE) stands in.
  const atLocation =
    request.booking_location_id || source.routing.to ? undefined : await bookingLocationAt(context, request)
  if (atLocation) request = { ...request, booking_location_id: atLocation.id }
  const bookingLocationId = request.booking_location_id ?? undefined
  const routed = await routeToOneParty(context, source, {
    module: 'bookings',
    interfaceRole: 'SENDER',
    method: 'POST',
    pathAndQuery: AT_ENDPOINT,
    body: request,
    requesterRoles: REQUESTERS,
    destinationFromContent: () => bookingLocationOwner(context, bookingLocationId),
    noDestination: () =>
      new OcpiError(
        'HUB_ERR_ROUTING_HEADERS',
        bookingLocationId
          ? `The hub knows no BookingLocation ${bookingLocationId}: name its CPO in OCPI-to-*`
          : `The hub knows no single BookingLocation at Location ${request.location_id}: send booking_location_id or name its CPO in OCPI-to-*`,
      ),
    locationId: request.location_id,
  })
  const forward = { ...routed.forward, from: emsp }
  const answer = await callDestination(context, forward)
  const bookingId = bookingIdOf(answer.envelope.data)
  if (isAccepted(answer) && bookingId) await rememberRoute(context.db, 'booking', bookingId, forward.to, emsp)
  source.log.info(
    { cpo: forward.to, emsp, bookingId, accepted: isAccepted(answer) },
    'booking request forwarded',
  )
  return relayedAnswer(answer, forward)
}

/**
 * An eMSP's list of its Bookings at one CPO (the CPO's SENDER interface, `GET {bookings_url}`): the hub
 * keeps no bookings, so the CPO is the one named in TO and the list is relayed as it answered.
 */
export async function listBookings(
  context: HubContext,
  source: MessageSource,
  list: { readonly query: URLSearchParams },
): Promise<HubAnswer> {
  const routed = await routeToOneParty(context, source, {
    module: 'bookings',
    interfaceRole: 'SENDER',
    method: 'GET',
    pathAndQuery: outboundPath([], list.query),
    body: undefined,
    requesterRoles: REQUESTERS,
    noDestination: () =>
      new OcpiError(
        'HUB_ERR_ROUTING_HEADERS',
        'The hub keeps no bookings: name the CPO whose bookings to list in OCPI-to-* (or route_to=CC-PID)',
      ),
  })
  return relayedAnswer(await callDestination(context, routed.forward), routed.forward)
}

/**
 * The BookingLocation a request without `booking_location_id` (Booking 1.0) is for: the only one the hub
 * holds at its `location_id`, or at its EVSE (`booking_option.evse_uid`) when several are there. Undefined
 * when none or several fit: then the eMSP must say.
 */
async function bookingLocationAt(
  context: HubContext,
  request: BookingRequest,
): Promise<BookingLocation | undefined> {
  const found = await findObjectsByField(context.db, 'bookings', 'location_id', request.location_id)
  if (found.length <= 1) return found[0]
  const evseUid = evseUidOf(request.booking_option)
  if (!evseUid) return undefined
  const atEvse = found.filter((candidate) => evseUidOf(candidate.booking_option) === evseUid)
  return atEvse.length === 1 ? atEvse[0] : undefined
}

/** The EVSE a BookingOption names (a class the hub passes on as sent), upper-cased. */
function evseUidOf(option: object | null | undefined): string | undefined {
  const uid = option && (option as { evse_uid?: unknown }).evse_uid
  return typeof uid === 'string' ? uid.toUpperCase() : undefined
}

async function bookingLocationOwner(
  context: HubContext,
  bookingLocationId: string | undefined,
): Promise<PartyRef | undefined> {
  if (!bookingLocationId) return undefined
  const found = await findObjectsById(context.db, { module: 'bookings' }, bookingLocationId.toUpperCase())
  if (found.length > 1) throw new OcpiError('HUB_ERR_AMBIGUOUS_OBJECT')
  const owner = found[0]
  return owner && upperParty(owner)
}

/**
 * A CPO's Booking PUT, PATCH or GET on the hub's RECEIVER interface (`{country_code}/{party_id}/{booking_id}`):
 * the URL owner must be one of the caller's CPO roles; routed to TO, else to the eMSP whose request the
 * Booking answered (the route index), never to anyone else.
 */
export async function routeBookingUpdate(
  context: HubContext,
  source: MessageSource,
  update: {
    readonly method: HttpMethod
    readonly owner: PartyRef
    readonly bookingId: string
    readonly body: unknown
  },
): Promise<HubAnswer> {
  const { owner, bookingId } = update
  if (!actsAs(source.requester, owner, CPOS)) {
    throw new OcpiError(
      'HUB_ERR_NOT_OWNER',
      `${owner.country_code}*${owner.party_id} is not one of your ${CPOS.join('/')} roles: you can only update your own bookings`,
    )
  }
  const routed = await routeToOneParty(context, source, {
    module: 'bookings',
    interfaceRole: 'RECEIVER',
    method: update.method,
    pathAndQuery: outboundPath([owner.country_code, owner.party_id, bookingId]),
    body: update.body,
    destinationFromContent: async () =>
      (await findRoutes(context.db, 'booking', bookingId)).find((route) => sameParty(route.owner, owner))
        ?.counterpart,
    noDestination: () =>
      new OcpiError(
        'HUB_ERR_ROUTING_HEADERS',
        `The hub passed on no booking request answered by booking ${bookingId} of ${owner.country_code}*${owner.party_id}: name its eMSP in OCPI-to-*`,
      ),
  })
  const forward = { ...routed.forward, from: owner }
  return relayedAnswer(await callDestination(context, forward), forward)
}
