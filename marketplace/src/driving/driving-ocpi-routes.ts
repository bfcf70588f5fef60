import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Value } from '@sinclair/typebox/value'
import type { HubConnection } from '../hub/hub-connection.ts'
import { envelope } from '../hub/ocpi-client.ts'
import { answerInOcpi, answerPush, ObjectId, PartyParams, PushedObject } from '../hub/ocpi-receiver.ts'
import { hubOnly } from '../hub/ocpi-routes.ts'
import type { Charges } from './charges.ts'
import { CommandResult } from './driving-objects.ts'
import type { DriverTokens } from './driver-tokens.ts'

const SessionParams = Type.Object({ ...PartyParams, session_id: ObjectId })
const CdrParams = Type.Object({ ...PartyParams, cdr_id: ObjectId })
const ResultParams = Type.Object({
  charge_id: Type.String({ format: 'uuid' }),
  command: Type.Union([Type.Literal('START_SESSION'), Type.Literal('STOP_SESSION')]),
})

/**
 * The eMSP role's interfaces for its drivers: Sessions and CDRs RECEIVER (the CPO's, through the hub),
 * Tokens SENDER (the hub may read every driver's token) and the CommandResults of charges' commands.
 */
export function drivingOcpiRoutes(
  hub: HubConnection,
  charges: Charges,
  tokens: DriverTokens,
  ocpiBase: string,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onRequest', hubOnly(hub))
    answerInOcpi(app)

    for (const method of ['PUT', 'PATCH'] as const) {
      app.route({
        method,
        url: '/receiver/sessions/:country_code/:party_id/:session_id',
        schema: { params: SessionParams, body: PushedObject },
        handler: (request, reply) =>
          answerPush(reply, () =>
            charges.writeSession(request.params, request.params.session_id, method, request.body),
          ),
      })
    }

    app.post('/receiver/cdrs', { schema: { body: PushedObject } }, (request, reply) =>
      answerPush(reply, async () => {
        const cdr = await charges.receiveCdr(request.body)
        const path = [cdr.country_code, cdr.party_id, cdr.id].map(encodeURIComponent).join('/')
        void reply.header('location', `${ocpiBase}/receiver/cdrs/${path}`)
      }),
    )

    app.get(
      '/receiver/cdrs/:country_code/:party_id/:cdr_id',
      { schema: { params: CdrParams } },
      async (request, reply) => {
        const cdr = await charges.cdr(request.params, request.params.cdr_id)
        if (!cdr) return reply.code(404).send(envelope(undefined, 2003, 'Unknown CDR'))
        return envelope(cdr)
      },
    )

    // Every token in one page: a first slice of drivers is small (pagination: next step).
    app.get('/sender/tokens', async (_request, reply) => {
      const all = await tokens.all()
      void reply.headers({ 'x-total-count': String(all.length), 'x-limit': String(Math.max(all.length, 1)) })
      return envelope(all)
    })

    app.post(
      '/sender/commands/:charge_id/:command',
      { schema: { params: ResultParams, body: PushedObject } },
      async (request, reply) => {
        if (!Value.Check(CommandResult, request.body))
          return envelope(undefined, 2001, 'A CommandResult needs a result')
        const known = await charges.commandResult(
          request.params.charge_id,
          request.params.command,
          request.body.result,
        )
        if (!known) return reply.code(404).send(envelope(undefined, 2003, 'Unknown command'))
        return envelope(undefined)
      },
    )
  }
}
