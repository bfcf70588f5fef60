import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { OcpiError } from '../../core/errors.ts'
import { type HubContext } from '../../hub-context.ts'
import { hubParty } from '../../core/hub-identity.ts'
import { listForReader, readReceiverCopy } from '../../routing/hub-reads.ts'
import { checkBodyOwner, pushOwnedObject, type OwnerWrite } from '../../routing/owner-push.ts'
import { queryPassedOn } from '../../routing/route-to.ts'
import { outboundPath } from '../../core/outbound-path.ts'
import { ObjectIdParam, OwnedObjectParams, ownerFromParams } from '../../transport/path-params.ts'
import { setResponseRouting } from '../../transport/routing-headers.ts'
import { answerThrough } from '../../transport/service-adapter.ts'
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

/** The OpenAPI tag of these routes; the document prefixes the OCPI version (docs/openapi.md). */
const TAGS = ['tokens']

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
    {
      schema: {
        summary: 'Push a Token; the hub keeps a copy and sends it to its audience',
        tags: TAGS,
        params: TokenParams,
        querystring: TokenQuery,
        body: Token,
      },
    },
    (request, reply) => {
      const type = request.query.type ?? request.body.type ?? DEFAULT_TOKEN_TYPE
      const where = target(request.params, type)
      checkBodyOwner(request.body, where.owner)
      checkSame('uid', request.body.uid, request.params.token_uid)
      checkSame('type', request.body.type, type)
      const write: OwnerWrite = {
        module: 'tokens',
        method: 'PUT',
        ...where,
        body: request.body,
        apply: (current) => ({ next: request.body, created: current === undefined }),
      }
      return answerThrough(context, request, reply, (source) => pushOwnedObject(context, source, write))
    },
  )

  routes.patch(
    objectUrl,
    {
      schema: {
        summary: 'Update part of a Token; sent to its audience',
        tags: TAGS,
        params: TokenParams,
        querystring: TokenQuery,
        body: TokenPatch,
      },
    },
    (request, reply) => {
      const type = request.query.type ?? DEFAULT_TOKEN_TYPE
      const where = target(request.params, type)
      checkBodyOwner(request.body, where.owner)
      checkSame('uid', request.body.uid, request.params.token_uid)
      checkSame('type', request.body.type, type)
      const write: OwnerWrite = {
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
      }
      return answerThrough(context, request, reply, (source) => pushOwnedObject(context, source, write))
    },
  )

  const readSchema = {
    summary: "Read a receiver's copy of a Token",
    tags: TAGS,
    params: TokenParams,
    querystring: TokenQuery,
  }
  routes.get(objectUrl, { schema: readSchema }, (request, reply) => {
    const owner = ownerFromParams(request.params)
    const read = {
      module: 'tokens' as const,
      owner,
      path: outboundPath([owner.country_code, owner.party_id, request.params.token_uid]),
      query: request.query,
      passedOnQuery: queryPassedOn(request.url),
    }
    return answerThrough(context, request, reply, (source) => readReceiverCopy(context, source, read), {
      followsHubLinks: true,
    })
  })

  const listSchema = { summary: 'List the Tokens this party may read (paginated)', tags: TAGS }
  routes.get(`/${interfacePath('tokens', 'SENDER')}`, { schema: listSchema }, (request, reply) => {
    const read = {
      module: 'tokens' as const,
      query: request.query as Record<string, unknown>,
      passedOnQuery: queryPassedOn(request.url),
    }
    return answerThrough(context, request, reply, (source) => listForReader(context, source, read), {
      followsHubLinks: true,
    })
  })

  // Real-time authorization: a CPO asks the token's eMSP through the hub (see token-authorization.ts).
  routes.post(
    `/${interfacePath('tokens', 'SENDER')}/:token_uid/authorize`,
    {
      schema: {
        summary: 'Real-time authorization of a Token by its eMSP',
        tags: TAGS,
        params: AuthorizeParams,
        querystring: TokenQuery,
        body: AuthorizeBody,
      },
    },
    (request, reply) => {
      // The hub's own refusals (2004, 4001, 4003, 2001) come from the hub; a relayed answer replaces these.
      setResponseRouting(reply, hubParty(context.hub), undefined)
      const authorization = {
        tokenUid: request.params.token_uid,
        tokenType: request.query.type ?? DEFAULT_TOKEN_TYPE,
        locationReferences: request.body,
      }
      return answerThrough(
        context,
        request,
        reply,
        (source) => authorizeThroughHub(context, source, authorization),
        { followsHubLinks: true },
      )
    },
  )
}
