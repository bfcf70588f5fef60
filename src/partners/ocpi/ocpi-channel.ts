import { moduleOfEndpoint } from '../../core/modules.ts'
import type { HubIdentity } from '../../core/hub-identity.ts'
import type { Db } from '../../storage/database.ts'
import { outboundUrl, type OutboundPath } from '../../core/outbound-path.ts'
import { describeLosses } from '../../version-adapters/adapt.ts'
import { ConversionRefused } from '../../version-adapters/contract.ts'
import { CANONICAL_VERSION, type OcpiVersion } from '../../core/ocpi-versions.ts'
import type { MessageKinds } from '../../version-adapters/message-kinds.ts'
import { adaptAnswerData, adaptOutbound } from '../../version-adapters/outbound.ts'
import { versionOf } from '../../core/ocpi-versions.ts'
import type {
  PartnerAnswer,
  PartnerChannel,
  PartnerMessage,
  PartnerOutcome,
  PartnerPlatform,
} from '../partner-channel.ts'
import { PartnerCallError, type OcpiClient, type PartnerResponse } from './ocpi-client.ts'
import { outboundRoutingHeaders, rulesOf } from './version-rules.ts'

export interface OcpiChannelDeps {
  /** The converters read the hub's copies of Locations and Tokens that older versions embed or leave out. */
  readonly db: Db
  /** The hub's own URLs in a message are rewritten to the partner's version. */
  readonly hub: HubIdentity
  readonly client: OcpiClient
  /** COMMAND_RESULT_WAIT_SECONDS: the timeout the hub promises for a 2.1.1 CommandResponse, which has none. */
  readonly commandTimeoutSeconds: number
}

/** The message as it goes on the wire to a partner of an older version. */
interface Converted {
  readonly pathAndQuery: OutboundPath
  readonly bodyText: string | null | undefined
  readonly kinds: MessageKinds
  readonly losses: readonly string[]
}

/**
 * The OCPI implementation of the partner channel: the partner's endpoint for the module and interface, the
 * message converted to the partner's version as it is at send time, that version's token and routing-header
 * rules (version-rules.ts), the call through the OcpiClient, and the verdict on the answer.
 */
export class OcpiChannel implements PartnerChannel {
  readonly #deps: OcpiChannelDeps

  constructor(deps: OcpiChannelDeps) {
    this.#deps = deps
  }

  async deliver(partner: PartnerPlatform, message: PartnerMessage): Promise<PartnerOutcome> {
    const endpoint = partner.endpoints.find(
      (e) => moduleOfEndpoint(e.identifier) === message.module && e.role === message.interfaceRole,
    )
    const token = partner.outbound_token
    if ((!endpoint && !message.url) || !token) return { kind: 'no-endpoint' }
    const endpointUrl = endpoint ? endpoint.url.replace(/\/+$/, '') : ''
    const version = versionOf(partner)
    let converted: Converted | undefined
    if (version !== CANONICAL_VERSION) {
      const outcome = await this.#convert(version, message)
      if ('kind' in outcome) return outcome
      converted = outcome
    }
    let response: PartnerResponse
    try {
      response = await this.#deps.client.send({
        method: message.method,
        url: message.url ?? outboundUrl(endpointUrl, converted?.pathAndQuery ?? message.pathAndQuery),
        token,
        tokenEncoding: rulesOf(version).tokenEncoding,
        ...(converted ? { bodyText: converted.bodyText } : bodyOnTheWire(message)),
        correlationId: message.correlationId,
        headers: outboundRoutingHeaders(version, message.module, message.from, message.to),
        timeoutMs: message.timeoutMs,
        // For the message log: what changed on the way.
        note: converted && (describeLosses(version, converted.losses) ?? `Converted for OCPI ${version}`),
      })
    } catch (error) {
      if (!(error instanceof PartnerCallError)) throw error
      return { kind: 'failed', failure: error.failure, message: error.message }
    }
    let answer: PartnerAnswer = {
      httpStatus: response.httpStatus,
      envelope: response.envelope,
      headers: response.headers,
      endpointUrl,
      version,
      losses: converted?.losses ?? [],
    }
    if (converted && message.readsAnswer && response.envelope) {
      try {
        const data = await adaptAnswerData(
          this.#deps,
          version,
          message,
          converted.kinds,
          response.envelope.data,
          {
            owner: message.to,
            commandTimeout: this.#deps.commandTimeoutSeconds,
          },
        )
        answer = {
          ...answer,
          envelope: { ...response.envelope, data: data.value },
          losses: [...converted.losses, ...data.losses],
        }
      } catch (error) {
        if (!(error instanceof ConversionRefused)) throw error
        return { kind: 'conversion-refused', version, refusal: error }
      }
    }
    return judge(answer)
  }

  /**
   * The canonical message in the partner's version (which may have changed since a queued message was
   * stored), or why it is not sent: a module or object the version lacks, or a conversion that would
   * mislead the partner.
   */
  async #convert(version: OcpiVersion, message: PartnerMessage): Promise<Converted | PartnerOutcome> {
    try {
      const plan = await adaptOutbound(this.#deps, version, {
        module: message.module,
        interfaceRole: message.interfaceRole,
        method: message.method,
        pathAndQuery: message.pathAndQuery,
        body: canonicalValue(message),
      })
      if (!plan.send) return { kind: 'not-in-version', version, reason: plan.reason }
      return {
        pathAndQuery: plan.pathAndQuery,
        bodyText: plan.body === undefined ? null : JSON.stringify(plan.body),
        kinds: plan.kinds,
        losses: plan.losses,
      }
    } catch (error) {
      if (!(error instanceof ConversionRefused)) throw error
      return { kind: 'conversion-refused', version, refusal: error }
    }
  }
}

function canonicalValue(message: PartnerMessage): unknown {
  const { body } = message
  if ('value' in body) return body.value
  return body.json === null ? undefined : (JSON.parse(body.json) as unknown)
}

/** A canonical body as a 2.3.0 partner gets it: stored JSON text goes out as it is, unparsed. */
function bodyOnTheWire(message: PartnerMessage): { body?: unknown; bodyText?: string | null } {
  const { body } = message
  return 'value' in body ? { body: body.value } : { bodyText: body.json }
}

/**
 * What a partner's answer means for the message: accepted (2xx with a 1xxx status, or no envelope at all
 * from a lenient peer), worth another try (5xx, 408, 429, 3xxx, 4xxx), or refused for good (other 4xx,
 * 2xxx: sending it again cannot help).
 */
function judge(answer: PartnerAnswer): PartnerOutcome {
  const http = answer.httpStatus
  const status = answer.envelope?.status_code
  if (http >= 500 || http === 408 || http === 429) return refused(answer, false)
  if (http >= 400) return refused(answer, true)
  if (status === undefined || (status >= 1000 && status < 2000)) return { kind: 'delivered', answer }
  if (status >= 2000 && status < 3000) return refused(answer, true)
  return refused(answer, false)
}

function refused(answer: PartnerAnswer, final: boolean): PartnerOutcome {
  return { kind: 'refused', answer, final, retryAfterMs: retryAfter(answer) }
}

/** Retry-After in ms (seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfter(answer: PartnerAnswer): number | undefined {
  const header = answer.headers['retry-after']
  const value = Array.isArray(header) ? header[0] : header
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}
