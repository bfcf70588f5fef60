import type { Static } from '@sinclair/typebox'
import { OcpiError } from '../../core/errors.ts'
import { sameParty, type PartyRef } from '../../core/party.ts'
import type { HubContext } from '../../hub-context.ts'
import { forwardWithCallback } from '../../routing/async-callbacks.ts'
import type { HubAnswer, MessageSource } from '../../routing/hub-answer.ts'
import type { Requester } from '../../routing/requester.ts'
import { rememberRoute } from '../../routing/route-index.store.ts'
import { routeToOneParty } from '../../routing/routed-request.ts'
import { outboundPath } from '../../core/outbound-path.ts'
import type { COMMAND_REQUEST_SCHEMAS, KnownCommandType } from './commands.schema.ts'
import { locationOwner, nameTheReceiver, ownerForCounterpart } from './commands.routing.ts'

/** Who sends commands to CPOs: the driver's eMSP, a payment terminal provider, or another service. */
const COMMAND_REQUESTER_ROLES = ['EMSP', 'PTP', 'OTHER'] as const

type KnownCommand = {
  [K in KnownCommandType]: { readonly type: K; readonly body: Static<(typeof COMMAND_REQUEST_SCHEMAS)[K]> }
}[KnownCommandType]
/** A command checked against its type's schema; a type the hub has no schema for carries only its response_url. */
export type ParsedCommand =
  KnownCommand | { readonly type: undefined; readonly body: { readonly response_url: string } }

/** The Location a command is for, when its type names one. */
function commandLocation(command: ParsedCommand): string | undefined {
  switch (command.type) {
    case 'START_SESSION':
    case 'RESERVE_NOW':
    case 'UNLOCK_CONNECTOR':
      return command.body.location_id
    default:
      return undefined
  }
}

/** Open routing (no TO): the CPO of the location, of the requester's session or of its reservation. */
function destinationOf(
  context: HubContext,
  command: ParsedCommand,
): ((requester: Requester) => Promise<PartyRef | undefined>) | undefined {
  const locationId = commandLocation(command)
  if (locationId !== undefined) return () => locationOwner(context.db, locationId)
  switch (command.type) {
    case 'STOP_SESSION': {
      const sessionId = command.body.session_id
      return (requester) => ownerForCounterpart(context.db, 'session', sessionId, requester)
    }
    case 'CANCEL_RESERVATION': {
      const reservationId = command.body.reservation_id
      return (requester) => ownerForCounterpart(context.db, 'reservation', reservationId, requester)
    }
    default:
      return undefined
  }
}

/**
 * StartSession and ReserveNow carry the Token the driver is billed on: a requester may only use a token of
 * one of its own parties, or it could charge on another eMSP's contract (broken object level authorization).
 */
function checkTokenIsTheRequesters(command: ParsedCommand, requester: Requester): void {
  if (command.type !== 'START_SESSION' && command.type !== 'RESERVE_NOW') return
  const { token } = command.body
  if (requester.parties.some((party) => sameParty(party, token))) return
  throw new OcpiError(
    'HUB_ERR_INVALID_PARAMETERS',
    `token: ${token.country_code}*${token.party_id} is not one of your parties: a command may only use your own tokens`,
  )
}

function noDestination(name: string, command: ParsedCommand): OcpiError {
  switch (command.type) {
    case 'STOP_SESSION':
      return nameTheReceiver(`The hub knows no session ${command.body.session_id} of yours`)
    case 'CANCEL_RESERVATION':
      return nameTheReceiver(`The hub knows no reservation ${command.body.reservation_id} of yours`)
    default:
      return nameTheReceiver(`The hub cannot tell which CPO the command ${name} is for`)
  }
}

/**
 * "Send this command with its callback" (mod_commands), for a CPO:
 * 1. routed to one CPO: TO, else the CPO of the location, of the requester's session or reservation;
 * 2. a StartSession or ReserveNow may only use the requester's own token;
 * 3. the requester's `response_url` replaced by a fresh hub callback, the CPO's CommandResponse relayed;
 * 4. an accepted ReserveNow remembered, so that a CancelReservation without TO finds its CPO.
 */
export async function sendCommand(
  context: HubContext,
  source: MessageSource,
  request: { readonly name: string; readonly command: ParsedCommand },
): Promise<HubAnswer> {
  const { name, command } = request
  const routed = await routeToOneParty(context, source, {
    module: 'commands',
    interfaceRole: 'RECEIVER',
    method: 'POST',
    pathAndQuery: outboundPath([name]),
    body: command.body,
    requesterRoles: COMMAND_REQUESTER_ROLES,
    destinationFromContent: destinationOf(context, command),
    noDestination: () => noDestination(name, command),
    locationId: commandLocation(command),
  })
  checkTokenIsTheRequesters(command, routed.requester)
  const outcome = await forwardWithCallback(context, routed, {
    module: 'commands',
    responseUrl: command.body.response_url,
    withCallbackUrl: (callbackUrl) => ({
      pathAndQuery: outboundPath([name]),
      body: { ...command.body, response_url: callbackUrl },
    }),
  })
  if (command.type === 'RESERVE_NOW' && outcome.accepted) {
    await rememberRoute(
      context.db,
      'reservation',
      command.body.reservation_id,
      routed.forward.to,
      routed.forward.from,
    )
  }
  source.log.info(
    { command: name, cpo: routed.forward.to, requester: routed.forward.from, accepted: outcome.accepted },
    'command forwarded',
  )
  return outcome.answer
}
