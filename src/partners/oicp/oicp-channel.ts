import { randomUUID } from 'node:crypto'
import { Value } from '@sinclair/typebox/value'
import type { FastifyBaseLogger } from 'fastify'
import { readOutboundPath } from '../../core/outbound-path.ts'
import { partyKey, sameParty, type PartyRef } from '../../core/party.ts'
import { hashToken } from '../../core/tokens.ts'
import {
  CancelReservation,
  ReserveNow,
  StartSession,
  StopSession,
  type CommandResponse,
  type CommandResult,
} from '../../modules/commands/commands.schema.ts'
import type { Evse, Location } from '../../modules/locations/locations.schema.ts'
import {
  foreignIdsOf,
  mapIdentifiers,
  ocpiObjectOf,
  ocpiObjectsOf,
  readBridge,
  recordRefusals,
  unmapForeign,
  type NewRefusal,
  type OcpiObjectRef,
} from '../../storage/bridges.store.ts'
import type { Db } from '../../storage/database.ts'
import { allObjectsOf, findObjectsById } from '../../storage/owned-objects.store.ts'
import { ConversionRefused } from '../../version-adapters/contract.ts'
import { PartnerCallError } from '../ocpi/ocpi-client.ts'
import { retryAfter } from '../ocpi/ocpi-channel.ts'
import type {
  PartnerAnswer,
  PartnerChannel,
  PartnerMessage,
  PartnerOutcome,
  PartnerPlatform,
} from '../partner-channel.ts'
import { evseDataRecord, oicpStatusOf } from './evse-mapping.ts'
import type { OicpAnswer, OicpClient } from './oicp-client.ts'
import { SerialBatcher } from './serial-batcher.ts'
import {
  PendingCommandResults,
  receiveForVirtualEmsp,
  rememberHbsSession,
  type VirtualEmspMessage,
} from './inbound-messages.ts'
import {
  Acknowledgement,
  AuthorizationStart,
  type ActionType,
  type AuthorizeRemoteStart,
  type AuthorizeRemoteStop,
  type EvseDataRecord,
  type EvsePricingRecord,
  type EvseStatusRecord,
  type PricingProductDataRecord,
  type PushEvseData,
  type PushEvsePricing,
  type PushEvseStatus,
  type PushPricingProductData,
} from './oicp.schema.ts'
import { pricingProductOf } from './pricing-mapping.ts'
import { partyOfProviderId } from './oicp-ids.ts'
import { OICP, readSettings, type OicpBridgeSettings } from './oicp-settings.ts'
import {
  commandResultOf,
  displayText,
  evseIdOfSession,
  remoteSessionPairs,
  remoteStartOf,
  RESERVATION_EVSE_KIND,
  RESERVATION_KIND,
  reservationKey,
  reservationPairs,
  reservationStartOf,
  SESSION_EVSE_KIND,
  SESSION_KIND,
} from './remote-commands.ts'

/** Records per push call: HBS takes large lists, but one refused record fails the whole call. */
const MAX_RECORDS_PER_CALL = 500

/** What a message (or a full load) asks of one push operation. */
interface PushItem<Record> {
  readonly record: Record
  /** `delete` for an EVSE that became REMOVED; `fullLoad` for the whole set; else insert or update. */
  readonly intent: 'upsert' | 'delete' | 'fullLoad'
  readonly owner: PartyRef
  /** The OCPI object, upper case: an EVSE `<location id>/<evse uid>`, a Tariff its id. */
  readonly ocpiId: string
  readonly settings: OicpBridgeSettings
  readonly correlationId: string
  readonly receiverTokenHash: string
  readonly note: string | undefined
}

/** What every item of one message's pushes shares. */
type PushContext = Omit<PushItem<unknown>, 'record' | 'owner' | 'ocpiId'>

/**
 * The outcome of one push call: accepted, or the outcome the messages it carried get, with HBS's status
 * code when HBS refused it in an eRoamingAcknowledgement.
 */
type PushOutcome =
  { readonly ok: true } | { readonly ok: false; readonly outcome: PartnerOutcome; readonly hbsCode?: string }

/** A push call of some items as one ActionType. */
type PushAs<Record> = (action: ActionType, items: readonly PushItem<Record>[]) => Promise<PushOutcome>

/**
 * An EVSE's pricing to push: the Tariffs its connectors name, turned into the products HBS holds only when
 * the call is made, so that whichever of a Location and a Tariff comes second assigns the product.
 */
interface EvsePricingRequest {
  readonly EvseID: string
  /** Upper case; none for a REMOVED or withdrawn EVSE, which loses its assignment. */
  readonly tariffIds: readonly string[]
}

/** The EMP → HBS remote operations, by the hub provider's ProviderID (encoded). */
const REMOTE_PATHS = {
  start: (provider: string) => `/charging/v21/providers/${provider}/authorize-remote/start`,
  stop: (provider: string) => `/charging/v21/providers/${provider}/authorize-remote/stop`,
  reserve: (provider: string) => `/reservation/v11/providers/${provider}/reservation-start-request`,
  cancelReservation: (provider: string) => `/reservation/v11/providers/${provider}/reservation-stop-request`,
} as const

/** Status codes of HBS's own trouble (oicp.md §2.7): sending again later may pass. */
const HBS_SYSTEM_ERRORS = new Set(['001', '002', '009', '021', '022'])

/**
 * A command's result for the hub callback the command carried as `response_url`, from the bridge's
 * platform; `session`: the session a remote start opened, so a STOP_SESSION without TO finds its CPO.
 */
export interface OicpCommandResult {
  readonly callbackUrl: string
  readonly platformId: string
  readonly result: CommandResult
  readonly correlationId: string
  readonly session?: { readonly id: string; readonly owner: PartyRef; readonly counterpart: PartyRef }
}

/** Makes the EMP a virtual eMSP party of the bridge's platform; the reason when it cannot be one. */
export type VirtualEmspMaker = (
  platformId: string,
  emp: PartyRef,
  correlationId: string,
) => Promise<string | undefined>

export interface OicpChannelOptions {
  readonly db: Db
  readonly client: OicpClient
  readonly log: FastifyBaseLogger
  /** Other hub processes may share the database (PostgreSQL): a CommandResult may arrive at another one. */
  readonly acrossProcesses: boolean
}

/**
 * The partner channel of the OICP bridge (docs/bridges/oicp.md): the Locations the hub broadcasts to the
 * bridge's platform become eRoamingPushEvseData and eRoamingPushEvseStatus calls to HBS, one operation at
 * a time and batched (SerialBatcher). It sends the hub's current copy of the Location, so a retried or
 * late message never sends older data than the hub holds. Other modules are not carried yet.
 */
export class OicpChannel implements PartnerChannel {
  readonly #options: OicpChannelOptions
  readonly #data: SerialBatcher<PushItem<EvseDataRecord>, PushOutcome>
  readonly #status: SerialBatcher<PushItem<EvseStatusRecord>, PushOutcome>
  readonly #products: SerialBatcher<PushItem<PricingProductDataRecord>, PushOutcome>
  readonly #evsePricing: SerialBatcher<PushItem<EvsePricingRequest>, PushOutcome>
  /** Remote starts and stops under way at HBS, whose results are still to be reported. */
  readonly #commands = new Set<Promise<void>>()
  #reportResult: ((result: OicpCommandResult) => Promise<void>) | undefined
  #ensureEmsp: VirtualEmspMaker | undefined
  /** CommandResults of the commands HBS's calls sent our CPOs, awaited by those calls (the bridge's inbound side). */
  readonly inboundResults: PendingCommandResults

