import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox'
import type { FastifyError } from 'fastify'
import type { HubConnection } from '../hub/hub-connection.ts'
import { envelope } from '../hub/ocpi-client.ts'
import { hubOnly } from '../hub/ocpi-routes.ts'
import type { MarketplaceDb } from '../storage/store.ts'
import type { ManagedChargers } from './managed-chargers.ts'

/** Seconds the hub may wait for a CommandResult: an OCPP call times out before. */
const COMMAND_TIMEOUT_S = 60

const Id = Type.String({ minLength: 1, maxLength: 36 })
const CountryCode = Type.String({ pattern: '^[A-Z]{2}$' })
const PartyId = Type.String({ pattern: '^[A-Z0-9]{3}$' })

/** The fields of an OCPI 2.3.0 Token the marketplace's CPO uses (mod_tokens); the rest is kept as sent. */
const Token = Type.Object({
  country_code: CountryCode,
  party_id: PartyId,
  uid: Id,
  type: Type.String({ minLength: 1, maxLength: 32 }),
  contract_id: Id,
  issuer: Type.String({ maxLength: 64 }),
  valid: Type.Boolean(),
  whitelist: Type.Union(['ALWAYS', 'ALLOWED', 'ALLOWED_OFFLINE', 'NEVER'].map((w) => Type.Literal(w))),
  last_updated: Type.String({ format: 'date-time' }),
})
type Token = Static<typeof Token>

const TokenParams = Type.Object({ country_code: CountryCode, party_id: PartyId, token_uid: Id })
const TokenQuery = Type.Object({ type: Type.Optional(Type.String({ maxLength: 32 })) })

const ResponseUrl = Type.String({ format: 'uri', maxLength: 255 })
const StartSession = Type.Object({
  response_url: ResponseUrl,
  token: Token,
  location_id: Id,
  evse_uid: Type.Optional(Type.Union([Id, Type.Null()])),
  connector_id: Type.Optional(Type.Union([Id, Type.Null()])),
  authorization_reference: Type.Optional(Type.Union([Id, Type.Null()])),
})
const StopSession = Type.Object({ response_url: ResponseUrl, session_id: Id })
const UnlockConnector = Type.Object({
  response_url: ResponseUrl,
  location_id: Id,
  evse_uid: Id,
  connector_id: Id,
})

/**
 * The OCPI interfaces of the marketplace's CPO role for its managed chargers: the Commands RECEIVER (the
 * hub's START_SESSION, STOP_SESSION and UNLOCK_CONNECTOR become OCPP remote calls) and the Tokens RECEIVER
 * (eMSPs' tokens, which chargers may then accept without asking). Only the hub's token gets in; bad bodies
 * are HTTP 200 with status 2001 naming the field.
 */
export function cpoOcpiRoutes(
  hub: HubConnection,
  db: MarketplaceDb,
  chargers: ManagedChargers,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onRequest', hubOnly(hub))
    const resultTo = resultToHub(hub)
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error.validation) return reply.code(200).send(envelope(undefined, 2001, error.message))
      request.log.error({ err: error }, 'OCPI request failed')
      return reply.code(500).send(envelope(undefined, 3000, 'The marketplace could not handle this'))
    })

    app.post(
      '/receiver/commands/START_SESSION',
      { schema: { summary: 'Starts a session at a managed charger', body: StartSession } },
      async (request) => commandResponse(await chargers.startSession(request.body, resultTo(request.body))),
    )
    app.post(
      '/receiver/commands/STOP_SESSION',
      { schema: { summary: 'Stops a session at a managed charger', body: StopSession } },
      async (request) => commandResponse(await chargers.stopSession(request.body, resultTo(request.body))),
    )
    app.post(
      '/receiver/commands/UNLOCK_CONNECTOR',
      { schema: { summary: 'Unlocks a connector of a managed charger', body: UnlockConnector } },
      async (request) =>
        commandResponse(await chargers.unlockConnector(request.body, resultTo(request.body))),
    )
    app.post(
      '/receiver/commands/:command',
      { schema: { summary: 'Any other command: not supported by managed chargers' } },
      async () => commandResponse('NOT_SUPPORTED'),
    )

    app.put(
      '/receiver/tokens/:country_code/:party_id/:token_uid',
      {
        schema: {
          summary: 'Keeps a Token an eMSP sent through the hub',
          params: TokenParams,
          querystring: TokenQuery,
          body: Token,
        },
      },
      async (request) => {
        const { country_code, party_id, token_uid } = request.params
        const token = request.body
        if (token.country_code !== country_code || token.party_id !== party_id || token.uid !== token_uid)
          return envelope(undefined, 2001, 'country_code, party_id and uid of the body differ from the URL')
        await saveToken(db, token)
        return envelope(undefined)
      },
    )

    app.patch(
      '/receiver/tokens/:country_code/:party_id/:token_uid',
      {
        schema: {
          summary: 'Changes part of a Token kept',
          params: TokenParams,
          querystring: TokenQuery,
          body: Type.Intersect([
            Type.Partial(Token),
            Type.Object({ last_updated: Token.properties.last_updated }),
          ]),
        },
      },
      async (request, reply) => {
        const stored = await readToken(db, request.params, request.query.type)
        if (!stored) return reply.code(404).send(envelope(undefined, 2004, 'Unknown token'))
        const { country_code, party_id, uid, type } = stored
        await saveToken(db, { ...stored, ...request.body, country_code, party_id, uid, type })
        return envelope(undefined)
      },
    )

    app.get(
      '/receiver/tokens/:country_code/:party_id/:token_uid',
      { schema: { summary: 'A Token kept', params: TokenParams, querystring: TokenQuery } },
      async (request, reply) => {
        const stored = await readToken(db, request.params, request.query.type)
        if (!stored) return reply.code(404).send(envelope(undefined, 2004, 'Unknown token'))
        return envelope(stored)
      },
    )
  }
}

/** The hub's `response_url` gets the CommandResult. */
function resultToHub(hub: HubConnection) {
  return (command: { response_url: string }) => (result: string) =>
    hub.callBack(command.response_url, { result })
}

function commandResponse(result: string) {
  return envelope({ result, timeout: COMMAND_TIMEOUT_S })
}

async function saveToken(db: MarketplaceDb, token: Token): Promise<void> {
  const row = {
    country_code: token.country_code,
    party_id: token.party_id,
    uid: token.uid,
    type: token.type,
    token: JSON.stringify(token),
  }
  await db
    .insertInto('received_tokens')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['country_code', 'party_id', 'uid', 'type']).doUpdateSet({ token: row.token }),
    )
    .execute()
}

async function readToken(
  db: MarketplaceDb,
  params: Static<typeof TokenParams>,
  type: string | undefined,
): Promise<Token | undefined> {
  const row = await db
    .selectFrom('received_tokens')
    .select('token')
    .where('country_code', '=', params.country_code)
    .where('party_id', '=', params.party_id)
    .where('uid', '=', params.token_uid)
    .where('type', '=', type ?? 'RFID')
    .executeTakeFirst()
  return row?.token as Token | undefined
}
