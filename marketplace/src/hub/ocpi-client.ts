import { randomUUID } from 'node:crypto'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { encodeToken } from '../../../src/core/tokens.ts'

/** The OCPI response envelope (transport_and_format.asciidoc), as far as the marketplace reads it. */
export const Envelope = Type.Object({
  data: Type.Optional(Type.Unknown()),
  status_code: Type.Integer(),
  status_message: Type.Optional(Type.String()),
})
export type Envelope = Static<typeof Envelope>

/** An OCPI call that did not get a 1000 answer, in words; `statusCode` when the other side answered one. */
export class OcpiCallFailed extends Error {
  readonly statusCode: number | undefined

  constructor(message: string, statusCode?: number) {
    super(message)
    this.statusCode = statusCode
  }

  /** 2xxx: the other side refused the request itself, so sending it again cannot help. */
  get refused(): boolean {
    return this.statusCode !== undefined && this.statusCode >= 2000 && this.statusCode < 3000
  }
}

type CallOptions = { method?: string; body?: unknown; headers?: Record<string, string> }

/**
 * One OCPI 2.3.0 call to the hub with `Token base64(token)`, a fresh request id, and the given routing
 * headers; returns the envelope's data when the hub answered 1000.
 */
export async function callHub(url: string, token: string, options: CallOptions = {}): Promise<unknown> {
  return (await answerOfHub(url, token, options)).data
}

/** A page of a GET of an OCPI list: its objects, and the next page's URL from the `Link` header. */
export async function pageOfHub(
  url: string,
  token: string,
  headers: Record<string, string>,
): Promise<{ readonly objects: unknown[]; readonly next: string | undefined }> {
  const answer = await answerOfHub(url, token, { headers })
  if (!Array.isArray(answer.data)) throw new OcpiCallFailed(`GET ${url}: the answer's data is not a list`)
  const next = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(answer.response.headers.get('link') ?? '')?.[1]
  return { objects: answer.data, next }
}

async function answerOfHub(
  url: string,
  token: string,
  options: CallOptions,
): Promise<{ readonly data: unknown; readonly response: Response }> {
  const requestId = randomUUID()
  let response: Response
  try {
    response = await fetch(url, {
      method: options.method ?? 'GET',
      headers: {
        authorization: `Token ${encodeToken(token)}`,
        'x-request-id': requestId,
        'x-correlation-id': requestId,
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(10_000),
    })
  } catch (error) {
    throw new OcpiCallFailed(
      `${options.method ?? 'GET'} ${url}: no answer (${String(error instanceof Error && error.cause ? error.cause : error)})`,
    )
  }
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  if (!Value.Check(Envelope, body))
    throw new OcpiCallFailed(`${options.method ?? 'GET'} ${url}: HTTP ${response.status}, not an OCPI answer`)
  if (body.status_code !== 1000)
    throw new OcpiCallFailed(
      `${options.method ?? 'GET'} ${url}: HTTP ${response.status}, status ${body.status_code} ${body.status_message ?? ''}`.trim(),
      body.status_code,
    )
  return { data: body.data, response }
}

/** The envelope the marketplace answers with. */
export function envelope(data: unknown, status_code = 1000, status_message?: string) {
  return {
    ...(data === undefined ? {} : { data }),
    status_code,
    ...(status_message === undefined ? {} : { status_message }),
    timestamp: new Date().toISOString(),
  }
}
