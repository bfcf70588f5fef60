import { OcpiError, type HubErrorCode } from '../core/errors.ts'
import { sameParty, type PartyRef, type Role } from '../core/party.ts'
import { type HubContext } from '../hub-context.ts'
import { hubParty } from '../core/hub-identity.ts'
import { hubInterfaceUrl } from '../modules/registry.ts'
import { type InterfaceRole, MODULE_AUDIENCE, type OwnedObjectModule } from '../core/modules.ts'
import {
  findObjectsById,
  listObjectsPage,
  type OcpiObject,
  type OwnerScope,
} from '../storage/owned-objects.store.ts'
import { successEnvelope } from '../core/envelope.ts'
import { AT_ENDPOINT, withQuery, type OutboundPath } from '../core/outbound-path.ts'
import { pageHeaders, readPageRequest } from './pagination.ts'
import { tariffIdsInScope } from './tariff-scope.ts'
import { checkRoaming, checkWholeLocationList, resolveDestination, type Destination } from './destination.ts'
import { answerFromHub, forwardAndRelay, type HubAnswer, type MessageSource } from './hub-answer.ts'
import { actsAs, checkFromHeader, requesterParty, type Requester } from './requester.ts'

/**
 * A read of the hub's SENDER or RECEIVER interface of a module with owned objects. `query` is the
 * request's query (paging of GET All via the hub); `passedOnQuery` is what goes along when the read is
 * forwarded to one party.
 */
export interface ReadRequest {
  readonly module: OwnedObjectModule
  readonly query: Readonly<Record<string, unknown>>
  readonly passedOnQuery: URLSearchParams
  /** Where the list is below the module's SENDER URL (Bookings: `/booking_locations`); default: at it. */
  readonly listPath?: OutboundPath
}

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
 * `readableOwners` narrowed by the roaming policy (docs/agreements.md): a reader of the audience sees the
 * objects of the owners one of its parties roams with and, for Locations, only those the agreements list.
 * Open mode with no blocks: unchanged, no lookup.
 */
async function roamingOwners(
  context: HubContext,
  requester: Requester,
  module: OwnedObjectModule,
  from: PartyRef | undefined,
): Promise<OwnerScope[] | undefined> {
  const owners = readableOwners(requester, module, from)
  const roaming = context.directory.roaming
  if (owners || roaming.unrestricted) return owners
  const audience = MODULE_AUDIENCE[module]
  const ownerIsCpo = audience.owners.includes('CPO')
  const readers = (from ? requester.parties.filter((p) => sameParty(p, from)) : requester.parties).filter(
    (p) => audience.audience.includes(p.role as Role),
  )
  const scoped = context.directory.allParties().map(async (owner): Promise<OwnerScope[]> => {
    if (!audience.owners.includes(owner.role as Role)) return []
    const roamingReaders = readers.filter(
      (reader) => !roaming.objectRefusal(owner, reader, module, ownerIsCpo),
    )
    if (roamingReaders.length === 0) return []
    if (module !== 'locations' && module !== 'tariffs') return [owner]
    const scopes = roamingReaders.map((reader) => roaming.locationScope(owner, reader, module))
    if (scopes.includes(undefined)) return [owner]
    const listed = [...new Set(scopes.flatMap((ids) => ids ?? []))]
    // Tariffs: those the listed Locations list, and those no Location lists yet.
    const objectIds = module === 'locations' ? listed : await tariffIdsInScope(context.db, owner, listed)
    return [{ ...owner, objectIds }]
  })
  return (await Promise.all(scoped)).flat()
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
  source: MessageSource,
  module: OwnedObjectModule,
  interfaceRole: InterfaceRole,
  options: {
    /** A check of the requester that must pass before any destination is looked up. */
    readonly checkRequester?: (requester: Requester) => void
    /** The Location read, for an agreement limited to some of the CPO's Locations. */
    readonly locationId?: string | undefined
  } = {},
): Promise<ReadRoute> {
  const { requester, routing } = source
  checkFromHeader(requester, routing)
  options.checkRequester?.(requester)
  const to = routing.to
  let from = requesterParty(requester, routing)
  if (interfaceRole === 'SENDER' && to && !sameParty(to, hubParty(context.hub))) {
    from = checkRoutedRead(requester, module, routing.from, to) ?? from
  }
  const destination = await resolveDestination(context, to, requester.platformId, { module, interfaceRole })
  if (destination?.kind === 'party' && from)
    checkRoaming(context, from, destination.party, module, options.locationId)
  return { requester, from, destination }
}

