import { randomUUID } from 'node:crypto'
import { Agent, request } from 'undici'
import type { EventSink } from '../../core/events.ts'
import { classify, PartnerCallError, type PartnerExchange } from '../ocpi/ocpi-client.ts'
import { PartnerConnector, type OutboundTlsMaterial } from '../ocpi/partner-connector.ts'

/**
 * The bridge's HTTP client for the Hubject Brokering System: every OICP operation is a POST of JSON below
 * the base URL (OICP_BASE_URL), over mutual TLS with the certificate from Hubject onboarding (OICP_CERT_FILE).
 * No token: HBS knows the hub by its certificate. Every call reaches the message log as a
 * `partner.exchange`, with the correlation id of the OCPI message that caused it.
 */

export interface OicpClientOptions {
  readonly baseUrl: string
  readonly allowPrivatePeers: boolean
  readonly timeoutMs: number
  readonly maxAnswerBytes: number
  readonly tls: OutboundTlsMaterial
  readonly events?: EventSink<{ 'partner.exchange': PartnerExchange }> | undefined
}

export interface OicpCall {
  /** Below the base URL, query included: `/evsepush/v23/operators/DE*ABC/data-records`. */
  readonly path: string
  readonly body: unknown
  readonly correlationId: string
  /**
   * Names the bridge's platform in the message log, which knows receivers by the hash of the token the hub
   * presents (the bridge presents none: the hash of its platform's placeholder token).
   */
  readonly receiverTokenHash: string
  /** For the message log: what the bridge left out or changed on the way (refused EVSEs). */
  readonly note?: string | undefined
}

export interface OicpAnswer {
  readonly httpStatus: number
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  /** The answer parsed as JSON; undefined when it was not JSON. */
  readonly json: unknown
}

export class OicpClient {
  readonly #options: OicpClientOptions
  #agent: Agent
  readonly #connector: PartnerConnector

  constructor(options: OicpClientOptions) {
    this.#options = options
    this.#connector = new PartnerConnector(options)
    this.#agent = this.#newAgent()
  }

  /**
   * Replaces the client certificate and extra CAs (a reload, src/operations/certificate-reload.ts). Unlike
   * the partners' pool, the connections to HBS are replaced too: HBS is one host that a busy bridge keeps
   * a connection open to for good, so only the next call shows whether Hubject accepts the new certificate.
   */
  useTls(tls: OutboundTlsMaterial): void {
    this.#connector.use(tls)
    const previous = this.#agent
    this.#agent = this.#newAgent()
    // Calls under way finish on their connections; close() waits for them.
    void previous.close()
  }

  #newAgent(): Agent {
    return new Agent({ keepAliveTimeout: 30_000, connections: 8, connect: this.#connector.connect })
  }

  /** How long a call may take before the bridge gives up on it. */
  get timeoutMs(): number {
    return this.#options.timeoutMs
  }

  get baseUrl(): string {
    return this.#options.baseUrl
  }

  /** POSTs one OICP message; throws PartnerCallError when no answer came back. */
  async post(call: OicpCall): Promise<OicpAnswer> {
    const url = `${this.#options.baseUrl}${call.path}`
    const requestId = randomUUID()
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json',
      'x-request-id': requestId,
      'x-correlation-id': call.correlationId,
    }
    const body = JSON.stringify(call.body)
    const startedAt = new Date()
    const started = performance.now()
    const observe = (outcome: Pick<PartnerExchange, 'httpStatus' | 'responseBody' | 'failure'>) => {
      const events = this.#options.events
      if (!events?.listens('partner.exchange')) return
      events.emit('partner.exchange', {
        startedAt,
        durationMs: performance.now() - started,
        method: 'POST',
        url,
        tokenHash: call.receiverTokenHash,
        headers: {},
        requestId,
        correlationId: call.correlationId,
        requestBody: body,
        ocpiStatus: undefined,
        note: call.note,
        ...outcome,
      })
    }
    try {
      const answer = await request(url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.#agent,
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      })
      const text = await answer.body.text()
      if (Buffer.byteLength(text) > this.#options.maxAnswerBytes) {
        throw new PartnerCallError(
          'answer-too-large',
          `${url} answered more than ${this.#options.maxAnswerBytes} bytes`,
        )
      }
      observe({ httpStatus: answer.statusCode, responseBody: text, failure: undefined })
      return { httpStatus: answer.statusCode, headers: answer.headers, json: parseJson(text) }
    } catch (error) {
      const failure =
        error instanceof PartnerCallError ? error : classify(error, url, this.#options.timeoutMs)
      observe({ httpStatus: undefined, responseBody: undefined, failure })
      throw failure
    }
  }

  async close(): Promise<void> {
    await this.#agent.close()
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}
