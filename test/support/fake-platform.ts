import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { CredentialsRole } from '../../src/modules/credentials/credentials.schema.ts'
import type { OcpiVersion } from '../../src/core/ocpi-versions.ts'
import { call, type OcpiEnvelopeBody } from './http.ts'
import { scaled } from './time-limits.ts'

export interface RecordedRequest {
  readonly method: string
  readonly path: string
  /** `?a=b`, or '' */
  readonly query: string
  readonly headers: IncomingMessage['headers']
  /** Token found in the Authorization header (Base64-decoded; as it is for a 2.1.1 platform). */
  readonly token: string | undefined
  readonly body: unknown
}

interface Failure {
  readonly status: number
  readonly body: unknown
  readonly headers?: Readonly<Record<string, string>>
}

export interface FakePlatformOptions {
  readonly name?: string
  readonly roles: CredentialsRole[]
  /** Replaces the versions list the platform offers; `{base}` in a url stands for its base URL. */
  readonly versions?: { version: string; url: string }[]
  /** Replaces the endpoints the platform offers in its version (2.1.1 endpoints have no role). */
  readonly endpoints?: { identifier: string; role?: string; url: string }[]
  /**
   * The OCPI version the platform speaks (default 2.3.0): its versions list, details, credentials object
   * and token encoding (2.1.1: the token as it is, the single-party credentials object) follow it.
   */
  readonly version?: OcpiVersion
}

export function envelope(data: unknown, status_code = 1000, status_message?: string): OcpiEnvelopeBody {
  return {
    data,
    status_code,
    ...(status_message ? { status_message } : {}),
    timestamp: new Date().toISOString(),
  }
}

export function aRole(
  role: CredentialsRole['role'],
  country_code: string,
  party_id: string,
): CredentialsRole {
  return { role, country_code, party_id, business_details: { name: `${role} ${country_code}${party_id}` } }
}

/**
 * A partner OCPI platform on 127.0.0.1: versions, version details and credentials, as a real one would
 * serve them. It records every request, can be told to fail, and can run the handshake towards the hub.
 * Test-only code.
 */
export class FakePlatform {
  readonly options: FakePlatformOptions
  readonly received: RecordedRequest[] = []
  /** Token A this platform hands to the hub for a hub-initiated registration. */
  readonly tokenA = `A-${randomBytes(8).toString('hex')}`
  /** The token the hub must present to this platform. */
  tokenFromHub: string | undefined
  /** The token this platform presents to the hub. */
  tokenToHub: string | undefined
  /** The hub's credentials as last received. */
  hubCredentials: Record<string, unknown> | undefined
  readonly #server: Server
  readonly #failures = new Map<string, Failure>()
  readonly #hanging = new Set<string>()
  readonly #answers = new Map<string, (request: RecordedRequest) => Failure | Promise<Failure>>()
  #down = false
  #base = ''
  #version: OcpiVersion | undefined

  private constructor(options: FakePlatformOptions) {
    this.options = options
    this.#server = createServer((req, res) => void this.#handle(req, res))
  }

  static async start(options: FakePlatformOptions): Promise<FakePlatform> {
    const platform = new FakePlatform(options)
    await new Promise<void>((resolve) => platform.#server.listen(0, '127.0.0.1', resolve))
    const { port } = platform.#server.address() as AddressInfo
    platform.#base = `http://127.0.0.1:${port}`
    return platform
  }

  get url(): string {
    return this.#base
  }

  get versionsUrl(): string {
    return `${this.#base}/versions`
  }

  get version(): OcpiVersion {
    return this.#version ?? this.options.version ?? '2.3.0'
  }

  /** From now on the platform speaks `version` (an upgrade or downgrade, before a credentials PUT). */
  speak(version: OcpiVersion): void {
    this.#version = version
  }

  /** The credentials object this platform sends, in its version's shape. */
  #ownCredentials(token: string | undefined, roles: CredentialsRole[] = this.options.roles) {
    if (this.version !== '2.1.1') return { token, url: this.versionsUrl, roles }
    const [party] = roles
    return {
      token,
      url: this.versionsUrl,
      business_details: party?.business_details,
      party_id: party?.party_id,
      country_code: party?.country_code,
    }
  }

  /** The next request to `METHOD /path` is answered with this HTTP status and body. */
  failNext(
    method: string,
    path: string,
    status: number,
    body: unknown = envelope(null, 3000, 'induced failure'),
  ): void {
    this.#failures.set(`${method} ${path}`, { status, body })
  }

  /** Requests to `METHOD /path` are never answered. */
  hang(method: string, path: string): void {
    this.#hanging.add(`${method} ${path}`)
  }

  /** Every request to `METHOD /path` is answered by `respond` (until replaced); it may take its time (async). */
  answer(
    method: string,
    path: string,
    respond: (request: RecordedRequest) => Failure | Promise<Failure>,
  ): void {
    this.#answers.set(`${method} ${path}`, respond)
  }

  /** While down, every connection is dropped without an answer, as when a partner's server is away. */
  setDown(down: boolean): void {
    this.#down = down
  }

  /** Requests (other than the handshake's) whose path starts with `prefix`. */
  requestsUnder(prefix: string): RecordedRequest[] {
    return this.received.filter((r) => r.path.startsWith(prefix))
  }

