import { Validator } from '@seriousme/openapi-schema-validator'
import { Ajv } from 'ajv'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerApiReference, routesHiddenFromReference } from '../../src/operations/openapi.ts'
import { aLocation } from '../fixtures/locations.ts'
import { call } from '../support/http.ts'
import { connectParty, eventually } from '../support/roaming-network.ts'
import { servedRoutes, type ServedRoute } from '../support/route-table.ts'
import { freePort, startTestHub, type TestHub } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'

/**
 * The OpenAPI document and the reference (issue 15, item 1; docs/openapi.md): GET /openapi.json describes
 * every route of the listener it is served on, from the routes' own schemas plus the envelope, headers,
 * pagination and security schemes; GET /docs is a page whose assets all come from the hub.
 */

interface Parameter {
  name: string
  in: string
  required?: boolean
}
interface Operation {
  summary?: string
  tags?: string[]
  security?: Record<string, string[]>[]
  parameters?: Parameter[]
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> }
  responses: Record<string, Response | { $ref: string }>
}
interface Response {
  description: string
  headers?: Record<string, unknown>
  content?: Record<string, { schema: { properties?: Record<string, unknown>; $ref?: string } }>
}
interface OpenApiDocument {
  openapi: string
  paths: Record<string, Record<string, Operation>>
  components: {
    securitySchemes: Record<string, Record<string, string>>
    responses: Record<string, Response>
    schemas: Record<string, unknown>
  }
}

/**
 * The served routes the document must show: every route of the listener except HEAD (Fastify adds one to each
 * GET; it answers as the GET without a body) and the files of pages, which ask to stay out (`hide: true`: the
 * reference's own HTML, scripts and styles under /docs are not API).
 */
function documentedRoutes(app: FastifyInstance): string[] {
  const hidden = [...routesHiddenFromReference(app)].map((route) => route.split(' ') as [string, string])
  // The route tree also prints a prefix's `/docs/` twin and shortens wildcard paths (`/docs/*` for
  // `/docs/static/*`): both count as the hidden route they stand for.
  const trim = (url: string) => url.replace(/\/$/, '')
  const isHidden = ({ method, url }: ServedRoute) =>
    hidden.some(
      ([hiddenMethod, hiddenUrl]) =>
        method === hiddenMethod &&
        (trim(url) === trim(hiddenUrl) ||
          (url.endsWith('*') && hiddenUrl.endsWith('*') && hiddenUrl.startsWith(url.slice(0, -1)))),
    )
  return servedRoutes(app)
    .filter((route) => !isHidden(route))
    .map((route) => `${route.method} ${route.url.replace(/:(\w+)/g, '{$1}')}`)
    .sort()
}

function operationsOf(document: OpenApiDocument): [string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]): [string, Operation] => [
      `${method.toUpperCase()} ${path}`,
      operation,
    ]),
  )
}

/** Operations a reader could not find or tell apart: no summary, or no tag to group them by. */
function withoutMetadata(document: OpenApiDocument): string[] {
  return operationsOf(document)
    .filter(([, operation]) => !operation.summary || !operation.tags?.length)
    .map(([name]) => name)
}

async function fetchDocument(url: string): Promise<OpenApiDocument> {
  const response = await call<OpenApiDocument>(`${url}/openapi.json`)
  expect(response.status, response.text).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  return response.body
}