function forwardRead(
  context: HubContext,
  source: MessageSource,
  route: ReadRoute,
  destination: Extract<Destination, { kind: 'party' }>,
  read: ReadRequest,
  interfaceRole: InterfaceRole,
  path: OutboundPath,
): Promise<HubAnswer> {
  return forwardAndRelay(context, {
    platform: destination.platform,
    module: read.module,
    interfaceRole,
    method: 'GET',
    pathAndQuery: withQuery(path, read.passedOnQuery),
    body: undefined,
    from: route.from ?? route.requester.parties[0]!,
    to: destination.party,
    correlationId: source.correlationId,
    hubInterfaceUrl: hubInterfaceUrl(context.hub, read.module, interfaceRole),
  })
}

/**
 * GET list on the hub's SENDER interface. TO = a party: that party's list, forwarded, its `Link` rewritten
 * to the hub. TO = the hub or no TO: GET All via the hub, the merged objects of every owner the
 * requester may see, paginated by the hub.
 */
export async function listForReader(
  context: HubContext,
  source: MessageSource,
  read: ReadRequest,
): Promise<HubAnswer> {
  const { module } = read
  const route = await routeRead(context, source, module, 'SENDER')
  if (route.destination?.kind === 'party') {
    if ((module === 'locations' || module === 'tariffs') && route.from)
      checkWholeLocationList(context, route.from, route.destination.party, module)
    return forwardRead(
      context,
      source,
      route,
      route.destination,
      read,
      'SENDER',
      read.listPath ?? AT_ENDPOINT,
    )
  }
  const maxLimit = context.config.pageLimitMax
  const page = readPageRequest(read.query, maxLimit)
  const result = await listObjectsPage(
    context.db,
    {
      module,
      owners: await roamingOwners(context, route.requester, module, source.routing.from),
      dateFrom: page.dateFrom,
      dateTo: page.dateTo,
    },
    page,
  )
  const headers = pageHeaders(
    `${hubInterfaceUrl(context.hub, module, 'SENDER')}${read.listPath ?? ''}`,
    page,
    { returned: result.objects.length, total: result.total, last: result.last },
    maxLimit,
  )
  return answerFromHub(context.hub, route.from, successEnvelope(result.objects), { headers })
}

export interface SenderObjectRead extends ReadRequest {
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
export async function readObject(
  context: HubContext,
  source: MessageSource,
  read: SenderObjectRead,
): Promise<HubAnswer> {
  const route = await routeRead(context, source, read.module, 'SENDER', {
    locationId: read.module === 'locations' ? read.objectId : undefined,
  })
  if (route.destination?.kind === 'party') {
    return forwardRead(context, source, route, route.destination, read, 'SENDER', read.path)
  }
  const owners = await roamingOwners(context, route.requester, read.module, source.routing.from)
  const candidates = await findObjectsById(context.db, { module: read.module, owners }, read.objectId)
  if (candidates.length > 1) throw new OcpiError('HUB_ERR_AMBIGUOUS_OBJECT')
  const found = candidates[0] && read.pick(candidates[0])
  if (found === undefined) throw new OcpiError(read.unknown, `Unknown ${read.module} object: ${read.path}`)
  return answerFromHub(context.hub, route.from, successEnvelope(found))
}

/**
 * GET on the hub's RECEIVER interface: an owner checking a receiver's copy. Only meaningful towards one
 * party (TO); with TO = the hub or no TO it is refused, because a GET is never broadcast.
 */
export async function readReceiverCopy(
  context: HubContext,
  source: MessageSource,
  read: ReadRequest & { readonly owner: PartyRef; readonly path: OutboundPath },
): Promise<HubAnswer> {
  const { module, owner } = read
  const owners = MODULE_AUDIENCE[module].owners
  const route = await routeRead(context, source, module, 'RECEIVER', {
    checkRequester: (requester) => {
      if (!actsAs(requester, owner, owners)) {
        throw new OcpiError(
          'HUB_ERR_NOT_OWNER',
          `${owner.country_code}*${owner.party_id} is not one of your ${owners.join('/')} roles: you can only check your own ${module}`,
        )
      }
    },
  })
  if (route.destination?.kind !== 'party') throw new OcpiError('HUB_ERR_GET_NEEDS_DESTINATION')
  return forwardRead(context, source, route, route.destination, read, 'RECEIVER', read.path)
}
