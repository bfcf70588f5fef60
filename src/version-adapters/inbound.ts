import type { FastifyInstance, FastifyRequest } from 'fastify'
import { OcpiError } from '../core/errors.ts'
import type { HubContext } from '../hub-context.ts'
import { isModuleId, MODULE_FACTS, type InterfaceRole, type ModuleId } from '../core/modules.ts'
import { loadRequester } from '../routing/requester.ts'
import { partnerOf } from '../transport/authorization.ts'
import { isEnvelope } from '../core/envelope.ts'
import { adaptIn, adaptOut, describeLosses, refusalAsOcpiError, withLossNote } from './adapt.ts'
import type { OcpiVersion } from '../core/ocpi-versions.ts'
import { supportsKind } from './converters.ts'
import { messageKinds, pathSegments, type MessageKinds } from './message-kinds.ts'

/** A request under a version prefix other than 2.3.0, as the adapters read it. */
interface VersionedCall {
  readonly module: ModuleId
  readonly interfaceRole: InterfaceRole
  readonly segments: readonly string[]
  readonly kinds: MessageKinds
  /** What converting the request lost, told in the answer's status_message. */
  readonly losses: string[]
}

declare module 'fastify' {
  interface FastifyRequest {
    versionedCall: VersionedCall | undefined
  }
}

/** `/ocpi/2.2.1/receiver/locations/NL/ABC/LOC1` → a Location PUT/PATCH/GET; credentials and details: none. */
function readCall(url: string, method: string, version: OcpiVersion): VersionedCall | undefined {
  const [side, module, ...segments] = pathSegments(url.slice(`/ocpi/${version}`.length))
  if ((side !== 'sender' && side !== 'receiver') || !isModuleId(module)) return undefined
  const interfaceRole = side === 'sender' ? 'SENDER' : 'RECEIVER'
  const kinds = messageKinds(module, interfaceRole, method, segments)
  return { module, interfaceRole, segments, kinds, losses: [] }
}

/**
 * Owner of an object the caller sends: the URL's `{country_code}/{party_id}`, else the caller's own party
 * (a 2.1.1 platform has exactly one). 2.1.1 objects do not carry it; later versions do.
 */
async function ownerOf(
  context: HubContext,
  request: FastifyRequest,
  call: VersionedCall,
  version: OcpiVersion,
): Promise<{ country_code: string; party_id: string } | undefined> {
  const [countryCode, partyId] = call.segments
  if (
    call.interfaceRole === 'RECEIVER' &&
    MODULE_FACTS[call.module].ownerInReceiverUrl &&
    countryCode &&
    partyId
  ) {
    return { country_code: countryCode.toUpperCase(), party_id: partyId.toUpperCase() }
  }
  if (version !== '2.1.1') return undefined
  const [party] = loadRequester(context.directory, partnerOf(request)).parties
  return party && { country_code: party.country_code, party_id: party.party_id }
}

/**
 * The edge of one older version: the module routes registered under `/ocpi/{version}` run exactly the
 * 2.3.0 handlers, and these hooks translate around them. The body is converted to canonical 2.3.0 before
 * schema validation (a refused conversion is 2001, and nothing is stored or sent), the answer's `data`
 * back to the caller's version before serialisation, with what was lost told in `status_message`, and the
 * hub's own URLs in `Location` and `Link` point at the caller's version. Registered only in the older
 * versions' scopes: 2.3.0 requests never run them.
 */
export function registerVersionAdapters(
  app: FastifyInstance,
  context: HubContext,
  version: OcpiVersion,
): void {
  app.decorateRequest('versionedCall', undefined)
  const hubBase230 = `${context.hub.ocpiBaseUrl}/2.3.0/`
  const hubBase = `${context.hub.ocpiBaseUrl}/${version}/`

  app.addHook('preValidation', async (request) => {
    const call = readCall(request.url, request.method, version)
    if (!call) return
    request.versionedCall = call
    const kind = call.kinds.request
    if (!kind || typeof request.body !== 'object' || request.body === null) return
    if (!supportsKind(version, kind)) {
      throw new OcpiError('HUB_ERR_INVALID_PARAMETERS', `OCPI ${version} has no ${kind}`)
    }
    const owner = await ownerOf(context, request, call, version)
    try {
      const converted = await adaptIn(context.db, version, kind, request.body, {
        partial: request.method === 'PATCH',
        owner,
      })
      request.body = converted.value
      call.losses.push(...converted.losses)
    } catch (error) {
      throw refusalAsOcpiError(error, version)
    }
  })

  app.addHook('preSerialization', async (request, _reply, payload: unknown) => {
    const call = request.versionedCall
    if (!call || !isEnvelope(payload)) return payload
    const kind = call.kinds.answer
    let data = payload.data
    const losses = [...call.losses]
    if (kind && supportsKind(version, kind) && data !== undefined && data !== null) {
      try {
        const converted = await adaptOut(context.db, version, kind, data, false)
        data = converted.value
        losses.push(...converted.losses)
      } catch (error) {
        throw refusalAsOcpiError(error, version)
      }
    }
    const statusMessage = withLossNote(payload.status_message, describeLosses(version, losses))
    return {
      ...payload,
      ...(data === undefined ? {} : { data }),
      ...(statusMessage === undefined ? {} : { status_message: statusMessage }),
    }
  })

  app.addHook('onSend', async (_request, reply, payload) => {
    for (const name of ['location', 'link']) {
      const value = reply.getHeader(name)
      if (typeof value === 'string' && value.includes(hubBase230)) {
        void reply.header(name, value.replaceAll(hubBase230, hubBase))
      }
    }
    return payload
  })
}
