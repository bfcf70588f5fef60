import { OcpiError } from '../../core/errors.ts'
import type { Role } from '../../core/party.ts'
import type { HubContext } from '../../hub-context.ts'
import { forwardAndRelay, type HubAnswer, type MessageSource } from '../../routing/hub-answer.ts'
import { INTERFACE_IMPLEMENTERS, PTP_ROLES, type InterfaceRole } from '../../core/modules.ts'
import { routeToOneParty } from '../../routing/routed-request.ts'
import type { HttpMethod } from '../../partners/partner-channel.ts'
import { outboundPath } from '../../core/outbound-path.ts'

/**
 * Who talks to whom on each interface of the hub's payments endpoint. The PTP owns Terminals and
 * FinancialAdviceConfirmations and implements the Sender, the CPO the Receiver; so a CPO calls the hub's
 * SENDER to reach a PTP, and a PTP calls the hub's RECEIVER to reach a CPO.
 */
const PARTIES_OF_INTERFACE: Record<InterfaceRole, { requester: readonly Role[]; receiver: readonly Role[] }> =
  {
    SENDER: { requester: ['CPO'], receiver: INTERFACE_IMPLEMENTERS.payments.SENDER },
    RECEIVER: { requester: PTP_ROLES, receiver: INTERFACE_IMPLEMENTERS.payments.RECEIVER },
  }

export interface PaymentsCall {
  /** The interface of the hub that was called, which is also the destination's interface. */
  readonly interfaceRole: InterfaceRole
  readonly method: HttpMethod
  /** The path below the payments endpoint, one id per segment: `['terminals', 'T1', 'deactivate']`. */
  readonly segments: readonly string[]
  /** The request's query, passed on as it came (without the hub's `route_to`). */
  readonly query: URLSearchParams
  readonly body: unknown
}

/**
 * Payments through the hub (mod_payments): always party-to-party, to the party in OCPI-to-* (or in the
 * `route_to` of a rewritten Link). The URLs carry no country/party segments, so there is nothing to route
 * on without TO: no open routing. The request goes to the same interface, sub-path and query of the
 * destination; its answer comes back unchanged, with pagination headers and `Link` rewritten onto the hub.
 */
export async function routePayments(
  context: HubContext,
  source: MessageSource,
  call: PaymentsCall,
): Promise<HubAnswer> {
  const parties = PARTIES_OF_INTERFACE[call.interfaceRole]
  const routed = await routeToOneParty(context, source, {
    module: 'payments',
    interfaceRole: call.interfaceRole,
    method: call.method,
    pathAndQuery: outboundPath(call.segments, call.query),
    body: call.body,
    requesterRoles: parties.requester,
    noDestination: () =>
      new OcpiError(
        'HUB_ERR_ROUTING_HEADERS',
        `Payments are routed by the OCPI-to-* headers only: name the ${parties.receiver.join(' or ')} this is for`,
      ),
  })
  // The destination holds the role behind the interface (a PTP behind SENDER, a CPO behind RECEIVER):
  // routed-request looks it up that way (INTERFACE_IMPLEMENTERS).
  return forwardAndRelay(context, routed.forward)
}
