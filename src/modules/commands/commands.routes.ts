import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { OcpiError } from '../../core/errors.ts'
import { OcpiUrl } from '../../core/ocpi-types.schema.ts'
import { type HubContext } from '../../hub-context.ts'
import { hubParty } from '../../core/hub-identity.ts'
import { relayCallbackResult } from '../../routing/async-callbacks.ts'
import { partnerOf } from '../../transport/authorization.ts'
import { setResponseRouting } from '../../transport/routing-headers.ts'
import { compileOcpiValidator } from '../../transport/schema-validation.ts'
import { answerThrough, sendAnswer } from '../../transport/service-adapter.ts'
import { interfacePath } from '../registry.ts'
import {
  COMMAND_REQUEST_SCHEMAS,
  COMMAND_TYPES,
  CommandResult,
  type KnownCommandType,
} from './commands.schema.ts'
import { sendCommand, type ParsedCommand } from './commands.service.ts'

// CommandType is an OpenEnum: any name is passed on, as long as it fits in a URL segment as it is.
const CommandParams = Type.Object({
  command: Type.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9_.-]+$' }),
})

const CallbackParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })

/** A command the hub has no schema for: the CPO judges the rest, but the hub must rewrite response_url. */
const AnyCommand = Type.Object({ response_url: OcpiUrl })

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

/** The OpenAPI tag of these routes; the document prefixes the OCPI version (docs/openapi.md). */
const TAGS = ['commands']

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

  const sendSchema = {
    summary: 'Send a command to a CPO (result by callback)',
    tags: TAGS,
    params: CommandParams,
  }
  routes.post(`${receiver}/:command`, { schema: sendSchema }, (request, reply) => {
    const name = request.params.command
    const command = parseCommand(name, request.body)
    // A command goes to one CPO, named in TO or in the `route_to` of a hub Link, else found from its content.
    const links = { followsHubLinks: true }
    return answerThrough(
      context,
      request,
      reply,
      (source) => sendCommand(context, source, { name, command }),
      links,
    )
  })

  routes.post(
    `${sender}/callbacks/:id`,
    {
      schema: {
        summary: "A CPO's command result, relayed to the eMSP's response_url",
        tags: TAGS,
        params: CallbackParams,
        body: CommandResult,
      },
    },
    async (request, reply) => {
      const answer = await relayCallbackResult(context, {
        module: 'commands',
        id: request.params.id,
        responderPlatformId: partnerOf(request).platformId,
        body: request.body,
        log: request.log,
      })
      return sendAnswer(request, reply, answer)
    },
  )
}
