import { OcpiError } from '../core/errors.ts'
import { sameParty, type PartyRef, type Role } from '../core/party.ts'
import type { HubContext } from '../hub-context.ts'
import { hubInterfaceUrl } from '../modules/registry.ts'
import type { InterfaceRole, RoutedModule } from '../core/modules.ts'
import type { HttpMethod } from '../partners/partner-channel.ts'
import type { OutboundPath } from '../core/outbound-path.ts'
import { checkRoaming, resolveDestination } from './destination.ts'
import type { ForwardedRequest } from './forward.ts'
import type { MessageSource } from './hub-answer.ts'
import { checkFromHeader, type Requester } from './requester.ts'

/** A request that goes to exactly one party and is never broadcast (Sessions, CDRs, Commands, …). */
export interface PartyBoundRequest {
  readonly module: RoutedModule
  /**
   * The interface of the destination to call. With the module it decides the role the destination must
   * hold (INTERFACE_IMPLEMENTERS), whether it is named in TO or worked out from the content.
   */
  readonly interfaceRole: InterfaceRole
  readonly method: HttpMethod
  readonly pathAndQuery: OutboundPath
  readonly body: unknown
  /**
   * Open routing: the destination worked out from the content (a token's eMSP, a location's CPO, the
   * session's parties) when there are no TO headers. Undefined when the content does not tell.
   */
  readonly destinationFromContent?: (requester: Requester) => Promise<PartyRef | undefined>
  /**
   * What the requester is told when neither TO nor the content names a destination. Made only then: an
   * Error captures its stack when constructed, a cost every routed request would otherwise pay.
   */
  readonly noDestination: () => OcpiError
  readonly timeoutMs?: number
  /**
   * Roles the requester must speak in (a CPO asking for an authorization, a PTP creating a terminal):
   * OCPI-from-* must name a party of one of them; without it the requester's first such party speaks.
   * 2001 otherwise, before any destination is looked up. Undefined: any role.
   */
  readonly requesterRoles?: readonly Role[]
  /** The CPO's Location the request is about, for agreements limited to some Locations. */
  readonly locationId?: string | undefined
}

export interface RoutedRequest {
  readonly requester: Requester
  /** The party the requester speaks as (its FROM header, else its first role). */
  readonly from: PartyRef
  readonly forward: ForwardedRequest
}

/** The party the requester speaks as, in one of `bound.requesterRoles` when the request names some. */
function speakingParty(
  requester: Requester,
  fromHeader: PartyRef | undefined,
  bound: PartyBoundRequest,
): PartyRef {
  const roles = bound.requesterRoles
  if (!roles) return fromHeader ?? requester.parties[0]!
  const party = requester.parties.find(
    (p) => roles.includes(p.role as Role) && (!fromHeader || sameParty(p, fromHeader)),
  )
  if (!party) {
    const who = fromHeader
      ? `${fromHeader.country_code}*${fromHeader.party_id} is not`
      : 'none of your parties is'
    throw new OcpiError(
      'HUB_ERR_WRONG_ROLE',
      `Only a ${roles.join(' or ')} may send this ${bound.module} request: ${who} one`,
    )
  }
  return fromHeader ?? { country_code: party.country_code, party_id: party.party_id }
}

/**
 * Works out the one destination of a party-bound request: TO when given (TO = the hub is refused: these
 * messages are for a party, never for everyone), else the content (open routing). 4001 for an unknown
 * party, 4003 for one that is not connected.
 */
export async function routeToOneParty(
  context: HubContext,
  source: MessageSource,
  bound: PartyBoundRequest,
): Promise<RoutedRequest> {
  const { requester, routing } = source
  checkFromHeader(requester, routing)
  const from = speakingParty(requester, routing.from, bound)
  const to = routing.to ?? (await bound.destinationFromContent?.(requester))
  if (!to) throw bound.noDestination()
  const destination = await resolveDestination(context, to, requester.platformId, bound)
  if (destination?.kind !== 'party') {
    throw new OcpiError(
      'HUB_ERR_ROUTING_HEADERS',
      `${bound.module} messages are for one party, never for the hub or everyone: name the receiver in OCPI-to-*`,
    )
  }
  // Sessions and CDRs report charging that happened: never refused after the fact (docs/agreements.md).
  if (bound.module !== 'sessions' && bound.module !== 'cdrs')
    checkRoaming(context, from, destination.party, bound.module, bound.locationId)
  return {
    requester,
    from,
    forward: {
      platform: destination.platform,
      module: bound.module,
      interfaceRole: bound.interfaceRole,
      method: bound.method,
      pathAndQuery: bound.pathAndQuery,
      body: bound.body,
      from,
      to: destination.party,
      correlationId: source.correlationId,
      hubInterfaceUrl: hubInterfaceUrl(context.hub, bound.module, bound.interfaceRole),
      timeoutMs: bound.timeoutMs,
    },
  }
}