  constructor(options: OicpChannelOptions) {
    this.#options = options
    this.inboundResults = new PendingCommandResults(options.db, {
      acrossProcesses: options.acrossProcesses,
      log: options.log,
    })
    this.#data = new SerialBatcher((items) => this.#pushData(items), MAX_RECORDS_PER_CALL)
    this.#status = new SerialBatcher((items) => this.#pushStatus(items), MAX_RECORDS_PER_CALL)
    this.#products = new SerialBatcher((items) => this.#pushProducts(items), MAX_RECORDS_PER_CALL)
    this.#evsePricing = new SerialBatcher((items) => this.#pushEvsePricing(items), MAX_RECORDS_PER_CALL)
  }

  /** Where command results go: the hub's callback relay, set by the bridge (a layer above). */
  onCommandResult(report: (result: OicpCommandResult) => Promise<void>): void {
    this.#reportResult = report
  }

  /** How an OICP EMP that authorized a token becomes a virtual eMSP party: set by the bridge (a layer above). */
  onVirtualEmsp(ensure: VirtualEmspMaker): void {
    this.#ensureEmsp = ensure
  }

  /** Waits for the remote commands under way (at shutdown). */
  async settled(): Promise<void> {
    await Promise.all(this.#commands)
  }

  async deliver(partner: PartnerPlatform, message: PartnerMessage): Promise<PartnerOutcome> {
    // Our CPOs' answers to what HBS asked of them (inbound-messages.ts).
    const settings = await this.#settingsFor(partner.id)
    const inbound = await receiveForVirtualEmsp(
      this.#options.db,
      this.inboundResults,
      message,
      bodyOf(message),
      settings?.operator_id,
    )
    if (inbound) return this.#inbound(partner, message, settings, inbound)
    if (message.module === 'commands' && message.interfaceRole === 'RECEIVER' && message.method === 'POST') {
      return this.#command(partner, message)
    }
    if (message.module === 'tokens' && message.interfaceRole === 'SENDER' && message.method === 'POST') {
      if (!settings) return { kind: 'no-endpoint' }
      return this.#authorize(partner, message, settings)
    }
    if (
      message.module === 'tariffs' &&
      message.interfaceRole === 'RECEIVER' &&
      (message.method === 'PUT' || message.method === 'DELETE')
    ) {
      if (!settings) return { kind: 'no-endpoint' }
      // A forward is a Tariff sent to the hub provider alone; HBS offers a product to every EMP or none.
      if (message.readsAnswer) {
        return notCarried(
          'a Tariff reaches HBS only when pushed to every party (an OICP pricing product is offered to every EMP), not when sent to the hub provider alone',
        )
      }
      return this.#pricing(partner, message, settings)
    }
    if (message.module !== 'locations' || message.interfaceRole !== 'RECEIVER' || message.method === 'GET') {
      return notCarried(
        `the OICP bridge carries only pushed Locations and Tariffs, not ${message.method} ${message.module}`,
      )
    }
    if (!settings) return { kind: 'no-endpoint' }
    const [country_code, party_id, locationId, evseUid] = readOutboundPath(message.pathAndQuery).segments
    if (!country_code || !party_id || !locationId) return notCarried('not a Location path')
    const owner = { country_code: country_code.toUpperCase(), party_id: party_id.toUpperCase() }
    if (!settings.represented_cpos.some((cpo) => sameParty(cpo, owner))) {
      return notCarried(`${partyKey(owner)} is not one of the CPOs the bridge represents at Hubject`)
    }
    const [location] = await findObjectsById(
      this.#options.db,
      { module: 'locations', owners: [owner] },
      locationId,
    )
    if (!location) return notCarried(`the hub holds no Location ${locationId} of ${partyKey(owner)}`)
    const evses = (location.evses ?? []).filter(
      (evse) => evseUid === undefined || evse.uid.toUpperCase() === evseUid.toUpperCase(),
    )
    const statusOnly = message.method === 'PATCH' && evseUid !== undefined && isStatusPatch(message)
    return this.#send(partner, settings, location, evses, {
      statusOnly,
      withdrawn: isWithdrawal(message, evseUid),
      correlationId: message.correlationId,
    })
  }

  /** A CPO's message for a virtual eMSP: answered 1000 once HBS acknowledged what it became, if anything. */
  async #inbound(
    partner: PartnerPlatform,
    message: PartnerMessage,
    settings: OicpBridgeSettings | undefined,
    inbound: VirtualEmspMessage,
  ): Promise<PartnerOutcome> {
    const call = inbound.kind === 'result' ? undefined : inbound.call
    if (call && settings) {
      const item = {
        ...this.#context(partner, settings, message.correlationId, 'upsert'),
        record: call.body,
        owner: message.from,
        ocpiId: String(call.body['SessionID']),
      }
      const outcome = await this.#call(item, call.path, call.body, [item])
      if (!outcome.ok) return outcome.outcome
      await call.afterAck()
    }
    const answer = this.#answer({ httpStatus: 200, headers: {} }, undefined)
    const envelope = { status_code: 1000, timestamp: new Date().toISOString() }
    return { kind: 'delivered', answer: { ...answer, envelope } }
  }

  /**
   * An OCPI eMSP's START_SESSION / STOP_SESSION at a virtual CPO (docs/bridges/oicp.md): answered ACCEPTED
   * at once when it maps, REJECTED (START) or UNKNOWN_SESSION (STOP) when not; the AuthorizeRemoteStart /
   * Stop then goes to HBS and its acknowledgement becomes the CommandResult sent to the command's callback.
   */
  async #command(partner: PartnerPlatform, message: PartnerMessage): Promise<PartnerOutcome> {
    const settings = await this.#settingsFor(partner.id)
    if (!settings) return { kind: 'no-endpoint' }
    const name = readOutboundPath(message.pathAndQuery).segments[0]?.toUpperCase()
    const body = bodyOf(message)
    const owner = message.to
    if (name === 'START_SESSION' && Value.Check(StartSession, body)) {
      const [location] = await findObjectsById(
        this.#options.db,
        { module: 'locations', owners: [owner] },
        body.location_id,
      )
      if (!location) return notCarried(`the hub holds no Location ${body.location_id} of ${partyKey(owner)}`)
      const sessionId = randomUUID()
      const mapped = remoteStartOf(settings, location, body, sessionId)
      if (mapped.kind === 'refused') return this.#locationRefused(owner, location.id, mapped.reason, message)
      const { request } = mapped
      this.#underway(partner, message, body.response_url, async () => {
        const { result } = await this.#remote(partner, message, 'start', settings, request)
        if (result.result !== 'ACCEPTED') return { result }
        await mapIdentifiers(this.#options.db, remoteSessionPairs(owner, sessionId, request.EvseID))
        return {
          result: { ...result, message: [displayText(`session_id ${sessionId}`)] },
          session: { id: sessionId, owner, counterpart: message.from },
        }
      })
      return this.#commandResponse({ result: 'ACCEPTED', timeout: this.#resultTimeoutSeconds() })
    }
    if (name === 'STOP_SESSION' && Value.Check(StopSession, body)) {
      const db = this.#options.db
      const sessionId = body.session_id
      const [session, evse] = [
        await ocpiObjectOf(db, OICP, SESSION_KIND.foreign, sessionId),
        await ocpiObjectOf(db, OICP, SESSION_EVSE_KIND.foreign, sessionId),
      ]
      if (!session || !evse || !ownedBy(session, owner)) {
        return this.#commandResponse({ result: 'UNKNOWN_SESSION', timeout: 0 })
      }
      const request = {
        SessionID: sessionId,
        ProviderID: settings.provider_id,
        EvseID: evseIdOfSession(evse.id),
      }
      this.#underway(partner, message, body.response_url, async () => ({
        result: (await this.#remote(partner, message, 'stop', settings, request)).result,
      }))
      return this.#commandResponse({ result: 'ACCEPTED', timeout: this.#resultTimeoutSeconds() })
    }
    if (name === 'RESERVE_NOW' || name === 'CANCEL_RESERVATION') {
      return this.#reservationCommand(partner, message, settings, name, body)
    }
    return notCarried(
      `the OICP bridge carries START_SESSION, STOP_SESSION, RESERVE_NOW and CANCEL_RESERVATION, not the command ${name}`,
    )
  }

  /**
   * An OCPI eMSP's RESERVE_NOW / CANCEL_RESERVATION at a virtual CPO, as its START_SESSION / STOP_SESSION:
   * ACCEPTED at once when it maps (REJECTED with the reason when not), then
   * eRoamingAuthorizeRemoteReservationStart / Stop at HBS, whose acknowledgement becomes the CommandResult.
   */
  async #reservationCommand(
    partner: PartnerPlatform,
    message: PartnerMessage,
    settings: OicpBridgeSettings,
    name: 'RESERVE_NOW' | 'CANCEL_RESERVATION',
    body: unknown,
  ): Promise<PartnerOutcome> {
    const db = this.#options.db
    const owner = message.to
    if (name === 'RESERVE_NOW' && Value.Check(ReserveNow, body)) {
      const [location] = await findObjectsById(db, { module: 'locations', owners: [owner] }, body.location_id)
      if (!location) return notCarried(`the hub holds no Location ${body.location_id} of ${partyKey(owner)}`)
      const mapped = reservationStartOf(settings, location, body, randomUUID(), new Date())
      if (mapped.kind === 'refused') return this.#locationRefused(owner, location.id, mapped.reason, message)
      const { request } = mapped
      const key = reservationKey(message.from, body.reservation_id)
      this.#underway(partner, message, body.response_url, async () => {
        const { result, sessionId } = await this.#remote(partner, message, 'reserve', settings, request)
        if (result.result !== 'ACCEPTED') return { result }
        // OCPI replaces a reservation sent again with its id: the map keeps the newest SessionID.
        const earlier = (await foreignIdsOf(db, OICP, owner, RESERVATION_KIND.ocpi, [key])).get(key)
        if (earlier !== undefined) {
          await unmapForeign(db, [
            { protocol: OICP, kind: RESERVATION_KIND.foreign, id: earlier },
            { protocol: OICP, kind: RESERVATION_EVSE_KIND.foreign, id: earlier },
          ])
        }
        const held = sessionId ?? request.SessionID
        await mapIdentifiers(
          db,
          reservationPairs(owner, message.from, body.reservation_id, held, request.EvseID),
        )
        return { result }
      })
      return this.#commandResponse({ result: 'ACCEPTED', timeout: this.#resultTimeoutSeconds() })
    }
    if (name === 'CANCEL_RESERVATION' && Value.Check(CancelReservation, body)) {
      const key = reservationKey(message.from, body.reservation_id)
      const sessionId = (await foreignIdsOf(db, OICP, owner, RESERVATION_KIND.ocpi, [key])).get(key)
      const evse =
        sessionId === undefined
          ? undefined
          : await ocpiObjectOf(db, OICP, RESERVATION_EVSE_KIND.foreign, sessionId)
      if (sessionId === undefined || !evse || !ownedBy(evse, owner)) {
        const reason = `${partyKey(owner)} holds no reservation ${body.reservation_id} of ${partyKey(message.from)} through Hubject`
        return this.#commandResponse({ result: 'REJECTED', timeout: 0, message: [displayText(reason)] })
      }
      const request = {
        SessionID: sessionId,
        ProviderID: settings.provider_id,
        EvseID: evseIdOfSession(evse.id),
      }
      this.#underway(partner, message, body.response_url, async () => ({
        result: (await this.#remote(partner, message, 'cancelReservation', settings, request)).result,
      }))
      return this.#commandResponse({ result: 'ACCEPTED', timeout: this.#resultTimeoutSeconds() })
    }
    return notCarried(`the ${name} body does not match OCPI's`)
  }

  /** Runs a remote command in the background and reports its result to the command's callback. */
  #underway(
    partner: PartnerPlatform,
    message: PartnerMessage,
    callbackUrl: string,
    run: () => Promise<Pick<OicpCommandResult, 'result' | 'session'>>,
  ): void {
    const task = (async () => {
      const outcome = await run()
      await this.#reportResult?.({
        ...outcome,
        callbackUrl,
        platformId: partner.id,
        correlationId: message.correlationId,
      })
    })()
      .catch((error: unknown) =>
        this.#options.log.warn(
          { err: error, correlationId: message.correlationId },
          'OICP bridge: a command result could not be reported',
        ),
      )
      .finally(() => this.#commands.delete(task))
    this.#commands.add(task)
  }

  /**
   * One eRoamingAuthorizeRemoteStart / Stop or ReservationStart / Stop call and
   * HBS's verdict as a CommandResult, with the SessionID HBS acknowledged.
   */
  async #remote(
    partner: PartnerPlatform,
    message: PartnerMessage,
    operation: keyof typeof REMOTE_PATHS,
    settings: OicpBridgeSettings,
    request: AuthorizeRemoteStart | AuthorizeRemoteStop,
  ): Promise<{ readonly result: CommandResult; readonly sessionId?: string | undefined }> {
    let answer: OicpAnswer
    try {
      answer = await this.#options.client.post({
        path: REMOTE_PATHS[operation](encodeURIComponent(settings.provider_id)),
        body: request,
        correlationId: message.correlationId,
        receiverTokenHash: hashToken(partner.outbound_token ?? partner.id),
      })
    } catch (error) {
      if (!(error instanceof PartnerCallError)) throw error
      return {
        result: commandResultOf({
          kind: 'no-verdict',
          timedOut: error.failure === 'timeout',
          reason: error.message,
        }),
      }
    }
    if (answer.httpStatus < 200 || answer.httpStatus >= 300 || !Value.Check(Acknowledgement, answer.json)) {
      return {
        result: commandResultOf({
          kind: 'no-verdict',
          timedOut: false,
          reason: `Hubject answered HTTP ${answer.httpStatus} without an eRoamingAcknowledgement`,
        }),
      }
    }
    return {
      result: commandResultOf({
        kind: 'acknowledged',
        result: answer.json.Result,
        status: answer.json.StatusCode,
      }),
      sessionId: answer.json.SessionID,
    }
  }

  /**
   * A represented CPO's real-time authorization of a token no eMSP of the hub shared, as
   * eRoamingAuthorizeStart (mapping.md §5.2): HBS asks every EMP about a card, or the EvcoID's EMP. Its
   * answer becomes the AuthorizationInfo, with the SessionID HBS named as `authorization_reference`.
   */
  async #authorize(
    partner: PartnerPlatform,
    message: PartnerMessage,
    settings: OicpBridgeSettings,
  ): Promise<PartnerOutcome> {
    const { segments, query } = readOutboundPath(message.pathAndQuery)
    const [uid] = segments
    const type = (query.get('type') ?? 'RFID').toUpperCase()
    if (!uid) return notCarried('not a token authorization path')
    const references = bodyOf(message) as { location_id?: string; evse_uids?: string[] } | null | undefined
    const evseUid = references?.evse_uids?.[0]
    // The map holds EVSEs upper case (mapEvses): ids are case-insensitive.
    const evseKey =
      references?.location_id && evseUid ? `${references.location_id}/${evseUid}`.toUpperCase() : undefined
    const evseId = evseKey
      ? (await foreignIdsOf(this.#options.db, OICP, message.from, 'EVSE', [evseKey])).get(evseKey)
      : undefined
    const request = {
      OperatorID: settings.operator_id,
      ...(evseId ? { EvseID: evseId } : {}),
      Identification:
        type === 'RFID'
          ? { RFIDMifareFamilyIdentification: { UID: uid } }
          : { RemoteIdentification: { EvcoID: uid } },
    }
    let answer: OicpAnswer
    try {
      answer = await this.#options.client.post({
        path: `/charging/v21/operators/${encodeURIComponent(settings.operator_id)}/authorize/start`,
        body: request,
        correlationId: message.correlationId,
        receiverTokenHash: hashToken(partner.outbound_token ?? partner.id),
      })
    } catch (error) {
      if (!(error instanceof PartnerCallError)) throw error
      return { kind: 'failed', failure: error.failure, message: error.message }
    }
    if (!Value.Check(AuthorizationStart, answer.json)) {
      const refusal = `Hubject answered HTTP ${answer.httpStatus} without an eRoamingAuthorizationStart`
      return { kind: 'refused', answer: this.#answer(answer, refusal), final: false, retryAfterMs: undefined }
    }
    const {
      AuthorizationStatus,
      ProviderID,
      SessionID,
      EMPPartnerSessionID,
      StatusCode: status,
    } = answer.json
    const authorized = AuthorizationStatus === 'Authorized'
    const emp = await this.#authorizingEmp(partner, message, settings, authorized ? ProviderID : undefined)
    if (authorized && SessionID) {
      // Without an EVSE too: the CPO's Session names it (inbound-messages.ts).
      await rememberHbsSession(this.#options.db, {
        sessionId: SessionID,
        cpo: message.from,
        evseId,
        emp,
        empPartnerSessionId: EMPPartnerSessionID,
      })
    }
    const info = {
      allowed: authorized ? 'ALLOWED' : 'NOT_ALLOWED',
      token: {
        ...emp,
        uid,
        type,
        contract_id: uid,
        issuer: `Hubject EMP ${ProviderID ?? settings.provider_id}`,
        valid: authorized,
        whitelist: 'NEVER',
        last_updated: new Date().toISOString(),
      },
      ...(SessionID ? { authorization_reference: SessionID } : {}),
      ...(authorized
        ? {}
        : {
            info: {
              language: 'en',
              text: `Hubject: ${status.Code} ${status.AdditionalInfo ?? status.Description ?? ''}`
                .trim()
                .slice(0, 255),
            },
          }),
    }
    const envelope = { status_code: 1000, data: info, timestamp: new Date().toISOString() }
    return { kind: 'delivered', answer: { ...this.#answer(answer, undefined), httpStatus: 200, envelope } }
  }

  /**
   * The eMSP party of a token HBS authorized: the EMP that answered (ProviderID), as a virtual eMSP of the
   * bridge's platform so that the CPO's Session and CDR reach the bridge; else the hub provider.
   */
  async #authorizingEmp(
    partner: PartnerPlatform,
    message: PartnerMessage,
    settings: OicpBridgeSettings,
    providerId: string | undefined,
  ): Promise<PartyRef> {
    const provider = partyOfProviderId(settings.provider_id)!
    const emp = providerId === undefined ? undefined : partyOfProviderId(providerId)
    if (!emp || sameParty(emp, provider)) return provider
    const problem = await this.#ensureEmsp?.(partner.id, emp, message.correlationId)
    if (problem === undefined) return emp
    this.#options.log.warn(
      { correlationId: message.correlationId, providerId, reason: problem },
      'OICP bridge: the EMP that authorized a token cannot be a party of the bridge; the hub provider stands for it',
    )
    return provider
  }

  /** HBS answers once the CPO did: the result comes within the time the bridge gives its call. */
  #resultTimeoutSeconds(): number {
    return Math.ceil(this.#options.client.timeoutMs / 1000)
  }

  #commandResponse(response: CommandResponse): PartnerOutcome {
    const answer = this.#answer({ httpStatus: 200, headers: {} }, undefined)
    return {
      kind: 'delivered',
      answer: {
        ...answer,
        envelope: { status_code: 1000, data: response, timestamp: new Date().toISOString() },
      },
    }
  }

  /**
   * eRoamingPushEvseData and eRoamingPushEvseStatus `fullLoad` of every EVSE of the represented CPOs that
   * the hub holds: HBS then has exactly these. Sequenced with the incremental pushes.
   */
  async pushFullLoad(
    platform: PartnerPlatform,
    correlationId: string,
    audience: HbsAudience,
  ): Promise<{ readonly sent: number; readonly refused: number; readonly error: string | undefined }> {
    const settings = await this.#settingsFor(platform.id)
    if (!settings) return { sent: 0, refused: 0, error: 'the OICP bridge is not connected' }
    const provider = partyOfProviderId(settings.provider_id)
    const locations = (await this.#locationsOf(settings.represented_cpos)).filter(
      (location) => provider && audience.location(location, provider),
    )
    const context = this.#context(platform, settings, correlationId, 'fullLoad')
    const mapped = mapEvses(
      settings,
      locations.flatMap((location) => (location.evses ?? []).map((evse) => ({ location, evse }))),
    )
    await this.#refuse(mapped.refusals, correlationId)
    const data = mapped.records.filter(({ evse }) => evse.status !== 'REMOVED')
    // An empty full load would delete every EVSE of the hub operator at HBS: not sent on a hub's say-so.
    if (data.length === 0) return { sent: 0, refused: mapped.refusals.length, error: undefined }
    const dataOutcome = await this.#data.add(
      data.map(({ record, owner, ocpiId }) => ({ ...context, record, owner, ocpiId })),
    )
    if (!dataOutcome.ok)
      return { sent: 0, refused: mapped.refusals.length, error: describe(dataOutcome.outcome) }
    const statuses = statusItems(data, context)
    const statusOutcome = await this.#status.add(statuses)
    if (!statusOutcome.ok)
      return { sent: data.length, refused: mapped.refusals.length, error: describe(statusOutcome.outcome) }
    const pricing = await this.#pushPricingOf(
      { ...context, intent: 'upsert' },
      data.map(({ evse, record, owner, ocpiId }) => ({ evse, evseId: record.EvseID, owner, ocpiId })),
      (owner, tariffId) => (provider ? audience.tariff(owner, tariffId, provider) : Promise.resolve(false)),
    )
    return {
      sent: data.length,
      refused: mapped.refusals.length + pricing.refused,
      error: pricing.outcome.ok ? undefined : describe(pricing.outcome.outcome),
    }
  }

  /**
   * The products of the Tariffs these EVSEs' connectors name (those OICP can carry; the others refused),
   * then the EVSEs' assignments: in a full push, for Tariffs pushed before the bridge was set up. A Tariff
   * the roaming policy keeps from HBS is not sent, and its product, if HBS holds one, withdrawn.
   */
  async #pushPricingOf(
    context: PushContext,
    evses: readonly PricedEvse[],
    reachesHbs: (owner: PartyRef, tariffId: string) => Promise<boolean>,
  ): Promise<{ readonly outcome: PushOutcome; readonly refused: number }> {
    const named = new Map<string, { readonly owner: PartyRef; readonly tariffId: string }>()
    for (const { evse, owner } of evses) {
      for (const tariffId of evse.connectors.flatMap((connector) => connector.tariff_ids ?? [])) {
        named.set(`${partyKey(owner)}/${tariffId.toUpperCase()}`, { owner, tariffId })
      }
    }
    const products: PushItem<PricingProductDataRecord>[] = []
    const refusals: Omit<NewRefusal, 'correlationId' | 'protocol'>[] = []
    for (const { owner, tariffId } of named.values()) {
      const [tariff] = await findObjectsById(
        this.#options.db,
        { module: 'tariffs', owners: [owner] },
        tariffId,
      )
      if (!tariff) continue
      const ocpiId = tariff.id.toUpperCase()
      if (!(await reachesHbs(owner, tariff.id))) {
        const withdrawn = await this.#withdrawProduct({ ...context, note: POLICY_WITHDRAWAL }, owner, ocpiId)
        if (!withdrawn.ok) return { outcome: withdrawn, refused: refusals.length }
        continue
      }
      const mapped = pricingProductOf(tariff)
      if (mapped.kind === 'product') products.push({ ...context, record: mapped.record, owner, ocpiId })
      else refusals.push({ object: { owner, kind: 'TARIFF', id: ocpiId }, reason: mapped.reason })
    }
    await this.#refuse(refusals, context.correlationId)
    if (products.length > 0) {
      const pushed = await this.#products.add(products)
      if (!pushed.ok) return { outcome: pushed, refused: refusals.length }
    }
    return { outcome: await this.#assignProducts(context, evses), refused: refusals.length }
  }

  async #send(
    partner: PartnerPlatform,
    settings: OicpBridgeSettings,
    location: Location,
    evses: readonly Evse[],
    how: { readonly statusOnly: boolean; readonly withdrawn: boolean; readonly correlationId: string },
  ): Promise<PartnerOutcome> {
    const mapped = mapEvses(
      settings,
      evses.map((evse) => ({ location, evse })),
    )
    const note =
      mapped.refusals.length === 0
        ? undefined
        : `left out: ${mapped.refusals.map((r) => r.reason).join('; ')}`
    await this.#refuse(mapped.refusals, how.correlationId)
    if (mapped.records.length === 0 && mapped.refusals.length > 0) {
      return {
        kind: 'conversion-refused',
        version: '2.3.0',
        refusal: new ConversionRefused('evse_id', mapped.refusals.map((r) => r.reason).join('; ')),
      }
    }
    const context = { ...this.#context(partner, settings, how.correlationId, 'upsert'), note }
    if (!how.statusOnly) {
      const outcome = await this.#data.add(
        mapped.records.map(({ record, owner, ocpiId, evse }) => ({
          ...context,
          intent: how.withdrawn || evse.status === 'REMOVED' ? ('delete' as const) : ('upsert' as const),
          record,
          owner,
          ocpiId,
        })),
      )
      if (!outcome.ok) return outcome.outcome
    }
    const statuses = how.withdrawn ? [] : statusItems(mapped.records, context)
    if (statuses.length > 0) {
      const outcome = await this.#status.add(statuses)
      if (!outcome.ok) return outcome.outcome
    }
    if (!how.statusOnly) {
      const pricing = await this.#assignProducts(
        context,
        mapped.records.map(({ evse, record, owner, ocpiId }) => ({
          evse: how.withdrawn ? { ...evse, status: 'REMOVED' as const } : evse,
          evseId: record.EvseID,
          owner,
          ocpiId,
        })),
      )
      if (!pricing.ok) return pricing.outcome
    }
    return { kind: 'delivered', answer: this.#answer({ httpStatus: 200, headers: {} }, undefined) }
  }

  /**
   * A represented CPO's Tariff as an OICP pricing product for every EMP (mapping.md §9.1): pushed with
   * eRoamingPushPricingProductData, then assigned to the EVSEs whose connectors name it
   * (eRoamingPushEVSEPricing). A deleted Tariff is unassigned and deleted; one OICP cannot carry is
   * refused with its reason (and a version of it HBS holds is withdrawn, so no stale price stays there).
   */
  async #pricing(
    partner: PartnerPlatform,
    message: PartnerMessage,
    settings: OicpBridgeSettings,
  ): Promise<PartnerOutcome> {
    const [country_code, party_id, tariffId] = readOutboundPath(message.pathAndQuery).segments
    if (!country_code || !party_id || !tariffId) return notCarried('not a Tariff path')
    const owner = { country_code: country_code.toUpperCase(), party_id: party_id.toUpperCase() }
    if (!settings.represented_cpos.some((cpo) => sameParty(cpo, owner))) {
      return notCarried(`${partyKey(owner)} is not one of the CPOs the bridge represents at Hubject`)
    }
    const [stored] = await findObjectsById(this.#options.db, { module: 'tariffs', owners: [owner] }, tariffId)
    const tariff = message.method === 'PUT' ? stored : undefined
    const context = this.#context(partner, settings, message.correlationId, 'upsert')
    const ocpiId = tariffId.toUpperCase()
    const mapped = tariff ? pricingProductOf(tariff) : undefined
    if (mapped?.kind !== 'product') {
      // A DELETE of a Tariff the hub still holds is the roaming policy's withdrawal, not the CPO's delete.
      const note =
        mapped !== undefined
          ? undefined
          : stored
            ? POLICY_WITHDRAWAL
            : `Tariff ${tariffId} deleted by its CPO`
      if (note) {
        this.#options.log.info(
          { correlationId: message.correlationId, owner, tariffId, note },
          'OICP bridge: a Tariff is withdrawn from HBS',
        )
      }
      const withdrawn = await this.#withdrawProduct({ ...context, note }, owner, ocpiId)
      if (!withdrawn.ok) return withdrawn.outcome
      if (mapped === undefined) return this.#delivered()
      await this.#refuse(
        [{ object: { owner, kind: 'TARIFF', id: ocpiId }, reason: mapped.reason }],
        context.correlationId,
      )
      return {
        kind: 'conversion-refused',
        version: '2.3.0',
        refusal: new ConversionRefused('elements', mapped.reason),
      }
    }
    const pushed = await this.#products.add([{ ...context, record: mapped.record, owner, ocpiId }])
    if (!pushed.ok) return pushed.outcome
    const assigned = await this.#assignProducts(context, await this.#evsesNaming(owner, ocpiId))
    return assigned.ok ? this.#delivered() : assigned.outcome
  }

  /** A Tariff's product off HBS: first off the EVSEs that list it, then deleted. */
  async #withdrawProduct(context: PushContext, owner: PartyRef, ocpiId: string): Promise<PushOutcome> {
    const productId = (await foreignIdsOf(this.#options.db, OICP, owner, 'TARIFF', [ocpiId])).get(ocpiId)
    if (productId === undefined) return { ok: true }
    const unassigned = await this.#assignProducts(context, await this.#evsesNaming(owner, ocpiId), ocpiId)
    if (!unassigned.ok) return unassigned
    return this.#products.add([
      { ...context, intent: 'delete', record: productTombstone(productId), owner, ocpiId },
    ])
  }

  /** The EVSEs of the CPO that HBS holds and whose connectors name the Tariff. */
  async #evsesNaming(owner: PartyRef, tariffOcpiId: string): Promise<PricedEvse[]> {
    const candidates = (await this.#locationsOf([owner])).flatMap((location) =>
      (location.evses ?? [])
        .filter((evse) =>
          evse.connectors.some((connector) =>
            (connector.tariff_ids ?? []).some((id) => id.toUpperCase() === tariffOcpiId),
          ),
        )
        .map((evse) => ({ evse, owner, ocpiId: `${location.id}/${evse.uid}`.toUpperCase() })),
    )
    const evseIds = await foreignIdsOf(
      this.#options.db,
      OICP,
      owner,
      'EVSE',
      candidates.map((candidate) => candidate.ocpiId),
    )
    return candidates.flatMap((candidate) => {
      const evseId = evseIds.get(candidate.ocpiId)
      return evseId === undefined ? [] : [{ ...candidate, evseId }]
    })
  }

  /** A command at a Location OICP cannot carry: the refusal recorded, the command REJECTED with its reason. */
  async #locationRefused(
    owner: PartyRef,
    locationId: string,
    reason: string,
    message: PartnerMessage,
  ): Promise<PartnerOutcome> {
    await this.#refuse(
      [{ object: { owner, kind: 'LOCATION', id: locationId }, reason }],
      message.correlationId,
    )
    return this.#commandResponse({ result: 'REJECTED', timeout: 0, message: [displayText(reason)] })
  }

  /**
   * eRoamingPushEVSEPricing of these EVSEs: the products of their connectors' Tariffs that HBS holds (less
   * `excluding`, a product being withdrawn); an EVSE left with none, or REMOVED, loses its assignment.
   */
  async #assignProducts(
    context: PushContext,
    evses: readonly PricedEvse[],
    excluding?: string,
  ): Promise<PushOutcome> {
    const items = evses.map(({ evse, evseId, owner, ocpiId }) => {
      const tariffIds = [
        ...new Set(evse.connectors.flatMap((c) => c.tariff_ids ?? []).map((id) => id.toUpperCase())),
      ].filter((id) => id !== excluding)
      return {
        ...context,
        record: { EvseID: evseId, tariffIds: evse.status === 'REMOVED' ? [] : tariffIds },
        owner,
        ocpiId,
      }
    })
    return items.length === 0 ? { ok: true } : this.#evsePricing.add(items)
  }

  #delivered(): PartnerOutcome {
    return { kind: 'delivered', answer: this.#answer({ httpStatus: 200, headers: {} }, undefined) }
  }

  #context(
    platform: PartnerPlatform,
    settings: OicpBridgeSettings,
    correlationId: string,
    intent: PushItem<unknown>['intent'],
  ) {
    return {
      intent,
      settings,
      correlationId,
      receiverTokenHash: hashToken(platform.outbound_token ?? platform.id),
      note: undefined as string | undefined,
    }
  }

  async #settingsFor(platformId: string): Promise<OicpBridgeSettings | undefined> {
    const bridge = await readBridge(this.#options.db, OICP)
    const settings = bridge && bridge.platform_id === platformId ? readSettings(bridge.settings) : undefined
    return settings?.enabled ? settings : undefined
  }

  async #locationsOf(owners: readonly PartyRef[]): Promise<Location[]> {
    return allObjectsOf(this.#options.db, { module: 'locations', owners })
  }

  async #refuse(
    refusals: readonly Omit<NewRefusal, 'correlationId' | 'protocol'>[],
    correlationId: string,
  ): Promise<void> {
    if (refusals.length === 0) return
    for (const refusal of refusals) {
      this.#options.log.warn(
        { correlationId, object: refusal.object, reason: refusal.reason },
        `OICP bridge: ${refusal.object.kind} not sent`,
      )
    }
    await recordRefusals(
      this.#options.db,
      refusals.map((refusal) => ({ ...refusal, protocol: OICP, correlationId })),
    )
  }

  /**
   * One eRoamingPushEvseData call per operator and action: a full load first, then the EVSEs HBS does not
   * know yet (`insert`), those it knows (`update`, from the identifier map) and the removed (`delete`).
   * The map is written after HBS accepted, before the next call, so the next call already knows.
   */
  async #pushData(items: readonly PushItem<EvseDataRecord>[]): Promise<PushOutcome> {
    const db = this.#options.db
    const known = await ocpiObjectsOf(db, OICP, 'EvseID', [
      ...new Set(items.map((item) => item.record.EvseID)),
    ])
    const latest = new Map(items.map((item) => [item.record.EvseID, item]))
    const groups = new Map<ActionType, PushItem<EvseDataRecord>[]>()
    const fullLoad = items.filter((item) => item.intent === 'fullLoad')
    if (fullLoad.length > 0) groups.set('fullLoad', fullLoad)
    for (const item of latest.values()) {
      if (item.intent === 'fullLoad') continue
      const action: ActionType =
        item.intent === 'delete' ? 'delete' : known.has(item.record.EvseID) ? 'update' : 'insert'
      // HBS refuses a delete of what it does not have: nothing to do.
      if (action === 'delete' && !known.has(item.record.EvseID)) continue
      groups.set(action, [...(groups.get(action) ?? []), item])
    }
    const push: PushAs<EvseDataRecord> = (action, group) => {
      const first = group[0]!
      return this.#call(
        first,
        `/evsepush/v23/operators/${encodeURIComponent(first.settings.operator_id)}/data-records`,
        {
          ActionType: action,
          OperatorEvseData: {
            OperatorID: first.settings.operator_id,
            OperatorName: first.settings.operator_name,
            EvseDataRecord: group.map((item) => item.record),
          },
        } satisfies PushEvseData,
        group,
      )
    }
    for (const [action, group] of groups) {
      if (group.length === 0) continue
      const { outcome, accepted } = await this.#pushAs(action, group, push, (item) => item.record.EvseID)
      await this.#remember(action, accepted, 'EvseID', 'EVSE', (item) => item.record.EvseID)
      if (!outcome.ok) return outcome
    }
    return { ok: true }
  }

  /**
   * One push of a group as `action`. HBS refuses (022) an `insert` of what it holds and an `update` of what
   * it does not: the identifier map is behind HBS when an earlier call's answer was lost (a timeout after
   * HBS acted on it) or HBS lost a record. Such a group is sent again with the other action, logged; a
   * group mixing both is split in halves until each goes (a few calls, only after such a refusal). Returns
   * what HBS took, for the identifier map, and the outcome.
   */
  async #pushAs<Record>(
    action: ActionType,
    group: readonly PushItem<Record>[],
    push: PushAs<Record>,
    foreignIdOf: (item: PushItem<Record>) => string,
  ): Promise<{ readonly outcome: PushOutcome; readonly accepted: readonly PushItem<Record>[] }> {
    const outcome = await push(action, group)
    if (outcome.ok) return { outcome, accepted: group }
    const other = action === 'insert' ? 'update' : action === 'update' ? 'insert' : undefined
    if (other === undefined || outcome.hbsCode !== '022') return { outcome, accepted: [] }
    const first = group[0]!
    const note = `sent again as ${other}: HBS refused the ${action} (${describe(outcome.outcome)})`
    this.#options.log.warn(
      {
        correlationId: first.correlationId,
        ids: group.map(foreignIdOf),
        action,
        reason: describe(outcome.outcome),
      },
      `OICP bridge: HBS refused an ${action} of what it ${action === 'insert' ? 'holds' : 'does not hold'}; sending it again as ${other}`,
    )
    const swapped = await push(
      other,
      group.map((item) => ({ ...item, note: item.note === undefined ? note : `${item.note}; ${note}` })),
    )
    if (swapped.ok) return { outcome: swapped, accepted: group }
    if (group.length === 1 || swapped.hbsCode !== '022') return { outcome: swapped, accepted: [] }
    const half = Math.ceil(group.length / 2)
    const head = await this.#pushAs(action, group.slice(0, half), push, foreignIdOf)
    if (!head.outcome.ok) return head
    const tail = await this.#pushAs(action, group.slice(half), push, foreignIdOf)
    return { outcome: tail.outcome, accepted: [...head.accepted, ...tail.accepted] }
  }

  /**
   * One eRoamingPushPricingProductData call per action, offered to every EMP (`*`): `insert` of products HBS
   * does not hold, `update` of those it does, `delete` of withdrawn ones (from the identifier map, written
   * once HBS accepted, as for EVSE data).
   */
  async #pushProducts(items: readonly PushItem<PricingProductDataRecord>[]): Promise<PushOutcome> {
    const db = this.#options.db
    const latest = [...new Map(items.map((item) => [item.record.ProductID, item])).values()]
    const known = await ocpiObjectsOf(
      db,
      OICP,
      'ProductID',
      latest.map((item) => item.record.ProductID),
    )
    const groups = groupByAction(latest, (item) => known.has(item.record.ProductID))
    const push: PushAs<PricingProductDataRecord> = (action, group) => {
      const first = group[0]!
      return this.#call(
        first,
        `/dynamicpricing/v10/operators/${encodeURIComponent(first.settings.operator_id)}/pricing-products`,
        {
          ActionType: action,
          PricingProductData: {
            OperatorID: first.settings.operator_id,
            OperatorName: first.settings.operator_name,
            ProviderID: '*',
            // Sessions at EVSEs without a product: priced by the service offer at Hubject, not by the hub.
            PricingDefaultPrice: 0,
            PricingDefaultPriceCurrency: first.record.ProductPriceCurrency,
            PricingDefaultReferenceUnit: 'KILOWATT_HOUR',
            PricingProductDataRecords: group.map((item) => item.record),
          },
        } satisfies PushPricingProductData,
        group,
      )
    }
    for (const [action, group] of groups) {
      const productIdOf = (item: PushItem<PricingProductDataRecord>) => item.record.ProductID
      const { outcome, accepted } = await this.#pushAs(action, group, push, productIdOf)
      await this.#remember(action, accepted, 'ProductID', 'TARIFF', productIdOf)
      if (!outcome.ok) return outcome
    }
    return { ok: true }
  }

  /**
   * One eRoamingPushEVSEPricing call per action, as for the products. The products are read from the
   * identifier map here, when the call is made, not when the message came: a Tariff's product that HBS
   * accepted while a Location's assignment waited is in it, so a Location and a Tariff delivered at the
   * same moment cannot both miss each other, nor an older assignment undo a newer one.
   */
  async #pushEvsePricing(items: readonly PushItem<EvsePricingRequest>[]): Promise<PushOutcome> {
    const db = this.#options.db
    const requested = [...new Map(items.map((item) => [item.record.EvseID, item])).values()]
    const latest: PushItem<EvsePricingRecord>[] = []
    for (const item of requested) {
      const products = [
        ...(await foreignIdsOf(db, OICP, item.owner, 'TARIFF', item.record.tariffIds)).values(),
      ]
      latest.push({
        ...item,
        intent: products.length === 0 ? 'delete' : 'upsert',
        record: { EvseID: item.record.EvseID, ProviderID: '*', EvseIDProductList: products },
      })
    }
    const known = await ocpiObjectsOf(
      db,
      OICP,
      'PricedEvseID',
      latest.map((item) => item.record.EvseID),
    )
    const groups = groupByAction(latest, (item) => known.has(item.record.EvseID))
    const push: PushAs<EvsePricingRecord> = (action, group) => {
      const first = group[0]!
      return this.#call(
        first,
        `/dynamicpricing/v10/operators/${encodeURIComponent(first.settings.operator_id)}/evse-pricing`,
        { ActionType: action, EVSEPricing: group.map((item) => item.record) } satisfies PushEvsePricing,
        group,
      )
    }
    for (const [action, group] of groups) {
      const evseIdOf = (item: PushItem<EvsePricingRecord>) => item.record.EvseID
      const { outcome, accepted } = await this.#pushAs(action, group, push, evseIdOf)
      await this.#remember(action, accepted, 'PricedEvseID', 'EVSE_PRICING', evseIdOf)
      if (!outcome.ok) return outcome
    }
    return { ok: true }
  }

  /** The identifier map after HBS accepted a push: what it now holds, or no longer. */
  async #remember<Record>(
    action: ActionType,
    group: readonly PushItem<Record>[],
    foreignKind: string,
    ocpiKind: string,
    foreignIdOf: (item: PushItem<Record>) => string,
  ): Promise<void> {
    if (action === 'delete') {
      await unmapForeign(
        this.#options.db,
        group.map((item) => ({ protocol: OICP, kind: foreignKind, id: foreignIdOf(item) })),
      )
      return
    }
    await mapIdentifiers(
      this.#options.db,
      group.map((item) => ({
        foreign: { protocol: OICP, kind: foreignKind, id: foreignIdOf(item) },
        ocpi: { owner: item.owner, kind: ocpiKind, id: item.ocpiId },
      })),
    )
  }

  async #pushStatus(items: readonly PushItem<EvseStatusRecord>[]): Promise<PushOutcome> {
    const fullLoad = items.filter((item) => item.intent === 'fullLoad')
    const updates = [
      ...new Map(
        items.filter((item) => item.intent !== 'fullLoad').map((item) => [item.record.EvseID, item]),
      ).values(),
    ]
    for (const [action, group] of [
      ['fullLoad', fullLoad],
      ['update', updates],
    ] as const) {
      const first = group[0]
      if (!first) continue
      const outcome = await this.#call(
        first,
        `/evsepush/v21/operators/${encodeURIComponent(first.settings.operator_id)}/status-records`,
        {
          ActionType: action,
          OperatorEvseStatus: {
            OperatorID: first.settings.operator_id,
            OperatorName: first.settings.operator_name,
            EvseStatusRecord: group.map((item) => item.record),
          },
        } satisfies PushEvseStatus,
        group,
      )
      if (!outcome.ok) return outcome
    }
    return { ok: true }
  }

  /** One call; its verdict from HTTP and the eRoamingAcknowledgement. */
  async #call(
    first: PushItem<unknown>,
    path: string,
    body: unknown,
    group: readonly PushItem<unknown>[],
  ): Promise<PushOutcome> {
    const others = [...new Set(group.map((item) => item.correlationId))].filter(
      (id) => id !== first.correlationId,
    )
    const notes = [
      ...new Set(group.map((item) => item.note).filter((note) => note !== undefined)),
      ...(others.length > 0 ? [`batched with the messages of correlation ${others.join(', ')}`] : []),
    ]
    let answer: OicpAnswer
    try {
      answer = await this.#options.client.post({
        path,
        body,
        correlationId: first.correlationId,
        receiverTokenHash: first.receiverTokenHash,
        note: notes.length > 0 ? notes.join('; ') : undefined,
      })
    } catch (error) {
      if (!(error instanceof PartnerCallError)) throw error
      return { ok: false, outcome: { kind: 'failed', failure: error.failure, message: error.message } }
    }
    return this.#verdict(answer)
  }

  #verdict(answer: OicpAnswer): PushOutcome {
    const refused = (message: string, final: boolean, hbsCode?: string): PushOutcome => {
      const recorded = this.#answer(answer, message)
      return {
        ok: false,
        outcome: { kind: 'refused', answer: recorded, final, retryAfterMs: retryAfter(recorded) },
        ...(hbsCode === undefined ? {} : { hbsCode }),
      }
    }
    if (answer.httpStatus < 200 || answer.httpStatus >= 300) {
      const final = answer.httpStatus < 500 && answer.httpStatus !== 408 && answer.httpStatus !== 429
      return refused(`HBS answered HTTP ${answer.httpStatus}`, final)
    }
    if (!Value.Check(Acknowledgement, answer.json))
      return refused('HBS answered no eRoamingAcknowledgement', false)
    const ack = answer.json
    if (ack.Result) return { ok: true }
    const status = ack.StatusCode
    const message = `OICP ${status.Code}${status.Description ? ` ${status.Description}` : ''}${
      status.AdditionalInfo ? `: ${status.AdditionalInfo}` : ''
    }`
    return refused(message, !HBS_SYSTEM_ERRORS.has(status.Code), status.Code)
  }

  /**
   * HBS's answer as the delivery worker records it. OICP has no OCPI envelope: a refusal carries HBS's
   * status code and text in `status_message`, with 2000 (the sender's fault) as OCPI code.
   */
  #answer(answer: Pick<OicpAnswer, 'httpStatus' | 'headers'>, refusal: string | undefined): PartnerAnswer {
    return {
      httpStatus: answer.httpStatus,
      // An OCPI envelope either way: a party-addressed request forwarded here relays it to its sender.
      envelope:
        refusal === undefined
          ? { status_code: 1000, timestamp: new Date().toISOString() }
          : { status_code: 2000, status_message: refusal, timestamp: new Date().toISOString() },
      headers: answer.headers,
      endpointUrl: this.#options.client.baseUrl,
      version: '2.3.0',
      losses: [],
    }
  }
}

