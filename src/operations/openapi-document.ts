import type { SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger'
import { Type, type TSchema } from '@sinclair/typebox'
import type { FastifySchema } from 'fastify'
import { STATUS as ADMIN_ERROR_STATUS } from '../admin/admin-errors.ts'
import { HubErrors } from '../core/errors.ts'
import { isModuleId, MODULE_FACTS, type InterfaceRole, type ModuleId } from '../core/modules.ts'
import { DateTime } from '../core/ocpi-types.schema.ts'
import { CANONICAL_VERSION, SUPPORTED_VERSIONS, type OcpiVersion } from '../core/ocpi-versions.ts'
import { OcpiStatus } from '../core/status-codes.ts'
import { ROUTING_HEADERS } from '../core/routing-headers.ts'
import { CANONICAL_SCHEMAS } from '../modules/canonical.ts'
import { Credentials211 } from '../modules/credentials/credentials-211.ts'
import { COMMAND_TYPES } from '../modules/commands/commands.schema.ts'
import { Credentials } from '../modules/credentials/credentials.schema.ts'
import { messageKinds } from '../version-adapters/message-kinds.ts'

/**
 * The parts of the OpenAPI document that no route schema carries: the OCPI envelope, the admin API's
 * problem details, the transport headers and the security schemes. They are added to each route's own
 * TypeBox schemas only while the document is generated (`documentRoute`), never to the routes themselves:
 * a `response` schema on a route would make Fastify serialize answers through it, dropping every field it
 * does not name, and the hub relays partners' answers as they are.
 */

declare module 'fastify' {
  interface FastifySchema {
    /**
     * An admin route's success body, for the document only: unlike `response`, Fastify neither checks nor
     * serializes answers with it. Without it the document says "a JSON object".
     */
    answer?: TSchema
  }
}

const SCHEMAS = '#/components/schemas/'
const ref = (name: string) => Type.Unsafe({ $ref: `${SCHEMAS}${name}` })

const STATUS_CODE_LIST = Object.entries(OcpiStatus)
  .map(([name, code]) => `${code} ${name}`)
  .join(', ')
const OcpiStatusCode = Type.Integer({
  description: `OCPI status: 1xxx success, 2xxx client error, 3xxx server error, 4xxx hub error (${STATUS_CODE_LIST})`,
})

/** The OCPI response envelope (transport_and_format: response format) around `data`. */
function envelope(data: TSchema | undefined) {
  return Type.Object({
    ...(data ? { data: Type.Optional(data) } : {}),
    status_code: ref('OcpiStatusCode'),
    status_message: Type.Optional(Type.String()),
    timestamp: DateTime,
  })
}

/** The admin API's errors (src/admin/admin-errors.ts): RFC 9457 problem details. */
const ProblemDetails = Type.Object(
  {
    type: Type.Literal('about:blank'),
    title: Type.String({ description: 'The error code, e.g. ADMIN_NOT_FOUND' }),
    status: Type.Integer(),
    detail: Type.String(),
  },
  { additionalProperties: true, description: 'Problem details; some errors add fields (`errors`, `step`)' },
)

/** The hub's own errors answered with a non-200 HTTP status, one response per status: `Ocpi401`, … */
function ocpiErrorResponses() {
  const byStatus = new Map<number, Set<string>>()
  for (const { http, status, message } of Object.values(HubErrors)) {
    if (http === 200) continue
    byStatus.set(http, (byStatus.get(http) ?? new Set<string>()).add(`${status} ${message}`))
  }
  byStatus.set(429, new Set([`${OcpiStatus.ClientError} Too many requests from this platform (Retry-After)`]))
  return Object.fromEntries(
    [...byStatus].map(([http, lines]) => [
      `Ocpi${http}`,
      {
        description: `OCPI envelope without data: ${[...lines].join('; ')}`,
        content: { 'application/json': { schema: { $ref: `${SCHEMAS}OcpiError` } } },
      },
    ]),
  )
}

/** The admin API's errors by HTTP status: `Admin404`, … */
function adminErrorResponses() {
  return Object.fromEntries(
    Object.entries(ADMIN_ERROR_STATUS).map(([code, status]) => [
      `Admin${status}`,
      {
        description: code,
        content: { 'application/problem+json': { schema: { $ref: `${SCHEMAS}ProblemDetails` } } },
      },
    ]),
  )
}

/** The objects the document names once and refers to: the canonical 2.3.0 objects and the Credentials. */
const NAMED_OBJECTS = { ...CANONICAL_SCHEMAS, Credentials }

export const OPENAPI_COMPONENTS = {
  schemas: { ...NAMED_OBJECTS, OcpiStatusCode, OcpiError: envelope(undefined), ProblemDetails },
  responses: { ...ocpiErrorResponses(), ...adminErrorResponses() },
  securitySchemes: {
    ocpiToken: {
      type: 'apiKey',
      in: 'header',
      name: 'Authorization',
      description:
        'OCPI 2.2.1 and 2.3.0: `Authorization: Token <token, base64-encoded>`: token A before registration (versions and credentials only), the token the hub issued after it. The hub also accepts the token as it is, as 2.1.1 and some 2.2 platforms send it.',
    },
    ocpiToken211: {
      type: 'apiKey',
      in: 'header',
      name: 'Authorization',
      description: 'OCPI 2.1.1: `Authorization: Token <token>`, the token as it is (not base64-encoded).',
    },
    adminToken: {
      type: 'http',
      scheme: 'bearer',
      description:
        'The admin token (`HUB_ADMIN_TOKEN`, or the one generated on the first start): `Authorization: Bearer <admin token>`.',
    },
    operatorSession: {
      type: 'apiKey',
      in: 'cookie',
      name: 'hub_session',
      description: "An operator's session after signing in to the console (HttpOnly cookie).",
    },
  },
} as const

const REQUEST_ID_HEADERS = {
  'X-Request-ID': Type.Optional(
    Type.String({ maxLength: 255, description: 'Unique id of this message; the hub makes one when absent' }),
  ),
  'X-Correlation-ID': Type.Optional(
    Type.String({
      maxLength: 255,
      description: 'Id shared by every message of one exchange, across hops; the hub makes one when absent',
    }),
  ),
}

/** `ocpi-to-party-id` → `OCPI-to-party-id`: ROUTING_HEADERS has the lower-case names the hub reads. */
const specName = (name: string) => name.replace(/^ocpi/, 'OCPI')
const COUNTRY_CODE = { minLength: 2, maxLength: 2 }
const PARTY_ID = { minLength: 3, maxLength: 3 }
const ROUTING_REQUEST_HEADERS = {
  [specName(ROUTING_HEADERS.toCountryCode)]: Type.Optional(
    Type.String({
      ...COUNTRY_CODE,
      description: 'Country code of the party the message is for; absent: the hub works out the receiver',
    }),
  ),
  [specName(ROUTING_HEADERS.toPartyId)]: Type.Optional(
    Type.String({ ...PARTY_ID, description: 'Party id of the party the message is for' }),
  ),
  [specName(ROUTING_HEADERS.fromCountryCode)]: Type.Optional(
    Type.String({ ...COUNTRY_CODE, description: 'Country code of the sending party (one of your roles)' }),
  ),
  [specName(ROUTING_HEADERS.fromPartyId)]: Type.Optional(
    Type.String({ ...PARTY_ID, description: 'Party id of the sending party' }),
  ),
}

const header = (description: string) => ({ type: 'string', description })

const REQUEST_ID_ANSWER_HEADERS = {
  'X-Request-ID': header("The request's X-Request-ID, or the one the hub made"),
  'X-Correlation-ID': header("The request's X-Correlation-ID, or the one the hub made"),
}
const ROUTING_ANSWER_HEADERS = Object.fromEntries(
  Object.values(ROUTING_HEADERS)
    .map(specName)
    .map((name) => [
      name,
      header(
        name.startsWith('OCPI-to')
          ? 'The party the answer is for: the requester, as its OCPI-from-* headers named it'
          : 'The party that answered: the receiver, or the hub for its own answers',
      ),
    ]),
)
const PAGINATION_ANSWER_HEADERS = {
  Link: header('`<next page URL>; rel="next"`, absent on the last page'),
  'X-Total-Count': header('Number of objects the list holds, all pages together'),
  'X-Limit': header('Largest page the server sends'),
}
const PAGINATION_QUERY = {
  offset: Type.Optional(Type.Integer({ minimum: 0, description: 'Objects to skip' })),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, description: 'Objects at most on this page (X-Limit caps it)' }),
  ),
  date_from: Type.Optional(Type.Intersect([DateTime], { description: 'Only objects changed at or after' })),
  date_to: Type.Optional(Type.Intersect([DateTime], { description: 'Only objects changed before' })),
}

