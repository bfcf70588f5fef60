import type { HubIdentity } from '../core/hub-identity.ts'
import { hasModule, type InterfaceRole, type ModuleId } from '../core/modules.ts'
import type { Db } from '../storage/database.ts'
import { outboundPath, readOutboundPath, type OutboundPath } from '../core/outbound-path.ts'
import { adaptIn, adaptOut, type InboundFacts } from './adapt.ts'
import { ConversionRefused } from './contract.ts'
import type { OcpiVersion } from '../core/ocpi-versions.ts'
import { supportsKind } from './converters.ts'
import { messageKinds, pathSegments, type MessageKinds } from './message-kinds.ts'

/** One request the hub is about to send, in canonical 2.3.0 terms. */
export interface OutboundCall {
  readonly module: ModuleId
  readonly interfaceRole: InterfaceRole
  readonly method: string
  /** Below the receiver's interface URL, query included (`/NL/ABC/LOC1`, `?offset=10`); '' for a full URL. */
  readonly pathAndQuery: OutboundPath
  readonly body: unknown
}

/** The same request in the receiver's version, or why it must not be sent to that receiver at all. */
export type OutboundPlan =
  | {
      readonly send: true
      readonly pathAndQuery: OutboundPath
      readonly body: unknown
      /** Information the receiver's version cannot carry (the sender or the message log is told). */
      readonly losses: readonly string[]
      readonly kinds: MessageKinds
    }
  | { readonly send: false; readonly reason: string }

export interface AdapterDeps {
  readonly db: Db
  readonly hub: HubIdentity
}

/**
 * The hub's own URLs handed to a receiver (callbacks in place of `response_url`) must be those of the
 * receiver's version, so that its answer comes back through the matching adapters.
 */
export function rewriteHubUrls(text: string, hub: HubIdentity, version: OcpiVersion): string {
  return text.replaceAll(`${hub.ocpiBaseUrl}/2.3.0/`, `${hub.ocpiBaseUrl}/${version}/`)
}

/** The same path (the segments are never changed) with the hub URLs in its query rewritten. */
function rewriteQueryUrls(pathAndQuery: OutboundPath, hub: HubIdentity, version: OcpiVersion): OutboundPath {
  const { segments, query } = readOutboundPath(pathAndQuery)
  if (query.size === 0) return pathAndQuery
  for (const [name, value] of query) query.set(name, rewriteHubUrls(value, hub, version))
  return outboundPath(segments, query)
}

/**
 * Converts an outbound request from canonical 2.3.0 to the receiver's version at send time (the receiver
 * may have changed version while the message waited). A module or object the version lacks is not sent.
 * Throws ConversionRefused when the converted object would mislead the receiver.
 */
export async function adaptOutbound(
  deps: AdapterDeps,
  version: OcpiVersion,
  call: OutboundCall,
): Promise<OutboundPlan> {
  if (!hasModule(version, call.module)) {
    return { send: false, reason: `OCPI ${version} has no ${call.module} module` }
  }
  const kinds = messageKinds(call.module, call.interfaceRole, call.method, pathSegments(call.pathAndQuery))
  for (const kind of [kinds.request, kinds.answer]) {
    if (kind && !supportsKind(version, kind)) {
      return { send: false, reason: `OCPI ${version} has no ${kind} object` }
    }
  }
  const pathAndQuery = rewriteQueryUrls(call.pathAndQuery, deps.hub, version)
  if (!kinds.request || call.body === undefined || call.body === null) {
    return { send: true, pathAndQuery, body: call.body, losses: [], kinds }
  }
  const converted = await adaptOut(deps.db, version, kinds.request, call.body, call.method === 'PATCH')
  const body: unknown = JSON.parse(rewriteHubUrls(JSON.stringify(converted.value), deps.hub, version))
  return { send: true, pathAndQuery, body, losses: converted.losses, kinds }
}

/** A receiver's answer data in its version → canonical, so the hub and the requester's adapter can use it. */
export async function adaptAnswerData(
  deps: AdapterDeps,
  version: OcpiVersion,
  call: OutboundCall,
  kinds: MessageKinds,
  data: unknown,
  facts: Omit<InboundFacts, 'partial' | 'tokenUid'>,
): Promise<{ value: unknown; losses: readonly string[] }> {
  if (!kinds.answer || data === undefined || data === null) return { value: data, losses: [] }
  // An authorization answer is about the token in the request path: `/{token_uid}/authorize`.
  const tokenUid = kinds.answer === 'AuthorizationInfo' ? pathSegments(call.pathAndQuery)[0] : undefined
  return adaptIn(deps.db, version, kinds.answer, data, { ...facts, partial: false, tokenUid })
}

/**
 * The receiver versions among `versions` that could not carry this push without misleading the receiver,
 * each with the reason (the field and why). Each version present is tried once; 2.3.0 carries everything.
 */
export async function versionsUnableToCarry(
  deps: AdapterDeps,
  versions: Iterable<OcpiVersion>,
  call: OutboundCall,
): Promise<ReadonlyMap<OcpiVersion, string>> {
  const refused = new Map<OcpiVersion, string>()
  for (const version of new Set(versions)) {
    if (version === '2.3.0') continue
    try {
      await adaptOutbound(deps, version, call)
    } catch (error) {
      if (!(error instanceof ConversionRefused)) throw error
      refused.set(version, `${error.field}: ${error.message}`)
    }
  }
  return refused
}
