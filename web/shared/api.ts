/**
 * The hub's admin API from a page of the hub: same origin, the operator's session cookie, and the CSRF token
 * the session handed out on every change. Errors come back as ApiError with a sentence for people.
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

/** An RFC 9457 problem document, as every admin error is. */
interface Problem {
  readonly title?: string
  readonly status?: number
  readonly detail?: string
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

export class AdminApi {
  private csrfToken: string | undefined
  /** Called when the hub says the session ended (401), so the page can show the sign-in form. */
  onSignedOut: (() => void) | undefined

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (UNSAFE_METHODS.has(method) && this.csrfToken) headers['x-csrf-token'] = this.csrfToken
    let response: Response
    try {
      response = await fetch(`/admin${path}`, {
        method,
        headers,
        credentials: 'same-origin',
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    } catch {
      throw new ApiError(0, 'NETWORK', 'The hub cannot be reached. Check the connection and try again.')
    }
    const text = await response.text()
    const parsed: unknown = text ? JSON.parse(text) : undefined
    if (!response.ok) {
      const problem = (parsed ?? {}) as Problem
      if (response.status === 401 && path !== '/session') this.onSignedOut?.()
      throw new ApiError(
        response.status,
        problem.title ?? `HTTP_${response.status}`,
        problem.detail ? sentence(problem.detail) : plainWords(response.status),
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

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body)
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path)
  }

  async signIn(email: string, password: string): Promise<Session> {
    const session = await this.request<Session>('POST', '/session', { email, password })
    this.csrfToken = session.csrf_token
    return session
  }

  /** The session of the cookie this browser holds, or undefined when it is signed out. */
  async currentSession(): Promise<Session | undefined> {
    try {
      const session = await this.request<Session>('GET', '/session')
      this.csrfToken = session.csrf_token
      return session
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return undefined
      throw error
    }
  }

  async signOut(): Promise<void> {
    await this.request('DELETE', '/session')
    this.csrfToken = undefined
  }
}

/** The hub's details start in lower case ("no platform nope"): shown alone, they read better as a sentence. */
function sentence(text: string): string {
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
