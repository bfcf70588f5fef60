import { randomUUID } from 'node:crypto'
import { isIP } from 'node:net'
import { Agent, util as undiciUtil, type Dispatcher } from 'undici'
import type { EventSink } from '../../core/events.ts'
import { rememberLatest } from '../../core/remember-latest.ts'
import { encodeToken, hashToken } from '../../core/tokens.ts'
import { isEnvelope, type OcpiEnvelope } from '../../core/envelope.ts'
import type { HttpMethod, PartnerCallFailure } from '../partner-channel.ts'
import { isPrivateAddress, PeerAddressRefused } from './peer-address-guard.ts'
import { PartnerConnector, type OutboundTlsMaterial } from './partner-connector.ts'
import type { TokenEncoding } from './version-rules.ts'

export interface PartnerRequest {
  readonly method: HttpMethod
  readonly url: string
  /** The token the hub presents to this partner. */
  readonly token: string
  /** How the partner's version reads the Authorization token (version-rules.ts); Base64 when absent. */
  readonly tokenEncoding?: TokenEncoding
  readonly body?: unknown
  /** A body already serialised (queued deliveries): sent as it is. */
  readonly bodyText?: string | null
  readonly correlationId?: string | undefined
  readonly headers?: Readonly<Record<string, string>>
  readonly timeoutMs?: number
  /** For the message log: what the hub changed in this message on its way (a version conversion). */
  readonly note?: string | undefined
}

export interface PartnerResponse {
  readonly httpStatus: number
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  /** The partner's envelope; undefined when the body was not one. */
  readonly envelope: OcpiEnvelope | undefined
  /** X-Request-ID the hub sent with this request. */
  readonly requestId: string
}

export class PartnerCallError extends Error {
  override name = 'PartnerCallError'
  readonly failure: PartnerCallFailure
  constructor(failure: PartnerCallFailure, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.failure = failure
  }
}

/** One outbound call as it went (event `partner.exchange`, the message log). Never carries the token itself. */
export interface PartnerExchange {
  readonly startedAt: Date
  readonly durationMs: number
  readonly method: HttpMethod
  readonly url: string
  /** SHA-256 of the token presented: tells which platform was called without handing the token out. */
  readonly tokenHash: string
  /** The caller's extra headers (routing headers); never Authorization. */
  readonly headers: Readonly<Record<string, string>>
  readonly requestId: string
  readonly correlationId: string
  readonly requestBody: string | undefined
  /** Undefined when no answer came back: then `failure` says why. */
  readonly httpStatus: number | undefined
  readonly responseBody: string | undefined
  readonly ocpiStatus: number | undefined
  readonly failure: PartnerCallError | undefined
  readonly note: string | undefined
}

export interface OcpiClientOptions {
  readonly allowPrivatePeers: boolean
  readonly timeoutMs: number
  /** Largest answer body read (OUTBOUND_ANSWER_LIMIT_BYTES); a larger one fails the call. Default 10 MiB. */
  readonly maxAnswerBytes?: number
  /** Told about every call when it ends (`partner.exchange`: the message log). */
  readonly events?: EventSink<{ 'partner.exchange': PartnerExchange }> | undefined
  /** A client certificate for mutual TLS and extra CAs (OUTBOUND_TLS_*). */
  readonly tls?: OutboundTlsMaterial | undefined
}

/** Tokens remembered encoded and hashed: more than the partners of any hub. */
const KNOWN_TOKENS = 4_096

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT'])

/**
 * The only place the hub makes HTTP calls to partners: OCPI headers, the token, timeouts, keep-alive
 * connection pools per partner origin, the private-address guard, and failures sorted into a few kinds.
 *
 * @example
 * const res = await client.send({ method: 'GET', url: partner.versionsUrl, token, tokenEncoding: 'base64' })
 * if (res.envelope?.status_code === 1000) …
 */
export class OcpiClient {
  readonly #options: OcpiClientOptions
  readonly #agent: Agent
  readonly #connector: PartnerConnector
  // The hub presents the same few tokens on every call: encoded and hashed once each.
  readonly #encodedToken = rememberLatest(encodeToken, KNOWN_TOKENS)
  readonly #tokenHash = rememberLatest(hashToken, KNOWN_TOKENS)

  constructor(options: OcpiClientOptions) {
    this.#options = options
    this.#connector = new PartnerConnector(options)
    this.#agent = new Agent({ keepAliveTimeout: 30_000, connections: 64, connect: this.#connector.connect })
  }

