import { encodeToken } from '../../src/core/tokens.ts'

export interface HttpResult<T = unknown> {
  readonly status: number
  readonly headers: Headers
  readonly body: T
  readonly text: string
}

export interface OcpiEnvelopeBody {
  data?: unknown
  status_code: number
  status_message?: string
  timestamp: string
}

export interface CallOptions {
  readonly method?: string
  /** Sent as `Authorization: Token <base64(token)>`. */
  readonly token?: string
  /** Sent as `Authorization: Token <token>` (2.1.1-style raw token). */
  readonly rawToken?: string
  readonly headers?: Record<string, string>
  /** A value is sent as JSON; a string is sent as it is. */
  readonly body?: unknown
}

/** One HTTP call as a partner or an operator makes it; the body is parsed as JSON when it is JSON. */
export async function call<T = OcpiEnvelopeBody>(
  url: string,
  options: CallOptions = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...options.headers }
  if (options.token !== undefined) headers['authorization'] = `Token ${encodeToken(options.token)}`
  if (options.rawToken !== undefined) headers['authorization'] = `Token ${options.rawToken}`
  let body: string | undefined
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
    headers['content-type'] ??= 'application/json'
  }
  const response = await fetch(url, { method: options.method ?? 'GET', headers, body })
  const text = await response.text()
  let parsed: unknown = undefined
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    parsed = undefined
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text }
}