const ERRORS_WITH_HTTP_200 = [
  ...new Set(
    Object.values(HubErrors)
      .filter(({ http }) => http === 200)
      .map(({ status }) => status),
  ),
].join(', ')

/** Where an OCPI route sits: version, module, interface and the path below the module's interface URL. */
interface OcpiRoute {
  readonly version: OcpiVersion | undefined
  readonly module: ModuleId | 'versions' | undefined
  readonly role: InterfaceRole | undefined
  readonly segments: readonly string[]
}

function ocpiRoute(url: string): OcpiRoute | undefined {
  const [root, versionSegment, side, module, ...segments] = url.split('/').filter((part) => part !== '')
  if (root !== 'ocpi') return undefined
  const version = SUPPORTED_VERSIONS.find((supported) => supported === versionSegment)
  if (!version || side === undefined) return { version, module: 'versions', role: undefined, segments: [] }
  if (side === 'credentials') return { version, module: 'credentials', role: undefined, segments: [] }
  const role = side === 'sender' ? 'SENDER' : side === 'receiver' ? 'RECEIVER' : undefined
  if (!role || !isModuleId(module)) return { version, module: undefined, role, segments }
  return { version, module, role, segments }
}

const olderObject = (version: OcpiVersion, kind: string) =>
  Type.Unsafe({
    type: 'object',
    description: `An OCPI ${version} ${kind}: the hub converts it to and from its 2.3.0 form (components.schemas.${kind})`,
  })

