/**
 * The front ends' API clients: the hub's admin API (AdminApi) and, through JsonApi, the marketplace's
 * members' API (web/app/market-api.ts, web/owner/market-api.ts). Errors come back as ApiError with a
 * sentence for people.
 */

export type OperatorRole = 'admin' | 'viewer'

export interface Operator {
  readonly id: string
  readonly email: string
  readonly role: OperatorRole
}

export interface Session {
  readonly operator: Operator
  readonly csrf_token: string
}

export class ApiError extends Error {
  override name = 'ApiError'
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** An answer that was not a success, as far as its body said. */
export interface Refusal {
  readonly status: number
  /** The server's own message (RFC 9457 `detail`, the marketplace's `message`), when it gave one. */
  readonly message: string | undefined
  /** A 401 outside the sign-in paths: the session ended. */
  readonly sessionEnded: boolean
}

/** How one front end talks to its server's JSON API, and what its people read when that fails. */
export interface JsonApiSettings {
  /** Where every path is below: /admin (the hub), /api (the marketplace). */
  readonly base: string
  /** The members of an error body that hold its code and its message: RFC 9457's or the marketplace's. */
  readonly problem: { readonly code: string; readonly message: string }
  /** Where a 401 means wrong credentials, not a session that ended. */
  readonly signInPaths: ReadonlySet<string>
  /** What people read when the server cannot be reached. */
  readonly unreachable: string
  /** What people read for a refusal. */
  readonly wordsFor: (refusal: Refusal) => string
}

/**
 * A JSON API on the page's own origin, the session in a cookie. A body is sent as JSON, or as it is when it
 * is a Blob (a photo). Errors come back as ApiError with a sentence for people.
 */
export class JsonApi {
  /** Called when the server says the session ended (401), so the page can show the sign-in form. */
  onSignedOut: (() => void) | undefined

  constructor(private readonly settings: JsonApiSettings) {}

  /** Headers a page adds to a call of `method` (the hub's CSRF token on a change). */
  protected headersFor(_method: string): Record<string, string> {
    return {}
  }

  async request<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...this.headersFor(method) }
    if (body !== undefined) headers['content-type'] = contentType ?? 'application/json'
    let response: Response
    try {
      response = await fetch(`${this.settings.base}${path}`, {
        method,
        headers,
        credentials: 'same-origin',
        body: body === undefined ? undefined : body instanceof Blob ? body : JSON.stringify(body),
      })
    } catch {
      throw new ApiError(0, 'NETWORK', this.settings.unreachable)
    }
    const text = await response.text()
    let parsed: unknown
    try {
      parsed = text ? JSON.parse(text) : undefined
    } catch {
      // Not JSON (a proxy's error page): the status alone says what happened.
      parsed = undefined
    }
    if (!response.ok) {
      const problem = (parsed ?? {}) as Record<string, unknown>
      const code = problem[this.settings.problem.code]
      const message = problem[this.settings.problem.message]
      const sessionEnded = response.status === 401 && !this.settings.signInPaths.has(path)
      if (sessionEnded) this.onSignedOut?.()
      throw new ApiError(
        response.status,
        typeof code === 'string' ? code : `HTTP_${response.status}`,
        this.settings.wordsFor({
          status: response.status,
          message: typeof message === 'string' && message !== '' ? message : undefined,
          sessionEnded,
        }),
      )
    }
    return parsed as T
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path)
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body)
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body)
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body)
  }

  delete<T = void>(path: string): Promise<T> {
    return this.request<T>('DELETE', path)
  }
}

/** What `call` answers, or undefined when the server says this browser is signed out (401). */
export async function unlessSignedOut<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return undefined
    throw error
  }
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** What an operator should read for an answer the hub gave without a usable `detail`. */
function plainWords(status: number): string {
  if (status === 401) return 'You are signed out. Sign in again.'
  if (status === 403) return 'Your account may look but not change anything.'
  if (status === 404) return 'It is no longer there: someone may have removed it. Reload the page.'
  if (status === 409) return 'That cannot be done in its current state. Reload the page and look again.'
  if (status === 429) return 'Too many tries. Wait a minute and try again.'
  if (status >= 500) return 'The hub could not do it. Try again shortly; the hub log says why.'
  return 'The hub refused the request.'
}

/**
 * The hub's admin API from a page of the hub: same origin, the operator's session cookie, and the CSRF token
 * the session handed out on every change. Errors are RFC 9457 problem documents.
 */
export class AdminApi extends JsonApi {
  private csrfToken: string | undefined

  constructor() {
    super({
      base: '/admin',
      problem: { code: 'title', message: 'detail' },
      signInPaths: new Set(['/session']),
      unreachable: 'The hub cannot be reached. Check the connection and try again.',
      wordsFor: ({ status, message }) => (message ? sentence(message) : plainWords(status)),
    })
  }

  protected override headersFor(method: string): Record<string, string> {
    return UNSAFE_METHODS.has(method) && this.csrfToken ? { 'x-csrf-token': this.csrfToken } : {}
  }

  async signIn(email: string, password: string): Promise<Session> {
    const session = await this.request<Session>('POST', '/session', { email, password })
    this.csrfToken = session.csrf_token
    return session
  }

  /** The session of the cookie this browser holds, or undefined when it is signed out. */
  async currentSession(): Promise<Session | undefined> {
    const session = await unlessSignedOut(this.request<Session>('GET', '/session'))
    if (session) this.csrfToken = session.csrf_token
    return session
  }

  async signOut(): Promise<void> {
    await this.request('DELETE', '/session')
    this.csrfToken = undefined
  }
}

/** A server's messages start in lower case ("no platform nope"): shown alone, they read better as a sentence. */
export function sentence(text: string): string {
  const trimmed = text.trim()
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1)
  return /[.!?]$/.test(capital) ? capital : `${capital}.`
}

/** `?a=1&b=2` from the members that have a value, or '' when none has. */
export function query(parameters: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined && value !== '') search.set(name, String(value))
  }
  const text = search.toString()
  return text ? `?${text}` : ''
}