  /** Replaces the client certificate and extra CAs (a reload): used by new connections. */
  useTls(tls: OutboundTlsMaterial): void {
    this.#connector.use(tls)
  }

  async send(call: PartnerRequest): Promise<PartnerResponse> {
    const startedAt = new Date()
    const started = performance.now()
    const timeoutMs = call.timeoutMs ?? this.#options.timeoutMs
    const requestId = randomUUID()
    const headers: Record<string, string> = {
      authorization: `Token ${call.tokenEncoding === 'raw' ? call.token : this.#encodedToken(call.token)}`,
      'x-request-id': requestId,
      'x-correlation-id': call.correlationId ?? randomUUID(),
      ...call.headers,
    }
    const body = call.bodyText ?? (call.body === undefined ? undefined : JSON.stringify(call.body))
    if (body !== undefined) headers['content-type'] = 'application/json'
    // The exchange is built only when someone listens (hashing the token costs); the bus keeps a failing
    // listener away from the call.
    const observe = (
      outcome: Pick<PartnerExchange, 'httpStatus' | 'responseBody' | 'ocpiStatus' | 'failure'>,
    ) => {
      const events = this.#options.events
      if (!events?.listens('partner.exchange')) return
      events.emit('partner.exchange', {
        startedAt,
        durationMs: performance.now() - started,
        method: call.method,
        url: call.url,
        tokenHash: this.#tokenHash(call.token),
        headers: call.headers ?? {},
        requestId: headers['x-request-id'] ?? requestId,
        correlationId: headers['x-correlation-id'] ?? '',
        requestBody: body,
        note: call.note,
        ...outcome,
      })
    }
    try {
      const url = this.#checkUrl(call.url)
      const answer = await exchange(this.#agent, {
        url,
        describedAs: call.url,
        method: call.method,
        headers,
        body,
        timeoutMs,
        maxAnswerBytes: this.#options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES,
      })
      const envelope = parseEnvelope(answer.text)
      observe({
        httpStatus: answer.statusCode,
        responseBody: answer.text,
        ocpiStatus: envelope?.status_code,
        failure: undefined,
      })
      return { httpStatus: answer.statusCode, headers: answer.headers, envelope, requestId }
    } catch (error) {
      const failure = error instanceof PartnerCallError ? error : classify(error, call.url, timeoutMs)
      observe({ httpStatus: undefined, responseBody: undefined, ocpiStatus: undefined, failure })
      throw failure
    }
  }

  async close(): Promise<void> {
    await this.#agent.close()
  }

  #checkUrl(raw: string): URL {
    let url: URL
    try {
      url = new URL(raw)
    } catch {
      throw new PartnerCallError('invalid-url', `not a valid URL: ${raw}`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new PartnerCallError('invalid-url', `only http and https URLs can be called: ${raw}`)
    }
    // An IP literal never goes through DNS, so the lookup guard cannot see it: check it here.
    const host = url.hostname.replace(/^\[|\]$/g, '')
    if (!this.#options.allowPrivatePeers && isIP(host) !== 0 && isPrivateAddress(host)) {
      throw new PartnerCallError('address-refused', new PeerAddressRefused(url.host, host).message)
    }
    return url
  }
}

const DEFAULT_MAX_ANSWER_BYTES = 10 * 1024 * 1024

/** One call as it goes on the wire. */
interface OutboundCall {
  readonly url: URL
  /** The URL as the caller gave it, for error messages. */
  readonly describedAs: string
  readonly method: HttpMethod
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | undefined
  readonly timeoutMs: number
  readonly maxAnswerBytes: number
}

/** A partner's answer as read: status, headers and the body as text. */
interface ReadAnswer {
  readonly statusCode: number
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  readonly text: string
}

/**
 * One call through the agent's pool for the URL's origin, over undici's handler interface rather than
 * `request()`, which costs an AsyncResource, a body stream and its events per call on the path every
 * routed message takes. The whole call has `timeoutMs` (failing with a `TimeoutError`, as
 * `AbortSignal.timeout` would). An answer over `maxAnswerBytes` (announced by Content-Length or found
 * while reading) is not read further: the call is aborted, which closes its connection (undici destroys
 * the socket of a request aborted half way), and fails with 'answer-too-large'. Keeps one hostile partner
 * from filling the hub's memory.
 */