/**
 * Which of the represented CPOs' objects may reach HBS in a full push: what the hub provider (for every EMP
 * at HBS) may receive under the roaming policy, said by the bridge (a layer above; decision 0023).
 */
export interface HbsAudience {
  location(location: Location, provider: PartyRef): boolean
  tariff(owner: PartyRef, tariffId: string, provider: PartyRef): Promise<boolean>
}

/** The message log's note on the calls that take a Tariff off HBS because the policy no longer lets it reach HBS. */
const POLICY_WITHDRAWAL =
  'withdrawn: the roaming policy no longer lets the hub provider (every EMP at Hubject) receive this Tariff'

function notCarried(reason: string): PartnerOutcome {
  return { kind: 'not-in-version', version: '2.3.0', reason }
}

/**
 * A whole Location queued unpublished (`publish: false`): what the hub sends a party that no longer roams
 * with the CPO (docs/agreements.md), or a CPO's Location for some drivers only. OICP publishes to every EMP
 * or to none, so its EVSEs are deleted at HBS.
 */
function isWithdrawal(message: PartnerMessage, evseUid: string | undefined): boolean {
  if (message.method !== 'PUT' || evseUid !== undefined) return false
  const body = bodyOf(message)
  return typeof body === 'object' && body !== null && (body as { publish?: unknown }).publish === false
}