/** The schema of the answer's `data`, where the hub's TypeBox definitions name it. */
function answerData(route: OcpiRoute, method: string): TSchema | undefined {
  const { version, module, role } = route
  if (!version) return undefined
  if (module === 'credentials') {
    if (method === 'DELETE') return Type.Null()
    return version === '2.1.1' ? Credentials211 : ref('Credentials')
  }
  if (module === undefined || module === 'versions' || role === undefined) return undefined
  const kind = messageKinds(module, role, method, route.segments).answer
  if (!kind) return undefined
  const object = version === CANONICAL_VERSION ? ref(kind) : olderObject(version, kind)
  return isList(route, method) ? Type.Array(object) : object
}

/** A GET of a Sender interface without an object id: the paginated list (transport_and_format: pagination). */
function isList(route: OcpiRoute, method: string): boolean {
  return method === 'GET' && route.role === 'SENDER' && !route.segments.some((s) => s.startsWith(':'))
}

const namedObjects = new Map<unknown, string>(
  Object.entries(NAMED_OBJECTS).map(([name, schema]) => [schema, name]),
)

/**
 * A request body as the document shows it: the canonical objects by reference; in an older version, the body
 * the partner sends is that version's object, converted before the route's 2.3.0 schema checks it.
 */
function requestBody(route: OcpiRoute, method: string, body: unknown): unknown {
  const { version, module, role } = route
  if (body === undefined) {
    // The command route checks its body by the command in the URL, in the handler: any of the commands.
    if (module !== 'commands' || role !== 'RECEIVER' || method !== 'POST' || !version) return undefined
    const kinds = COMMAND_TYPES.flatMap((type) => messageKinds(module, role, method, [type]).request ?? [])
    const commands = kinds.map((kind) =>
      version === CANONICAL_VERSION ? ref(kind) : olderObject(version, kind),
    )
    return Type.Union(commands, { description: 'The object of the command named in the URL' })
  }
  if (
    version &&
    version !== CANONICAL_VERSION &&
    module &&
    module !== 'versions' &&
    module !== 'credentials' &&
    role
  ) {
    const kind = messageKinds(module, role, method, route.segments).request
    if (kind) return olderObject(version, kind)
  }
  const name = namedObjects.get(body)
  return name ? ref(name) : body
}

const objectOf = (properties: Record<string, TSchema>, base: unknown) => {
  const existing = (base ?? {}) as { properties?: Record<string, TSchema>; required?: string[] }
  return {
    type: 'object',
    properties: { ...properties, ...existing.properties },
    ...(existing.required ? { required: existing.required } : {}),
  }
}