  /** Waits until `count` requests under `prefix` have arrived; fails after `timeoutMs` (times TEST_TIMEOUT_SCALE). */
  async waitForRequests(prefix: string, count: number, timeoutMs = 10_000): Promise<RecordedRequest[]> {
    const deadline = Date.now() + scaled(timeoutMs)
    while (this.requestsUnder(prefix).length < count) {
      if (Date.now() > deadline) {
        throw new Error(
          `${this.options.name ?? 'platform'}: ${this.requestsUnder(prefix).length} of ${count} requests under ${prefix} arrived`,
        )
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    return this.requestsUnder(prefix)
  }

  requestsTo(method: string, path: string): RecordedRequest[] {
    return this.received.filter((r) => r.method === method && r.path === path)
  }

  /** Authorization for a call to the hub, encoded as this platform's version does it. */
  tokenOption(token: string): { token: string } | { rawToken: string } {
    return this.version === '2.1.1' ? { rawToken: token } : { token }
  }

  /**
   * The partner side of registration (credentials.asciidoc): GET the hub's versions and the details of
   * this platform's version with token A, then POST credentials with a fresh token B. Keeps token C when
   * the hub answers 1000. `method: 'PUT'` updates the credentials instead (a version change).
   */
  async registerAt(
    hubVersionsUrl: string,
    tokenA: string,
    roles: CredentialsRole[] = this.options.roles,
    method: 'POST' | 'PUT' = 'POST',
  ) {
    const auth = this.tokenOption(tokenA)
    const versions = await call(hubVersionsUrl, auth)
    const list = versions.body.data as { version: string; url: string }[]
    const details = await call(list.find((v) => v.version === this.version)?.url ?? '', auth)
    const endpoints = (details.body.data as { endpoints: { identifier: string; url: string }[] }).endpoints
    const credentialsUrl = endpoints.find((e) => e.identifier === 'credentials')?.url ?? ''
    const tokenB = `B-${randomBytes(8).toString('hex')}`
    this.tokenFromHub = tokenB
    const response = await call(credentialsUrl, {
      method,
      ...auth,
      body: this.#ownCredentials(tokenB, roles),
    })
    if (response.body?.status_code === 1000) {
      this.hubCredentials = response.body.data as Record<string, unknown>
      this.tokenToHub = String(this.hubCredentials['token'])
    }
    return { response, credentialsUrl, tokenB }
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.#down) {
      req.socket.destroy()
      return
    }
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    let body: unknown = undefined
    try {
      body = text ? JSON.parse(text) : undefined
    } catch {
      body = text
    }
    const parsedUrl = new URL(req.url ?? '/', this.#base)
    const path = parsedUrl.pathname
    const method = req.method ?? 'GET'
    const encoded = /^Token (\S+)$/.exec(req.headers.authorization ?? '')?.[1]
    // A 2.1.1 platform reads the token as it is: a Base64-encoded one is simply not its token.
    const token =
      encoded && this.version !== '2.1.1' ? Buffer.from(encoded, 'base64').toString('utf8') : encoded
    const recorded = { method, path, query: parsedUrl.search, headers: req.headers, token, body }
    this.received.push(recorded)

    const key = `${method} ${path}`
    if (this.#hanging.has(key)) return
    const send = (status: number, payload: unknown, headers: Readonly<Record<string, string>> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers })
      res.end(JSON.stringify(payload))
    }
    const failure = this.#failures.get(key)
    if (failure) {
      this.#failures.delete(key)
      return send(failure.status, failure.body, failure.headers)
    }
    const own = `/${this.version}`
    const isHandshake = path === '/versions' || path === own || path === `${own}/credentials`
    const tokenOk =
      token !== undefined && (token === this.tokenFromHub || (isHandshake && token === this.tokenA))
    if (!tokenOk) return send(401, envelope(null, 2000, 'unknown token'))

    if (method === 'GET' && path === '/versions') {
      const versions = this.options.versions ?? [{ version: this.version, url: `{base}${own}` }]
      return send(200, envelope(versions.map((v) => ({ ...v, url: v.url.replace('{base}', this.#base) }))))
    }
    if (method === 'GET' && path === own) {
      const endpoints = this.options.endpoints ?? [
        { identifier: 'credentials', role: 'SENDER', url: `{base}${own}/credentials` },
      ]
      return send(
        200,
        envelope({
          version: this.version,
          endpoints: endpoints.map((e) => ({ ...e, url: e.url.replace('{base}', this.#base) })),
        }),
      )
    }
    if (path === `${own}/credentials`) return this.#credentials(method, token, body, send)
    const answer = this.#answers.get(key)
    if (answer) {
      const { status, body: payload, headers } = await answer(recorded)
      return send(status, payload, headers)
    }
    return send(200, envelope(null))
  }

  /** The platform as credentials server: the hub registers at it with token A. */
  async #credentials(
    method: string,
    token: string | undefined,
    body: unknown,
    send: (status: number, payload: unknown) => void,
  ): Promise<void> {
    // POST: the hub registers here with token A. PUT: the hub updates its credentials (token rotation),
    // authenticated with the token this platform issued.
    if (method === 'POST' || method === 'PUT') {
      if (method === 'POST' && token !== this.tokenA)
        return send(405, envelope(null, 2000, 'already registered'))
      const credentials = body as { token: string; url: string }
      // Like a real partner: read the hub's versions with the token it just received, before answering.
      const check = await call(credentials.url, this.tokenOption(credentials.token))
      if (check.body?.status_code !== 1000)
        return send(200, envelope(null, 3001, 'cannot read the hub versions with the token it sent'))
      this.hubCredentials = body as Record<string, unknown>
      this.tokenToHub = credentials.token
      this.tokenFromHub = `C-${randomBytes(8).toString('hex')}`
      return send(200, envelope(this.#ownCredentials(this.tokenFromHub)))
    }
    if (method === 'DELETE') {
      this.tokenFromHub = undefined
      return send(200, envelope(null))
    }
    if (method === 'GET') return send(200, envelope(this.#ownCredentials(this.tokenFromHub)))
    return send(405, envelope(null, 2000, 'method not allowed'))
  }
}