function bodyOf(message: PartnerMessage): unknown {
  return 'value' in message.body ? message.body.value : (JSON.parse(message.body.json ?? 'null') as unknown)
}

function ownedBy(object: OcpiObjectRef, owner: PartyRef): boolean {
  return sameParty(object.owner, owner)
}

/** A PATCH of an EVSE that changes its status only: HBS gets a status push, not the EVSE data again. */
function isStatusPatch(message: PartnerMessage): boolean {
  const body = bodyOf(message)
  return (
    typeof body === 'object' &&
    body !== null &&
    Object.keys(body).every((key) => key === 'status' || key === 'last_updated')
  )
}

/** An EVSE HBS holds, for its pricing assignment. */
interface PricedEvse {
  readonly evse: Evse
  readonly evseId: string
  readonly owner: PartyRef
  readonly ocpiId: string
}

/**
 * Pushes split by ActionType: `insert` of what HBS does not hold, `update` of what it does, `delete` of
 * what it holds (a delete of what it does not is nothing to send).
 */
function groupByAction<Item extends PushItem<unknown>>(
  items: readonly Item[],
  held: (item: Item) => boolean,
): Map<ActionType, Item[]> {
  const groups = new Map<ActionType, Item[]>()
  for (const item of items) {
    const action: ActionType = item.intent === 'delete' ? 'delete' : held(item) ? 'update' : 'insert'
    if (action === 'delete' && !held(item)) continue
    groups.set(action, [...(groups.get(action) ?? []), item])
  }
  return groups
}