const headerNames = (operation: Operation) =>
  (operation.parameters ?? []).filter((p) => p.in === 'header').map((p) => p.name)

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: the OpenAPI document and the reference`, () => {
    let hub: TestHub
    let document: OpenApiDocument

    beforeAll(async () => {
      hub = await startTestHub(engine)
      document = await fetchDocument(hub.url)
    })
    afterAll(() => hub?.close())

    it('is a valid OpenAPI 3.1 document', async () => {
      expect(document.openapi).toBe('3.1.0')
      const result = await new Validator().validate(
        structuredClone(document) as unknown as Record<string, unknown>,
      )
      expect(result.errors ?? []).toEqual([])
      expect(result.valid).toBe(true)
    })

    it('has every route of the route table with its method, each with a summary and tags', () => {
      const served = documentedRoutes(hub.hub.app)
      // The three OCPI versions, the admin API, the operations endpoints and the document itself.
      for (const expected of [
        'GET /ocpi/versions',
        'PATCH /ocpi/2.3.0/receiver/sessions/{country_code}/{party_id}/{session_id}',
        'PUT /ocpi/2.2.1/credentials',
        'POST /ocpi/2.1.1/sender/tokens/{token_uid}/authorize',
        'POST /admin/invitations',
        'GET /health',
        'GET /openapi.json',
      ])
        expect(served).toContain(expected)
      expect(
        operationsOf(document)
          .map(([name]) => name)
          .sort(),
      ).toEqual(served)
      expect(withoutMetadata(document)).toEqual([])
    })

    it('qualifies OCPI tags with the version the route is served under', () => {
      const tags = new Set(operationsOf(document).flatMap(([, operation]) => operation.tags ?? []))
      for (const tag of [
        'OCPI 2.3.0 · sessions',
        'OCPI 2.2.1 · sessions',
        'OCPI 2.1.1 · cdrs',
        'OCPI · versions',
      ])
        expect(tags).toContain(tag)
      expect(
        [...tags].filter((tag) => /^OCPI \d/.test(tag) && !/^OCPI 2\.(3\.0|2\.1|1\.1) · \w/.test(tag)),
      ).toEqual([])
    })

    it('documents a 2.3.0 Sessions PATCH with the routing headers, the envelope and the OCPI token', () => {
      const patch =
        document.paths['/ocpi/2.3.0/receiver/sessions/{country_code}/{party_id}/{session_id}']!['patch']!
      expect(patch.tags).toEqual(['OCPI 2.3.0 · sessions'])
      expect(headerNames(patch)).toEqual(
        expect.arrayContaining([
          'OCPI-to-country-code',
          'OCPI-to-party-id',
          'OCPI-from-country-code',
          'OCPI-from-party-id',
          'X-Request-ID',
          'X-Correlation-ID',
        ]),
      )
      expect(patch.security).toEqual([{ ocpiToken: [] }])
      expect(document.components.securitySchemes['ocpiToken']).toMatchObject({
        type: 'apiKey',
        in: 'header',
        name: 'Authorization',
      })
      expect(document.components.securitySchemes['ocpiToken']!['description']).toMatch(/base64/)
      const answer = patch.responses['200'] as Response
      expect(Object.keys(answer.content!['application/json']!.schema.properties!)).toEqual(
        expect.arrayContaining(['status_code', 'status_message', 'timestamp']),
      )
      expect(Object.keys(answer.headers!)).toEqual(
        expect.arrayContaining(['OCPI-from-party-id', 'X-Correlation-ID']),
      )
      // The hub's own refusals with other HTTP statuses: the envelope without data.
      expect(patch.responses['401']).toEqual({ $ref: '#/components/responses/Ocpi401' })
      expect(document.components.responses['Ocpi401']!.description).toMatch(/Unknown token/)
      // The body is the route's own schema (partial Session), the answer's data the route table's kind.
      expect(patch.requestBody!.content['application/json']!.schema['type']).toBe('object')
      const get =
        document.paths['/ocpi/2.3.0/receiver/sessions/{country_code}/{party_id}/{session_id}']!['get']!
      const data = (get.responses['200'] as Response).content!['application/json']!.schema.properties!['data']
      expect(data).toEqual({ $ref: '#/components/schemas/Session' })
      expect(document.components.schemas['Session']).toMatchObject({ type: 'object' })
    })

    it('names the 2.1.1 token scheme (not base64) and no routing headers on 2.1.1 routes', () => {
      const put =
        document.paths['/ocpi/2.1.1/receiver/sessions/{country_code}/{party_id}/{session_id}']!['put']!
      expect(put.security).toEqual([{ ocpiToken211: [] }])
      expect(document.components.securitySchemes['ocpiToken211']!['description']).toMatch(/not base64/)
      expect(headerNames(put)).not.toContain('OCPI-to-party-id')
      // The versions list is read before the partner knows which version to speak: either form works.
      expect(document.paths['/ocpi/versions']!['get']!.security).toEqual([
        { ocpiToken: [] },
        { ocpiToken211: [] },
      ])
    })

    it('documents pagination on a GET list: the query parameters and the Link, X-Total-Count, X-Limit headers', () => {
      const list = document.paths['/ocpi/2.3.0/sender/locations']!['get']!
      const query = (list.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name)
      expect(query).toEqual(expect.arrayContaining(['offset', 'limit', 'date_from', 'date_to']))
      const answer = list.responses['200'] as Response
      expect(Object.keys(answer.headers!)).toEqual(
        expect.arrayContaining(['Link', 'X-Total-Count', 'X-Limit']),
      )
      const data = answer.content!['application/json']!.schema.properties!['data']
      expect(data).toEqual({ type: 'array', items: { $ref: '#/components/schemas/Location' } })
      // One object is not a page.
      const one = document.paths['/ocpi/2.3.0/sender/locations/{location_id}']!['get']!
      expect(Object.keys((one.responses['200'] as Response).headers!)).not.toContain('X-Total-Count')
    })

    it('describes a command body as one of the commands, checked by the handler against the one in the URL', () => {
      const send = document.paths['/ocpi/2.3.0/receiver/commands/{command}']!['post']!
      const body = send.requestBody!.content['application/json']!.schema as { anyOf: unknown[] }
      expect(body.anyOf).toContainEqual({ $ref: '#/components/schemas/StartSession' })
      expect(body.anyOf).toHaveLength(5)
    })

    it('puts the admin API behind the bearer token or an operator session, with problem details', () => {
      const invite = document.paths['/admin/invitations']!['post']!
      expect(invite.tags).toEqual(['Admin · invitations'])
      expect(invite.security).toEqual([{ adminToken: [] }, { operatorSession: [] }])
      expect(document.components.securitySchemes['adminToken']).toMatchObject({
        type: 'http',
        scheme: 'bearer',
      })
      expect(document.components.securitySchemes['operatorSession']).toMatchObject({
        type: 'apiKey',
        in: 'cookie',
        name: 'hub_session',
      })
      expect(invite.responses['404']).toEqual({ $ref: '#/components/responses/Admin404' })
      expect(Object.keys(document.components.responses['Admin404']!.content!)).toEqual([
        'application/problem+json',
      ])
      expect(Object.keys(invite.requestBody!.content)).toEqual(['application/json'])
      // Public: no scheme at all.
      expect(document.paths['/health']!['get']!.security).toEqual([])
      expect(document.paths['/openapi.json']!['get']!.security).toEqual([])
    })

    it("gives an admin route's success body its schema where the route names one, and it fits a real answer", async () => {
      // A change for the audit log to show, and a Location for the list.
      const cpo = await connectParty(hub, 'CPO', 'NL', 'DOC')
      try {
        const pushed = await cpo.call('/receiver/locations/NL/DOC/LOC-DOC', {
          method: 'PUT',
          body: aLocation({ id: 'LOC-DOC' }, cpo.party),
        })
        expect(pushed.body.status_code, pushed.text).toBe(1000)
      } finally {
        await cpo.platform.close()
      }
      // The message log is written in batches.
      await eventually(async () => {
        const logged = await hub.admin<{ messages: unknown[] }>('GET', '/messages?module=locations')
        expect(logged.body.messages).not.toHaveLength(0)
      })
      // Formats are the document's words to a reader; the shape is what must hold.
      const ajv = new Ajv({ strict: false, validateFormats: false })
      for (const path of ['/stats', '/audit', '/locations', '/messages']) {
        const success = document.paths[`/admin${path}`]!['get']!.responses['2XX'] as Response
        const schema = success.content!['application/json']!.schema as { properties: Record<string, unknown> }
        const answer = await hub.admin('GET', path)
        expect(answer.status).toBe(200)
        const validate = ajv.compile(schema)
        expect(validate(answer.body), `${path}: ${JSON.stringify(validate.errors)}`).toBe(true)
        expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(answer.body).sort())
      }
      expect((await hub.admin<{ entries: unknown[] }>('GET', '/audit')).body.entries).not.toHaveLength(0)
      expect((await hub.admin<{ locations: unknown[] }>('GET', '/locations')).body.locations).toHaveLength(1)
      // A route that names none still says "a JSON object".
      const invite = document.paths['/admin/invitations']!['post']!.responses['2XX'] as Response
      expect(invite.content!['application/json']!.schema).toEqual({ type: 'object' })
    })

    it('is public and holds no secret', async () => {
      expect(JSON.stringify(document)).not.toContain('test-admin-token')
      const again = await call(`${hub.url}/openapi.json`, { headers: { authorization: 'Token wrong' } })
      expect(again.status).toBe(200)
    })

    it('serves /docs: an HTML page whose scripts, styles and icons all come from the hub', async () => {
      const page = await call(`${hub.url}/docs`)
      expect(page.status).toBe(200)
      expect(page.headers.get('content-type')).toMatch(/^text\/html/)
      const policy = page.headers.get('content-security-policy') ?? ''
      expect(policy).toContain("default-src 'self'")
      expect(policy).not.toMatch(/https?:/)
      const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!)
      expect(assets.length).toBeGreaterThanOrEqual(4)
      for (const asset of assets) {
        const assetUrl = new URL(asset, `${hub.url}/docs`)
        expect(assetUrl.origin, asset).toBe(hub.url)
        expect((await call(assetUrl.toString())).status, asset).toBe(200)
      }
      // The page loads the same document as /openapi.json.
      const initializer = await call(`${hub.url}/docs/static/swagger-initializer.js`)
      expect(initializer.text).toContain("resolveUrl('./json')")
      expect(initializer.text).toContain('validatorUrl: null')
      expect((await call<OpenApiDocument>(`${hub.url}/docs/json`)).body).toEqual(document)
    })
  })

  describe(`${engine}: with ADMIN_PORT, each listener documents its own routes`, () => {
    let hub: TestHub
    beforeAll(async () => {
      hub = await startTestHub(engine, { ADMIN_PORT: String(await freePort()) })
    })
    afterAll(() => hub?.close())

    it('the partners’ port has the OCPI API and no admin route; the admin port has the admin API', async () => {
      const adminApp = hub.hub.adminApp!
      const adminPort = hub.hub.context.config.admin!.port
      await adminApp.listen({ port: adminPort, host: '127.0.0.1' })
      const partners = await fetchDocument(hub.url)
      const operator = await fetchDocument(`http://127.0.0.1:${adminPort}`)
      const paths = (document: OpenApiDocument) => Object.keys(document.paths)
      expect(paths(partners)).toContain('/ocpi/versions')
      expect(paths(partners).filter((path) => path.startsWith('/admin'))).toEqual([])
      expect(paths(operator)).toContain('/admin/platforms')
      expect(paths(operator).filter((path) => path.startsWith('/ocpi'))).toEqual([])
      expect(
        operationsOf(partners)
          .map(([name]) => name)
          .sort(),
      ).toEqual(documentedRoutes(hub.hub.app))
      expect(
        operationsOf(operator)
          .map(([name]) => name)
          .sort(),
      ).toEqual(documentedRoutes(adminApp))
    })
  })
}

describe('a route without summary or tags', () => {
  it('shows in the document without them, which the check above refuses', async () => {
    const app = Fastify()
    await registerApiReference(app)
    app.get('/admin/undocumented', async () => ({}))
    app.get(
      '/admin/documented',
      { schema: { summary: 'Documented', tags: ['Admin · test'] } },
      async () => ({}),
    )
    await app.ready()
    const response = await app.inject({ method: 'GET', url: '/openapi.json' })
    const document = response.json<OpenApiDocument>()
    expect(withoutMetadata(document)).toEqual(['GET /admin/undocumented'])
    expect(documentedRoutes(app)).toEqual(
      operationsOf(document)
        .map(([name]) => name)
        .sort(),
    )
    await app.close()
  })
})
