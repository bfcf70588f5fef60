import type { FastifyReply, FastifyRequest } from 'fastify'
import { OcpiError } from '../../core/errors.ts'
import type { Role } from '../../core/party.ts'
import type { HubContext } from '../../hub-context.ts'
import { forwardAndRelay, type ForwardedRequest } from '../../routing/forward.ts'
import { queryPassedOn } from '../../routing/route-to.ts'
import { routeToOneParty } from '../../routing/routed-request.ts'
import type { Db } from '../../storage/database.ts'
import type { HttpMethod } from '../../transport/ocpi-client.ts'
import { outboundPath } from '../../transport/outbound-path.ts'
import type { InterfaceRole } from '../registry.ts'

/**
 * Parties on the PTP side. The 2.3.0 Role enum has no PTP (types.asciidoc), so a PTP that follows the
 * enum registers as OTHER: the hub accepts both (digest, checklist M.97).
 */
export const PTP_ROLES: readonly Role[] = ['PTP', 'OTHER']

/**
 * Who talks to whom on each interface of the hub's payments endpoint. The PTP owns Terminals and
 * FinancialAdviceConfirmations and implements the Sender, the CPO the Receiver; so a CPO calls the hub's
 * SENDER to reach a PTP, and a PTP calls the hub's RECEIVER to reach a CPO.
 */
const PARTIES_OF_INTERFACE: Record<InterfaceRole, { requester: readonly Role[]; receiver: readonly Role[] }> =
  {
    SENDER: { requester: ['CPO'], receiver: PTP_ROLES },
    RECEIVER: { requester: PTP_ROLES, receiver: ['CPO'] },
  }

export interface PaymentsCall {
  /** The interface of the hub that was called, which is also the destination's interface. */
  readonly interfaceRole: InterfaceRole
  readonly method: HttpMethod
  /** The path below the payments endpoint, one id per segment: `['terminals', 'T1', 'deactivate']`. */
  readonly segments: readonly string[]
  readonly body: unknown
}

/** The destination party must hold the role the interface is for (a PTP behind SENDER, a CPO behind RECEIVER). */
async function checkReceiverRole(db: Db, forward: ForwardedRequest, roles: readonly Role[]): Promise<void> {
  const receiver = await db
    .selectFrom('parties')
    .select('role')
    .where('platform_id', '=', forward.platform.id)
    .where('country_code', '=', forward.to.country_code)
    .where('party_id', '=', forward.to.party_id)
    .where('role', 'in', roles)
    .where('status', '=', 'CONNECTED')
    .executeTakeFirst()
  if (!receiver) {
    throw new OcpiError(
      'HUB_ERR_WRONG_ROLE',
      `${forward.to.country_code}*${forward.to.party_id} is not a ${roles.join(' or ')}: payments on this interface go to a ${roles.join(' or ')}`,
    )
  }
}

/**
 * Payments through the hub (mod_payments): always party-to-party, to the party in OCPI-to-* (or in the
 * `route_to` of a rewritten Link). The URLs carry no country/party segments, so there is nothing to route
 * on without TO: no open routing. The request goes to the same interface, sub-path and query of the
 * destination; its answer comes back unchanged, with pagination headers and `Link` rewritten onto the hub.
 */
export async function routePayments(
  context: HubContext,
  request: FastifyRequest,
  reply: FastifyReply,
  call: PaymentsCall,
): Promise<unknown> {
  const parties = PARTIES_OF_INTERFACE[call.interfaceRole]
  const routed = await routeToOneParty(context, request, {
    module: 'payments',
    interfaceRole: call.interfaceRole,
    method: call.method,
    pathAndQuery: outboundPath(call.segments, queryPassedOn(request.url)),
    body: call.body,
    requesterRoles: parties.requester,
    noDestination: new OcpiError(
      'HUB_ERR_ROUTING_HEADERS',
      `Payments are routed by the OCPI-to-* headers only: name the ${parties.receiver.join(' or ')} this is for`,
    ),
  })
  await checkReceiverRole(context.db, routed.forward, parties.receiver)
  return forwardAndRelay(context, reply, routed.forward)
}
