import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { OcpiError } from '../../core/errors.ts'
import type { HubContext } from '../../hub-context.ts'
import { handleReceiverGet, handleSenderList } from '../../routing/hub-reads.ts'
import { checkBodyOwner, handleOwnerWrite } from '../../routing/owner-push.ts'
import { outboundPath } from '../../transport/outbound-path.ts'
import { ObjectIdParam, OwnedObjectParams, ownerFromParams } from '../../transport/path-params.ts'
import { interfacePath } from '../registry.ts'
import { authorizeThroughHub } from './token-authorization.ts'
import { LocationReferences, Token, TokenPatch, TokenType } from './tokens.schema.ts'

const TokenParams = OwnedObjectParams({ token_uid: ObjectIdParam })
const TokenQuery = Type.Object({ type: Type.Optional(TokenType) })
const AuthorizeParams = Type.Object({ token_uid: ObjectIdParam })
// The LocationReferences body is optional (mod_tokens); Fastify validates a missing body as null.
const AuthorizeBody = Type.Union([LocationReferences, Type.Null()])

/** mod_tokens: `?type=` names the token type; without it the token is an RFID token. */
const DEFAULT_TOKEN_TYPE = 'RFID'

function checkSame(field: string, inBody: unknown, inUrl: string): void {
  if (typeof inBody === 'string' && inBody.toUpperCase() !== inUrl.toUpperCase()) {
    throw new OcpiError(
      'HUB_ERR_ID_MISMATCH',
      `${field} in the body (${inBody}) differs from the URL (${inUrl})`,
    )
  }
}

/**
 * Tokens module (mod_tokens), both interfaces of the hub. Note the reversed roles: eMSPs own Tokens and
 * push them to the hub's RECEIVER (PUT/PATCH, `?type=`), which passes them to every CPO; CPOs read them
 * all through the hub's SENDER.
 */
export async function tokensRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const objectUrl = `/${interfacePath('tokens', 'RECEIVER')}/:country_code/:party_id/:token_uid`

  const target = (params: { country_code: string; party_id: string; token_uid: string }, type: string) => {
    const owner = ownerFromParams(params)
    return {
      owner,
      objectId: params.token_uid.toUpperCase(),
      objectType: type.toUpperCase(),
      targetPath: params.token_uid.toUpperCase(),
      pathAndQuery: outboundPath([owner.country_code, owner.party_id, params.token_uid], { type }),
    }
  }

  routes.put(
    objectUrl,
    { schema: { params: TokenParams, querystring: TokenQuery, body: Token } },
    (request, reply) => {
      const type = request.query.type ?? request.body.type ?? DEFAULT_TOKEN_TYPE
      const where = target(request.params, type)
      checkBodyOwner(request.body, where.owner)
      checkSame('uid', request.body.uid, request.params.token_uid)
      checkSame('type', request.body.type, type)
      return handleOwnerWrite(context, request, reply, {
        module: 'tokens',
        method: 'PUT',
        ...where,
        body: request.body,
        apply: (current) => ({ next: request.body, created: current === undefined }),
      })
    },
  )

  routes.patch(
    objectUrl,
    { schema: { params: TokenParams, querystring: TokenQuery, body: TokenPatch } },
    (request, reply) => {
      const type = request.query.type ?? DEFAULT_TOKEN_TYPE
      const where = target(request.params, type)
      checkBodyOwner(request.body, where.owner)
      checkSame('uid', request.body.uid, request.params.token_uid)
      checkSame('type', request.body.type, type)
      return handleOwnerWrite(context, request, reply, {
        module: 'tokens',
        method: 'PATCH',
        ...where,
        body: request.body,
        apply: (current) => {
          if (!current) {
            throw new OcpiError(
              'HUB_ERR_UNKNOWN_TOKEN',
              `Unknown token ${request.params.token_uid} (${type}): PUT it first`,
            )
          }
          return { next: { ...current, ...request.body }, created: false }
        },
      })
    },
  )

  routes.get(objectUrl, { schema: { params: TokenParams, querystring: TokenQuery } }, (request, reply) => {
    const owner = ownerFromParams(request.params)
    const path = outboundPath([owner.country_code, owner.party_id, request.params.token_uid])
    return handleReceiverGet(context, request, reply, 'tokens', owner, path)
  })

  routes.get(`/${interfacePath('tokens', 'SENDER')}`, (request, reply) =>
    handleSenderList(context, request, reply, 'tokens'),
  )

  // Real-time authorization: a CPO asks the token's eMSP through the hub (see token-authorization.ts).
  routes.post(
    `/${interfacePath('tokens', 'SENDER')}/:token_uid/authorize`,
    { schema: { params: AuthorizeParams, querystring: TokenQuery, body: AuthorizeBody } },
    (request, reply) =>
      authorizeThroughHub(context, request, reply, {
        tokenUid: request.params.token_uid,
        tokenType: request.query.type ?? DEFAULT_TOKEN_TYPE,
        locationReferences: request.body,
      }),
  )
}
