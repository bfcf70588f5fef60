import type { PartyRef } from '../core/party.ts'
import type { InterfaceRole, ModuleId } from '../core/modules.ts'
import type { EndpointRow } from '../storage/tables.ts'
import type { OcpiEnvelope } from '../core/envelope.ts'
import type { OutboundPath } from '../core/outbound-path.ts'
import type { ConversionRefused } from '../version-adapters/contract.ts'
import type { OcpiVersion } from '../core/ocpi-versions.ts'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/** Why a call to a partner failed before a usable answer came back. */
export type PartnerCallFailure =
  | 'address-refused'
  | 'invalid-url'
  | 'unreachable'
  | 'timeout'
  /** The answer was larger than OUTBOUND_ANSWER_LIMIT_BYTES: cut off, not used. */
  | 'answer-too-large'
  /** The hub itself ran out of something (file descriptors, memory, socket buffers, local ports): the partner is not at fault. */
  | 'local-resource'

/**
 * The partner a message goes to, as the party directory knows it: the version it registered in, its
 * endpoints and the token the hub presents to it.
 */
export interface PartnerPlatform {
  readonly id: string
  readonly version: string | null
  readonly endpoints: readonly EndpointRow[]
  readonly outbound_token: string | null
}

/**
 * A canonical (OCPI 2.3.0) body: a value, or JSON text as the delivery queue stores it, which a 2.3.0
 * partner is sent without parsing it again. `json: null` is a message without a body.
 */
export type CanonicalBody = { readonly value: unknown } | { readonly json: string | null }

/** "Deliver this canonical message to this party": what the hub means, not how a protocol spells it. */
export interface PartnerMessage {
  readonly module: ModuleId
  /** The interface of the partner to call. */
  readonly interfaceRole: InterfaceRole
  readonly method: HttpMethod
  /** Below the module's interface, with the query (outboundPath): `/NL/ABC/LOC1`, `?offset=10`. */
  readonly pathAndQuery: OutboundPath
  /** A full URL the partner handed out earlier (a CDR `Location`, a `response_url`), instead of its endpoint. */
  readonly url?: string | undefined
  readonly body: CanonicalBody
  readonly from: PartyRef
  readonly to: PartyRef
  readonly correlationId: string
  /** Time the partner has to answer; OUTBOUND_TIMEOUT_MS when absent. */
  readonly timeoutMs?: number | undefined
  /**
   * The caller uses the answer's data (a forward relays it): it is converted back to canonical. Queued
   * deliveries only judge the answer, and skip that work.
   */
  readonly readsAnswer: boolean
}

/** The partner's answer, its data canonical when the message `readsAnswer`. */
export interface PartnerAnswer {
  readonly httpStatus: number
  /** Undefined when the body was not an OCPI envelope. */
  readonly envelope: OcpiEnvelope | undefined
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  /** The partner's endpoint URL for the module, without trailing `/` ('' when only a full URL was called). */
  readonly endpointUrl: string
  /** The partner's version, and what converting the message and its answer lost. */
  readonly version: OcpiVersion
  readonly losses: readonly string[]
}

/** What became of one message. Nothing is thrown for these; only the hub's own faults (its store) throw. */
export type PartnerOutcome =
  /** Accepted: 2xx with a 1xxx status, or 2xx without an envelope from a lenient partner. */
  | { readonly kind: 'delivered'; readonly answer: PartnerAnswer }
  /**
   * The partner answered, but not with success. `final` when sending the message again cannot help (4xx,
   * 2xxx); otherwise it may pass (5xx, 408, 429, 3xxx, 4xxx). `retryAfterMs`: its Retry-After, when it sent one.
   */
  | {
      readonly kind: 'refused'
      readonly answer: PartnerAnswer
      readonly final: boolean
      readonly retryAfterMs: number | undefined
    }
  /** The partner offers no endpoint for this module and interface, or the hub holds no token for it. */
  | { readonly kind: 'no-endpoint' }
  /** The partner's version has no such module or object: nothing was sent. */
  | { readonly kind: 'not-in-version'; readonly version: OcpiVersion; readonly reason: string }
  /**
   * The message (or, for a caller that reads it, the answer) cannot be carried across the partner's version
   * without misleading: the request was not sent, or the answer not used.
   */
  | {
      readonly kind: 'conversion-refused'
      readonly version: OcpiVersion
      readonly refusal: ConversionRefused
    }
  /** No usable answer: the call failed before one came back (`message` names the URL and the cause). */
  | { readonly kind: 'failed'; readonly failure: PartnerCallFailure; readonly message: string }

/**
 * The one way the hub sends a message to a partner, for synchronous forwards and queued deliveries alike:
 * endpoint lookup, conversion to the partner's protocol and version, its token and header rules, and the
 * verdict on the answer. The OCPI implementation is src/partners/ocpi/ocpi-channel.ts.
 */
export interface PartnerChannel {
  deliver(partner: PartnerPlatform, message: PartnerMessage): Promise<PartnerOutcome>
}
