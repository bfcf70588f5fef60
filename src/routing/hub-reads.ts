import type { FastifyReply, FastifyRequest } from 'fastify'
import { OcpiError, type HubErrorCode } from '../core/errors.ts'
import { sameParty, type PartyRef, type Role } from '../core/party.ts'
import { hubParty, type HubContext } from '../hub-context.ts'
import { hubInterfaceUrl, type InterfaceRole } from '../modules/registry.ts'
import { findObjectsById, listObjectsPage, type OcpiObject } from '../storage/owned-objects.store.ts'
import { partnerOf } from '../transport/authorization.ts'
import { successEnvelope, type OcpiEnvelope } from '../transport/envelope.ts'
import { AT_ENDPOINT, withQuery, type OutboundPath } from '../transport/outbound-path.ts'
import { readPageRequest, setPageHeaders } from '../transport/pagination.ts'
import { routingHeadersOf, setResponseRouting } from '../transport/routing-headers.ts'
import { resolveDestination, type Destination } from './destination.ts'
import { forwardAndRelay } from './forward.ts'
import { MODULE_AUDIENCE, type OwnedObjectModule } from './module-audience.ts'
import { addressedTo, queryPassedOn } from './route-to.ts'
import { actsAs, checkFromHeader, loadRequester, requesterParty, type Requester } from './requester.ts'

interface ReadRoute {
  readonly requester: Requester
  readonly from: PartyRef | undefined
  readonly destination: Destination | undefined
}

/**
 * The audience rule of reads, the one place it is decided for the hub's copy and for routed reads alike:
 * which owners' objects of `module` the reader may see. The reader is the requester's party named in
 * OCPI-from-*, else all its parties. A party of the module's audience (tokens: a CPO; Locations and
 * Tariffs: an eMSP, NSP, NAP or OTHER) sees every owner's (undefined); anyone else only its own owners.
 */
function readableOwners(
  requester: Requester,
  module: OwnedObjectModule,
  from: PartyRef | undefined,
): PartyRef[] | undefined {
  const audience = MODULE_AUDIENCE[module]
  const readers = from ? requester.parties.filter((p) => sameParty(p, from)) : requester.parties
  if (readers.some((p) => audience.audience.includes(p.role as Role))) return undefined
  return readers.filter((p) => audience.owners.includes(p.role as Role))
}

/**
 * A read of the hub's SENDER interface named to a party (TO or `route_to`) is a read of that owner's
 * objects: allowed only where the hub's own copy would show them. Checked before the destination is
 * looked up, so a refused reader does not learn which parties exist. Returns the party the reader speaks
 * as towards the owner: its FROM, else its first party of the module's audience.
 */
function checkRoutedRead(
  requester: Requester,
  module: OwnedObjectModule,
  from: PartyRef | undefined,
  owner: PartyRef,
): PartyRef | undefined {
  const visible = readableOwners(requester, module, from)
  if (visible && !visible.some((p) => sameParty(p, owner))) {
    const audience = MODULE_AUDIENCE[module].audience
    throw new OcpiError(
      'HUB_ERR_WRONG_ROLE',
      `Only a party of role ${audience.join('/')} may read the ${module} of ${owner.country_code}*${owner.party_id}, and ${from ? `${from.country_code}*${from.party_id} is` : 'none of your parties is'} one`,
    )
  }
  return from ?? requester.parties.find((p) => MODULE_AUDIENCE[module].audience.includes(p.role as Role))
}

async function routeRead(
  context: HubContext,
  request: FastifyRequest,
  module: OwnedObjectModule,
  interfaceRole: InterfaceRole,
  /** A check of the requester that must pass before any destination is looked up. */
  checkRequester?: (requester: Requester) => void,
): Promise<ReadRoute> {
  const requester = loadRequester(context.directory, partnerOf(request))
  const routing = routingHeadersOf(request)
  checkFromHeader(requester, routing)
  checkRequester?.(requester)
  const to = addressedTo(request, routing)
  let from = requesterParty(requester, routing)
  if (interfaceRole === 'SENDER' && to && !sameParty(to, hubParty(context.hub))) {
    from = checkRoutedRead(requester, module, routing.from, to) ?? from
  }
  const destination = await resolveDestination(context, to, requester.platformId, { module, interfaceRole })
  return { requester, from, destination }
}