/** A product to delete: OICP's record demands every field, HBS goes by the ProductID. */
function productTombstone(productId: string): PricingProductDataRecord {
  return {
    ProductID: productId,
    ReferenceUnit: 'KILOWATT_HOUR',
    ProductPriceCurrency: 'EUR',
    PricePerReferenceUnit: 0,
    MaximumProductChargingPower: 0,
    IsValid24hours: true,
    ProductAvailabilityTimes: [],
  }
}

interface MappedEvse {
  readonly record: EvseDataRecord
  readonly evse: Evse
  readonly owner: PartyRef
  readonly ocpiId: string
}

function mapEvses(
  settings: OicpBridgeSettings,
  evses: readonly { readonly location: Location; readonly evse: Evse }[],
): { records: MappedEvse[]; refusals: Omit<NewRefusal, 'correlationId' | 'protocol'>[] } {
  const defaults = { hotlinePhoneNumber: settings.default_hotline_phone, language: settings.language }
  const now = new Date()
  const records: MappedEvse[] = []
  const refusals: Omit<NewRefusal, 'correlationId' | 'protocol'>[] = []
  for (const { location, evse } of evses) {
    const owner = { country_code: location.country_code, party_id: location.party_id }
    const ocpiId = `${location.id}/${evse.uid}`.toUpperCase()
    const outcome = evseDataRecord(location, evse, defaults, now)
    if (outcome.kind === 'record') records.push({ record: outcome.record, evse, owner, ocpiId })
    else refusals.push({ object: { owner, kind: 'EVSE', id: ocpiId }, reason: outcome.reason })
  }
  return { records, refusals }
}

/** The status pushes of mapped EVSEs; none for PLANNED and REMOVED ones (mapping.md §4). */
function statusItems(
  records: readonly MappedEvse[],
  context: Omit<PushItem<EvseStatusRecord>, 'record' | 'owner' | 'ocpiId'>,
): PushItem<EvseStatusRecord>[] {
  return records.flatMap(({ record, evse, owner, ocpiId }) => {
    const status = oicpStatusOf(evse.status)
    return status === undefined
      ? []
      : [{ ...context, record: { EvseID: record.EvseID, EvseStatus: status }, owner, ocpiId }]
  })
}

function describe(outcome: PartnerOutcome): string {
  switch (outcome.kind) {
    case 'refused':
      return outcome.answer.envelope?.status_message ?? `HTTP ${outcome.answer.httpStatus}`
    case 'failed':
      return outcome.message
    case 'not-in-version':
      return outcome.reason
    case 'conversion-refused':
      return outcome.refusal.message
    default:
      return outcome.kind
  }
}