function exchange(agent: Agent, call: OutboundCall): Promise<ReadAnswer> {
  return new Promise((resolve, reject) => {
    let abortCall: ((reason: Error) => void) | undefined
    let stoppedBy: Error | undefined
    let settled = false
    let statusCode = 0
    let answerHeaders: Record<string, string | string[] | undefined> = {}
    const chunks: Buffer[] = []
    let size = 0
    const settle = (error: Error | undefined) => {
      if (settled) return
      settled = true
      clearTimeout(deadline)
      if (error) reject(error)
      else resolve({ statusCode, headers: answerHeaders, text: Buffer.concat(chunks, size).toString('utf8') })
    }
    // Ends the call now; a call still waiting for a connection is aborted as soon as it gets one.
    const stop = (reason: Error) => {
      stoppedBy ??= reason
      abortCall?.(reason)
      settle(reason)
    }
    const tooLarge = () =>
      new PartnerCallError(
        'answer-too-large',
        `${call.describedAs} answered more than ${call.maxAnswerBytes} bytes (OUTBOUND_ANSWER_LIMIT_BYTES): the answer was cut off`,
      )
    const deadline = setTimeout(
      () => stop(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      call.timeoutMs,
    )
    const handler: Dispatcher.DispatchHandler = {
      onConnect(abort) {
        if (stoppedBy) abort(stoppedBy)
        else abortCall = abort
      },
      onHeaders(status, rawHeaders) {
        // 1xx: informational, the answer follows.
        if (status < 200) return true
        statusCode = status
        answerHeaders = undiciUtil.parseHeaders(rawHeaders)
        const announced = Number(answerHeaders['content-length'])
        if (Number.isFinite(announced) && announced > call.maxAnswerBytes) stop(tooLarge())
        return !settled
      },
      onData(chunk) {
        size += chunk.length
        // Stop reading the rest: an answer over the limit is refused, not downloaded.
        if (size > call.maxAnswerBytes) stop(tooLarge())
        else chunks.push(chunk)
        return !settled
      },
      onComplete() {
        settle(undefined)
      },
      onError(error) {
        settle(error)
      },
    }
    agent.dispatch(
      {
        origin: call.url.origin,
        path: `${call.url.pathname}${call.url.search}`,
        method: call.method,
        headers: call.headers,
        body: call.body,
        headersTimeout: call.timeoutMs,
        bodyTimeout: call.timeoutMs,
      },
      handler,
    )
  })
}

function parseEnvelope(text: string): OcpiEnvelope | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return isEnvelope(value) ? value : undefined
  } catch {
    return undefined
  }
}

/**
 * Errors raised by the hub's own process or machine, whichever partner it was calling: out of file
 * descriptors (per process, system-wide), memory, socket buffers or ephemeral ports.
 */
const LOCAL_RESOURCE_CODES = new Set(['EMFILE', 'ENFILE', 'ENOMEM', 'ENOBUFS', 'EADDRNOTAVAIL'])

/** Sorts an error of an outbound call into one of the PartnerCallFailure kinds. Exported for tests. */
export function classify(error: unknown, url: string, timeoutMs: number): PartnerCallError {
  const chain: unknown[] = []
  for (let e: unknown = error; e instanceof Error && chain.length < 5; e = e.cause) chain.push(e)
  const refused = chain.find((e) => e instanceof PeerAddressRefused)
  if (refused instanceof PeerAddressRefused) return new PartnerCallError('address-refused', refused.message)
  const localCode = chain
    .map((e) => (e as { code?: unknown }).code)
    .find((code): code is string => typeof code === 'string' && LOCAL_RESOURCE_CODES.has(code))
  if (localCode) {
    return new PartnerCallError(
      'local-resource',
      `the hub could not call ${url}: it is out of a local resource (${localCode}), not a failure of the partner`,
      { cause: error },
    )
  }
  const timedOut = chain.some(
    (e) =>
      e instanceof Error &&
      (e.name === 'TimeoutError' || TIMEOUT_CODES.has((e as { code?: string }).code ?? '')),
  )
  if (timedOut)
    return new PartnerCallError('timeout', `${url} did not answer within ${timeoutMs} ms`, { cause: error })
  const code = chain.map((e) => (e as { code?: string }).code).find(Boolean)
  const reason = code ?? (error instanceof Error ? error.message : String(error))
  return new PartnerCallError('unreachable', `${url} could not be reached (${reason})`, { cause: error })
}