function forwardRead(
  context: HubContext,
  request: FastifyRequest,
  reply: FastifyReply,
  route: ReadRoute,
  destination: Extract<Destination, { kind: 'party' }>,
  module: OwnedObjectModule,
  interfaceRole: InterfaceRole,
  path: OutboundPath,
): Promise<OcpiEnvelope> {
  return forwardAndRelay(context, reply, {
    platform: destination.platform,
    module,
    interfaceRole,
    method: 'GET',
    pathAndQuery: withQuery(path, queryPassedOn(request.url)),
    body: undefined,
    from: route.from ?? route.requester.parties[0]!,
    to: destination.party,
    correlationId: request.correlationId,
    hubInterfaceUrl: hubInterfaceUrl(context.hub, module, interfaceRole),
  })
}

/**
 * GET list on the hub's SENDER interface. TO = a party: that party's list, forwarded, its `Link` rewritten
 * to the hub. TO = the hub or no TO: GET All via the hub, the merged objects of every owner the
 * requester may see, paginated by the hub.
 */
export async function handleSenderList(
  context: HubContext,
  request: FastifyRequest,
  reply: FastifyReply,
  module: OwnedObjectModule,
): Promise<OcpiEnvelope> {
  const route = await routeRead(context, request, module, 'SENDER')
  if (route.destination?.kind === 'party') {
    return forwardRead(context, request, reply, route, route.destination, module, 'SENDER', AT_ENDPOINT)
  }
  const maxLimit = context.config.pageLimitMax
  const page = readPageRequest(request.query as Record<string, unknown>, maxLimit)
  const result = await listObjectsPage(
    context.db,
    {
      module,
      owners: readableOwners(route.requester, module, routingHeadersOf(request).from),
      dateFrom: page.dateFrom,
      dateTo: page.dateTo,
    },
    page,
  )
  setPageHeaders(
    reply,
    hubInterfaceUrl(context.hub, module, 'SENDER'),
    page,
    { returned: result.objects.length, total: result.total, last: result.last },
    maxLimit,
  )
  setResponseRouting(reply, hubParty(context.hub), route.from)
  return successEnvelope(result.objects)
}

export interface SenderObjectRead {
  readonly module: OwnedObjectModule
  readonly objectId: string
  /** What follows the module endpoint in the URL: `/LOC1/EVSE1` (outboundPath). */
  readonly path: OutboundPath
  /** The part of the stored object asked for (an EVSE of a Location…); undefined when there is none. */
  pick(object: OcpiObject): unknown
  readonly unknown: HubErrorCode
}

/**
 * GET of one object on the hub's SENDER interface. TO = a party: forwarded. TO = the hub or open routing:
 * answered from the hub's copy; when several owners use the same id the requester must name one.
 */
export async function handleSenderObject(
  context: HubContext,
  request: FastifyRequest,
  reply: FastifyReply,
  read: SenderObjectRead,
): Promise<OcpiEnvelope> {
  const route = await routeRead(context, request, read.module, 'SENDER')
  if (route.destination?.kind === 'party') {
    return forwardRead(context, request, reply, route, route.destination, read.module, 'SENDER', read.path)
  }
  const owners = readableOwners(route.requester, read.module, routingHeadersOf(request).from)
  const candidates = await findObjectsById(context.db, { module: read.module, owners }, read.objectId)
  if (candidates.length > 1) throw new OcpiError('HUB_ERR_AMBIGUOUS_OBJECT')
  const found = candidates[0] && read.pick(candidates[0])
  if (found === undefined) throw new OcpiError(read.unknown, `Unknown ${read.module} object: ${read.path}`)
  setResponseRouting(reply, hubParty(context.hub), route.from)
  return successEnvelope(found)
}

/**
 * GET on the hub's RECEIVER interface: an owner checking a receiver's copy. Only meaningful towards one
 * party (TO); with TO = the hub or no TO it is refused, because a GET is never broadcast.
 */
export async function handleReceiverGet(
  context: HubContext,
  request: FastifyRequest,
  reply: FastifyReply,
  module: OwnedObjectModule,
  owner: PartyRef,
  path: OutboundPath,
): Promise<OcpiEnvelope> {
  const owners = MODULE_AUDIENCE[module].owners
  const route = await routeRead(context, request, module, 'RECEIVER', (requester) => {
    if (!actsAs(requester, owner, owners)) {
      throw new OcpiError(
        'HUB_ERR_NOT_OWNER',
        `${owner.country_code}*${owner.party_id} is not one of your ${owners.join('/')} roles: you can only check your own ${module}`,
      )
    }
  })
  if (route.destination?.kind !== 'party') throw new OcpiError('HUB_ERR_GET_NEEDS_DESTINATION')
  return forwardRead(context, request, reply, route, route.destination, module, 'RECEIVER', path)
}
