import type { FastifyReply, FastifyRequest } from 'fastify'
import { OcpiError, type HubErrorCode } from '../core/errors.ts'
import type { PartyRef } from '../core/party.ts'
import type { HubContext } from '../hub-context.ts'
import { hubInterfaceUrl, type InterfaceRole } from '../modules/registry.ts'
import { findObjectsById, listObjectsPage, type OcpiObject } from '../storage/owned-objects.store.ts'
import { partnerOf } from '../transport/authorization.ts'
import { successEnvelope, type OcpiEnvelope } from '../transport/envelope.ts'
import { AT_ENDPOINT, withQuery, type OutboundPath } from '../transport/outbound-path.ts'
import { readPageRequest, setPageHeaders } from '../transport/pagination.ts'
import { routingHeadersOf, setResponseRouting } from '../transport/routing-headers.ts'
import { hubParty, resolveDestination, type Destination } from './destination.ts'
import { forwardAndRelay } from './forward.ts'
import { MODULE_AUDIENCE, type OwnedObjectModule } from './module-audience.ts'
import { addressedTo, queryPassedOn } from './route-to.ts'
import {
  actsAs,
  checkFromHeader,
  hasRole,
  loadRequester,
  requesterParty,
  type Requester,
} from './requester.ts'

interface ReadRoute {
  readonly requester: Requester
  readonly from: PartyRef | undefined
  readonly destination: Destination | undefined
}

async function routeRead(context: HubContext, request: FastifyRequest): Promise<ReadRoute> {
  const requester = await loadRequester(context.db, partnerOf(request))
  const routing = routingHeadersOf(request)
  checkFromHeader(requester, routing)
  const destination = await resolveDestination(context, addressedTo(request, routing), requester.platformId)
  return { requester, from: requesterParty(requester, routing), destination }
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

/** Owners whose objects the requester may read through the hub: all for its audience, else its own. */
function visibleOwners(requester: Requester, module: OwnedObjectModule): PartyRef[] | undefined {
  const audience = MODULE_AUDIENCE[module]
  if (hasRole(requester, audience.audience)) return undefined
  return requester.parties.filter((p) => audience.owners.includes(p.role as never))
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
  const route = await routeRead(context, request)
  if (route.destination?.kind === 'party') {
    return forwardRead(context, request, reply, route, route.destination, module, 'SENDER', AT_ENDPOINT)
  }
  const maxLimit = context.config.pageLimitMax
  const page = readPageRequest(request.query as Record<string, unknown>, maxLimit)
  const result = await listObjectsPage(
    context.db,
    { module, owners: visibleOwners(route.requester, module), dateFrom: page.dateFrom, dateTo: page.dateTo },
    page,
  )
  setPageHeaders(
    reply,
    hubInterfaceUrl(context.hub, module, 'SENDER'),
    page,
    { returned: result.objects.length, total: result.total, last: result.last },
    maxLimit,
  )
  setResponseRouting(reply, hubParty(context), route.from)
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
  const route = await routeRead(context, request)
  if (route.destination?.kind === 'party') {
    return forwardRead(context, request, reply, route, route.destination, read.module, 'SENDER', read.path)
  }
  const owners = visibleOwners(route.requester, read.module)
  const candidates = await findObjectsById(context.db, { module: read.module, owners }, read.objectId)
  if (candidates.length > 1) throw new OcpiError('HUB_ERR_AMBIGUOUS_OBJECT')
  const found = candidates[0] && read.pick(candidates[0])
  if (found === undefined) throw new OcpiError(read.unknown, `Unknown ${read.module} object: ${read.path}`)
  setResponseRouting(reply, hubParty(context), route.from)
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
  const route = await routeRead(context, request)
  const owners = MODULE_AUDIENCE[module].owners
  if (!actsAs(route.requester, owner, owners)) {
    throw new OcpiError(
      'HUB_ERR_NOT_OWNER',
      `${owner.country_code}*${owner.party_id} is not one of your ${owners.join('/')} roles: you can only check your own ${module}`,
    )
  }
  if (route.destination?.kind !== 'party') throw new OcpiError('HUB_ERR_GET_NEEDS_DESTINATION')
  return forwardRead(context, request, reply, route, route.destination, module, 'RECEIVER', path)
}
