import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { OcpiError } from '../../core/errors.ts'
import { OcpiUrl } from '../../core/ocpi-types.schema.ts'
import { sameParty, type PartyRef } from '../../core/party.ts'
import { hubParty, type HubContext } from '../../hub-context.ts'
import { forwardWithCallback, relayCallbackResult } from '../../routing/async-callbacks.ts'
import type { Requester } from '../../routing/requester.ts'
import { rememberRoute } from '../../routing/route-index.store.ts'
import { routeToOneParty } from '../../routing/routed-request.ts'
import { outboundPath } from '../../transport/outbound-path.ts'
import { setResponseRouting } from '../../transport/routing-headers.ts'
import { compileOcpiValidator } from '../../transport/schema-validation.ts'
import { interfacePath } from '../registry.ts'
import {
  COMMAND_REQUEST_SCHEMAS,
  COMMAND_TYPES,
  CommandResult,
  type KnownCommandType,
} from './commands.schema.ts'
import { locationOwner, nameTheReceiver, ownerForCounterpart } from './commands.routing.ts'

// CommandType is an OpenEnum: any name is passed on, as long as it fits in a URL segment as it is.
const CommandParams = Type.Object({
  command: Type.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9_.-]+$' }),
})
/** Who sends commands to CPOs: the driver's eMSP, a payment terminal provider, or another service. */
const COMMAND_REQUESTER_ROLES = ['EMSP', 'PTP', 'OTHER'] as const

const CallbackParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })

/** A command the hub has no schema for: the CPO judges the rest, but the hub must rewrite response_url. */
const AnyCommand = Type.Object({ response_url: OcpiUrl })

type KnownCommand = {
  [K in KnownCommandType]: { readonly type: K; readonly body: Static<(typeof COMMAND_REQUEST_SCHEMAS)[K]> }
}[KnownCommandType]
type ParsedCommand = KnownCommand | { readonly type: undefined; readonly body: Static<typeof AnyCommand> }

const validateAny = compileOcpiValidator(AnyCommand)
const validators = Object.fromEntries(
  COMMAND_TYPES.map((type) => [type, compileOcpiValidator(COMMAND_REQUEST_SCHEMAS[type])]),
) as { [K in KnownCommandType]: ReturnType<typeof compileOcpiValidator<(typeof COMMAND_REQUEST_SCHEMAS)[K]>> }

function isKnown(name: string): name is KnownCommandType {
  return (COMMAND_TYPES as readonly string[]).includes(name)
}

/** The body checked against its command's schema (2001 naming the field), or only its response_url. */
function parseCommand(name: string, body: unknown): ParsedCommand {
  const type = name.toUpperCase()
  const result = isKnown(type) ? validators[type](body) : validateAny(body)
  if (!result.ok) throw new OcpiError('HUB_ERR_INVALID_PARAMETERS', result.message)
  return { type: isKnown(type) ? type : undefined, body: result.value } as ParsedCommand
}

/** Open routing (no TO): the CPO of the location, of the requester's session or of its reservation. */
function destinationOf(
  context: HubContext,
  command: ParsedCommand,
): ((requester: Requester) => Promise<PartyRef | undefined>) | undefined {
  switch (command.type) {
    case 'START_SESSION':
    case 'RESERVE_NOW':
    case 'UNLOCK_CONNECTOR': {
      const locationId = command.body.location_id
      return () => locationOwner(context.db, locationId)
    }
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
 * Commands module (mod_commands) through the hub. RECEIVER: an eMSP (or other requester) POSTs a command
 * for a CPO; the hub routes it (TO, else the location's, session's or reservation's CPO), puts its own
 * callback in place of `response_url`, and relays the CPO's CommandResponse. SENDER: the CPO POSTs the
 * CommandResult to that callback and the hub delivers it to the requester's own `response_url`.
 */
export async function commandsRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  // The hub's own answers (refusals, bad input) come from the hub; a relayed answer replaces these.
  app.addHook('onRequest', async (_request, reply) =>
    setResponseRouting(reply, hubParty(context.hub), undefined),
  )
  const receiver = `/${interfacePath('commands', 'RECEIVER')}`
  const sender = `/${interfacePath('commands', 'SENDER')}`

  routes.post(`${receiver}/:command`, { schema: { params: CommandParams } }, async (request, reply) => {
    const name = request.params.command
    const command = parseCommand(name, request.body)
    const routed = await routeToOneParty(context, request, {
      module: 'commands',
      interfaceRole: 'RECEIVER',
      method: 'POST',
      pathAndQuery: outboundPath([name]),
      body: command.body,
      requesterRoles: COMMAND_REQUESTER_ROLES,
      destinationFromContent: destinationOf(context, command),
      noDestination: noDestination(name, command),
    })
    checkTokenIsTheRequesters(command, routed.requester)
    const outcome = await forwardWithCallback(context, reply, routed, {
      module: 'commands',
      responseUrl: command.body.response_url,
      withCallbackUrl: (callbackUrl) => ({
        pathAndQuery: outboundPath([name]),
        body: { ...command.body, response_url: callbackUrl },
      }),
    })
    // A CancelReservation without TO headers finds the CPO that took the reservation.
    if (command.type === 'RESERVE_NOW' && outcome.accepted) {
      await rememberRoute(
        context.db,
        'reservation',
        command.body.reservation_id,
        routed.forward.to,
        routed.forward.from,
      )
    }
    request.log.info(
      { command: name, cpo: routed.forward.to, requester: routed.forward.from, accepted: outcome.accepted },
      'command forwarded',
    )
    return outcome.envelope
  })

  routes.post(
    `${sender}/callbacks/:id`,
    { schema: { params: CallbackParams, body: CommandResult } },
    (request, reply) => relayCallbackResult(context, request, reply, 'commands', request.params.id),
  )
}