function ocpiOperation(schema: FastifySchema, method: string, route: OcpiRoute): FastifySchema {
  const { version, module } = route
  const functional =
    module !== undefined && module !== 'versions' && MODULE_FACTS[module].kind === 'functional'
  const routed = functional && version !== '2.1.1'
  const list = isList(route, method)
  const body = requestBody(route, method, schema.body)
  const security: FastifySchema['security'] =
    version === undefined
      ? [{ ocpiToken: [] }, { ocpiToken211: [] }]
      : [{ [version === '2.1.1' ? 'ocpiToken211' : 'ocpiToken']: [] }]
  return {
    ...schema,
    tags: schema.tags?.map((tag) => `OCPI${version ? ` ${version}` : ''} · ${tag}`),
    security: schema.security ?? security,
    headers: objectOf({ ...REQUEST_ID_HEADERS, ...(routed ? ROUTING_REQUEST_HEADERS : {}) }, schema.headers),
    ...(list ? { querystring: objectOf(PAGINATION_QUERY, schema.querystring) } : {}),
    ...(body === undefined ? {} : { body }),
    response: {
      '200': {
        description: `OCPI envelope: status_code 1000 on success; the hub's own refusals that keep HTTP 200 carry ${ERRORS_WITH_HTTP_200}. A forwarded request is answered with the receiver's HTTP status and envelope.`,
        content: { 'application/json': { schema: envelope(answerData(route, method)) } },
        headers: {
          ...REQUEST_ID_ANSWER_HEADERS,
          ...(functional ? ROUTING_ANSWER_HEADERS : {}),
          ...(list ? PAGINATION_ANSWER_HEADERS : {}),
        },
      },
    },
  }
}

function adminOperation({ answer, ...schema }: FastifySchema): FastifySchema {
  return {
    ...schema,
    security: schema.security ?? [{ adminToken: [] }, { operatorSession: [] }],
    headers: objectOf(REQUEST_ID_HEADERS, schema.headers),
    response: {
      '2XX': {
        description:
          'The answer, as JSON: 201 when the request created something, 202 when it queued something',
        content: { 'application/json': { schema: answer ?? { type: 'object' } } },
        headers: REQUEST_ID_ANSWER_HEADERS,
      },
    },
  }
}

/**
 * @fastify/swagger's transform: one route's own schemas (params, query, body, summary, tags) plus what its
 * place in the hub implies: OCPI routes get the envelope, the transport headers, pagination on lists and the
 * version's token scheme, their tags prefixed with the version (`sessions` → `OCPI 2.3.0 · sessions`); admin
 * routes get problem details and the admin schemes; the rest (health, this document) is public.
 */
export const documentRoute: SwaggerTransform = ({ schema, url, route }) => {
  const method = [route.method].flat()[0] ?? 'GET'
  const ocpi = ocpiRoute(url)
  if (ocpi) return { schema: ocpiOperation(schema ?? {}, method, ocpi), url }
  if (url.startsWith('/admin/')) return { schema: adminOperation(schema ?? {}), url }
  return { schema: { ...schema, security: schema?.security ?? [] }, url }
}

type OpenApiDocument = Parameters<SwaggerTransformObject>[0] extends infer Input
  ? Input extends { openapiObject: infer Document }
    ? Document
    : never
  : never

/**
 * @fastify/swagger's transformObject: every OCPI and admin operation refers to the error responses of its API
 * (components.responses), which the document then holds once instead of on each of its operations.
 */
export const referErrorResponses: SwaggerTransformObject = (input) => {
  const document = (input as { openapiObject: OpenApiDocument }).openapiObject
  const errors = Object.keys(OPENAPI_COMPONENTS.responses)
  for (const [url, pathItem] of Object.entries(document.paths ?? {})) {
    const api = url.startsWith('/ocpi/') ? 'Ocpi' : url.startsWith('/admin/') ? 'Admin' : undefined
    if (!api || !pathItem) continue
    for (const operation of Object.values(pathItem) as { responses?: Record<string, unknown> }[]) {
      if (!operation.responses) continue
      for (const name of errors.filter((error) => error.startsWith(api))) {
        operation.responses[name.slice(api.length)] = { $ref: `#/components/responses/${name}` }
      }
    }
  }
  return document
}
