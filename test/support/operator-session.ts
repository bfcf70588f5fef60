import { expect } from 'vitest'
import { call, type HttpResult } from './http.ts'
import type { TestHub } from './test-hub.ts'

export interface OperatorView {
  id: string
  email: string
  role: 'admin' | 'viewer'
  created_at: string
}

export interface SessionBody {
  operator: { id: string; email: string; role: 'admin' | 'viewer' }
  csrf_token: string
}

/** An operator signed in over HTTP: calls the admin API with its cookie, and the CSRF header unless told not to. */
export interface OperatorSession {
  readonly cookie: string
  readonly csrfToken: string
  readonly body: SessionBody
  /** `csrf: false` leaves the X-CSRF-Token header out; a string sends that instead of the session's. */
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    options?: { csrf?: boolean | string },
  ): Promise<HttpResult<T>>
}

/** Creates an operator with the admin token (`POST /admin/operators`). */
export async function createOperator(
  hub: TestHub,
  email: string,
  password: string,
  role: 'admin' | 'viewer',
): Promise<OperatorView> {
  const created = await hub.admin<OperatorView>('POST', '/operators', { email, password, role })
  expect(created.status, created.text).toBe(201)
  return created.body
}

export function signInRequest(hubUrl: string, email: string, password: string) {
  return call<SessionBody>(`${hubUrl}/admin/session`, { method: 'POST', body: { email, password } })
}

/** `hub_session=<token>` from a Set-Cookie header, as the browser would send it back. */
export function sessionCookieOf(response: HttpResult<unknown>): string | undefined {
  const setCookie = response.headers.getSetCookie().find((line) => line.startsWith('hub_session='))
  return setCookie?.split(';')[0]
}

export function sessionFor(hubUrl: string, cookie: string, body: SessionBody): OperatorSession {
  return {
    cookie,
    csrfToken: body.csrf_token,
    body,
    call: (method, path, requestBody, options = {}) => {
      const headers: Record<string, string> = { cookie }
      const csrf = options.csrf ?? true
      if (csrf !== false) headers['x-csrf-token'] = csrf === true ? body.csrf_token : csrf
      return call(`${hubUrl}/admin${path}`, { method, headers, body: requestBody })
    },
  }
}

/** Signs in and expects it to work. */
export async function signIn(hubUrl: string, email: string, password: string): Promise<OperatorSession> {
  const response = await signInRequest(hubUrl, email, password)
  expect(response.status, response.text).toBe(200)
  const cookie = sessionCookieOf(response)
  expect(cookie).toBeDefined()
  return sessionFor(hubUrl, cookie!, response.body)
}
