import type { FastifyBaseLogger } from 'fastify'
import { OcpiError } from '../../core/errors.ts'
import { partyKey, sameParty, type PartyRef } from '../../core/party.ts'
import type { PartyRole } from '../../directory/party-directory.ts'
import type { HubContext } from '../../hub-context.ts'
import type { CommandResponse, CommandResult } from '../../modules/commands/commands.schema.ts'
import { sendCommand } from '../../modules/commands/commands.service.ts'
import type { Cdr } from '../../modules/cdrs/cdrs.schema.ts'
import { postCdr } from '../../modules/cdrs/cdrs.service.ts'
import type { AuthorizationInfo, LocationReferences } from '../../modules/tokens/tokens.schema.ts'
import { patchSession, putSession } from '../../modules/sessions/sessions.service.ts'
import { sessionCounterpart } from '../../modules/sessions/sessions.routing.ts'
import { evseIdOfSession, SESSION_EVSE_KIND, SESSION_KIND } from '../../partners/oicp/remote-commands.ts'
import { authorizeThroughHub, findTokenOwner } from '../../modules/tokens/token-authorization.ts'
import { queueClientInfoChanges } from '../../modules/hub-client-info/hub-client-info.service.ts'
import {
  INBOUND_EMP_KIND,
  INBOUND_SESSION_KIND,
  INBOUND_START_KIND,
  inboundResultUrl,
  rememberHbsSession,
} from '../../partners/oicp/inbound-messages.ts'
import {
  acknowledgement,
  OICP_CODES,
  type DriverIdentification,
  type InboundAuthorizeStart,
  type InboundAuthorizeStop,
  type InboundChargeDetailRecord,
  type InboundChargingNotification,
  type InboundRemoteStart,
  type InboundRemoteStop,
  type InboundReservationStart,
  type InboundReservationStop,
  type SessionEcho,
} from '../../partners/oicp/inbound.schema.ts'
import type { OicpChannel } from '../../partners/oicp/oicp-channel.ts'
import {
  isoEvseId,
  oicpPartyId,
  partyOfEvcoId,
  partyOfEvseId,
  partyOfOperatorId,
} from '../../partners/oicp/oicp-ids.ts'
import { OICP, readSettings, type OicpBridgeSettings } from '../../partners/oicp/oicp-settings.ts'
import type { HubAnswer, MessageSource } from '../../routing/hub-answer.ts'
import { mapIdentifiers, ocpiObjectOf, readBridge } from '../../storage/bridges.store.ts'
import { findObjectsById } from '../../storage/owned-objects.store.ts'

/**
 * HBS calling the hub as a CPO (docs/bridges/oicp.md, "HBS → our CPOs"): an OICP EMP's remote start or
 * stop at one of the represented OCPI CPOs' EVSEs becomes an OCPI START_SESSION / STOP_SESSION sent to
 * that CPO by a virtual eMSP party (the EMP of the EvcoID) on the bridge's platform. HBS wants its answer
 * within 10 s: the call waits for the CPO's CommandResult up to RESULT_WAIT_MS and otherwise answers
 * from the CommandResponse (mapping.md §6).
 */

/** How long an OICP call waits for the CPO's CommandResult (HBS's budget is 10 s, round trip included). */
const RESULT_WAIT_MS = 8_000

/**
 * A reservation HBS asked of one of our CPOs: SessionID ↔ `<SessionID>/<EvseID>` (owner: the CPO; the
 * SessionID is the OCPI reservation_id), and ↔ the OICP EMP's virtual eMSP that made it, for the stop.
 */
const INBOUND_RESERVATION_KIND = { foreign: 'InboundReservationID', ocpi: 'INBOUND_RESERVATION' } as const
const INBOUND_RESERVATION_EMP_KIND = {
  foreign: 'InboundReservationEmpID',
  ocpi: 'INBOUND_RESERVATION_EMP',
} as const

/** A reservation without a Duration holds the EVSE this long (Hubject's own example). */
const DEFAULT_RESERVATION_MINUTES = 15

/**
 * A session an OICP CPO started after one of our eMSPs authorized it (eRoamingAuthorizeStart): SessionID ↔
 * `<SessionID>/<token type>/<uid>` of that eMSP, so that its AuthorizeStop knows the medium it started with.
 */
const AUTHORIZED_START_KIND = { foreign: 'AuthorizedStartID', ocpi: 'AUTHORIZED_START' } as const

/** An OICP time (with its offset) as an OCPI DateTime in UTC; undefined when it is none. */
function utc(text: string | undefined): string | undefined {
  if (text === undefined) return undefined
  const time = Date.parse(text)
  return Number.isNaN(time) ? undefined : new Date(time).toISOString()
}

type Verdict = { readonly ok: true } | { readonly ok: false; readonly code: string; readonly reason: string }

const refused = (code: string, reason: string): Verdict => ({ ok: false, code, reason })

/** A CPO's CommandResponse or CommandResult as HBS's StatusCode (oicp.md §2.7). */
const CODE_OF_RESULT: Record<CommandResponse['result'] | CommandResult['result'], string> = {
  ACCEPTED: OICP_CODES.success,
  CANCELED_RESERVATION: OICP_CODES.evseReserved,
  EVSE_OCCUPIED: OICP_CODES.evseInUse,
  EVSE_INOPERATIVE: OICP_CODES.evseOutOfService,
  FAILED: OICP_CODES.evseCommunicationFailed,
  NOT_SUPPORTED: OICP_CODES.serviceNotAvailable,
  REJECTED: OICP_CODES.evseInUse,
  TIMEOUT: OICP_CODES.evseCommunicationFailed,
  UNKNOWN_RESERVATION: OICP_CODES.sessionInvalid,
  UNKNOWN_SESSION: OICP_CODES.sessionInvalid,
}

/** An EVSE the hub pushed to HBS for a represented CPO. */
interface RepresentedEvse {
  readonly owner: PartyRef
  readonly locationId: string
  readonly uid: string
  readonly evseId: string
  readonly capabilities: readonly string[]
}

export class OicpInbound {
  readonly #context: HubContext
  readonly #channel: OicpChannel
  readonly #hbsBaseUrl: string

  constructor(context: HubContext, channel: OicpChannel, hbsBaseUrl: string) {
    this.#context = context
    this.#channel = channel
    this.#hbsBaseUrl = hbsBaseUrl
  }

  /** The bridge's platform (HBS's calls are its), once the bridge was configured. */
  async platformId(): Promise<string | undefined> {
    return (await readBridge(this.#context.db, OICP))?.platform_id
  }

  /** eRoamingAuthorizeRemoteStart from HBS: START_SESSION at the CPO of the EVSE. */
  remoteStart(request: InboundRemoteStart, correlationId: string, log: FastifyBaseLogger) {
    return this.#acknowledged('AuthorizeRemoteStart', 'HBS remote start', request, log, () =>
      this.#remoteStart(request, correlationId, log),
    )
  }

  /** eRoamingAuthorizeRemoteStop from HBS: STOP_SESSION of the session the CPO reported for it. */
  remoteStop(request: InboundRemoteStop, correlationId: string, log: FastifyBaseLogger) {
    return this.#acknowledged('AuthorizeRemoteStop', 'HBS remote stop', request, log, () =>
      this.#remoteStop(request, correlationId, log),
    )
  }

  /** eRoamingAuthorizeRemoteReservationStart from HBS: RESERVE_NOW at the CPO of the EVSE. */
  remoteReservationStart(request: InboundReservationStart, correlationId: string, log: FastifyBaseLogger) {
    return this.#acknowledged(
      'AuthorizeRemoteReservationStart',
      'HBS remote reservation start',
      request,
      log,
      () => this.#remoteReservationStart(request, correlationId, log),
    )
  }

  /** eRoamingAuthorizeRemoteReservationStop from HBS: CANCEL_RESERVATION of the reservation it made. */
  remoteReservationStop(request: InboundReservationStop, correlationId: string, log: FastifyBaseLogger) {
    return this.#acknowledged(
      'AuthorizeRemoteReservationStop',
      'HBS remote reservation stop',
      request,
      log,
      () => this.#remoteReservationStop(request, correlationId, log),
    )
  }

  /** One of HBS's remote requests answered: its verdict logged, acknowledged with the request's session ids. */
  async #acknowledged(
    operation: string,
    words: string,
    request: SessionEcho & { readonly SessionID: string },
    log: FastifyBaseLogger,
    answer: () => Promise<Verdict>,
  ) {
    const verdict = await answer().catch((error: unknown) => failure(error, log))
    log.info({ oicp: operation, sessionId: request.SessionID, verdict }, words)
    return acknowledgement(verdict, echoOf(request))
  }

  /**
   * eRoamingAuthorizeStart from HBS (the hub as EMP): an OICP CPO asks whether one of our eMSPs' drivers
   * may charge. The token's eMSP, found in the hub's copy of broadcast Tokens, answers the OCPI real-time
   * authorization, asked by the OICP CPO's virtual CPO party; a token no eMSP shared is NotAuthorized at
   * once (HBS asks every EMP about an RFID card: mapping.md §5.2).
   */
  async authorizeStart(request: InboundAuthorizeStart, correlationId: string, log: FastifyBaseLogger) {
    const outcome = await this.#authorizeStart(request, correlationId, log).catch(
      (error: unknown): Authorization => ({ verdict: failure(error, log) }),
    )
    log.info({ oicp: 'AuthorizeStart', sessionId: request.SessionID, outcome }, 'HBS authorize start')
    return authorizationAnswer(outcome, echoOf(request))
  }

  /**
   * eRoamingAuthorizeStop from HBS (the hub as EMP): may this medium stop a session our eMSP authorized at an
   * OICP CPO? OCPI has no such question (mapping.md §5): answered from the start's record, Authorized for
   * the medium the session started with, NotAuthorized for any other.
   */
  async authorizeStop(request: InboundAuthorizeStop, _correlationId: string, log: FastifyBaseLogger) {
    const outcome = await this.#authorizeStop(request).catch((error: unknown): Authorization => ({
      verdict: failure(error, log),
    }))
    log.info({ oicp: 'AuthorizeStop', sessionId: request.SessionID, outcome }, 'HBS authorize stop')
    return authorizationAnswer(outcome, echoOf(request))
  }

  async #authorizeStop(request: InboundAuthorizeStop): Promise<Authorization> {
    const bridge = await this.#connectedBridge()
    if (!bridge)
      return { verdict: refused(OICP_CODES.serviceNotAvailable, 'the hub’s OICP bridge is switched off') }
    const token = tokenOf(request.Identification)
    if (!token) {
      return {
        verdict: refused(
          OICP_CODES.dataError,
          'the hub knows RFID cards and EvcoIDs, not this identification',
        ),
      }
    }
    const id = request.SessionID
    const started = await ocpiObjectOf(this.#context.db, OICP, AUTHORIZED_START_KIND.foreign, id)
    if (!started) {
      return { verdict: refused(OICP_CODES.sessionInvalid, `no eMSP of the hub authorized a session ${id}`) }
    }
    if (started.id !== startedWith(id, token)) {
      return {
        verdict: refused(
          OICP_CODES.noValidContract,
          `session ${id} was started with another medium than this ${token.type} ${token.uid}: only that one stops it`,
        ),
        provider: started.owner,
      }
    }
    return { verdict: { ok: true }, provider: started.owner }
  }

  async #authorizeStart(
    request: InboundAuthorizeStart,
    correlationId: string,
    log: FastifyBaseLogger,
  ): Promise<Authorization> {
    const bridge = await this.#connectedBridge()
    if (!bridge)
      return { verdict: refused(OICP_CODES.serviceNotAvailable, 'the hub’s OICP bridge is switched off') }
    const token = tokenOf(request.Identification)
    if (!token) {
      return {
        verdict: refused(
          OICP_CODES.dataError,
          'the hub authorizes RFID cards (RFIDMifareFamilyIdentification) and EvcoIDs, not this identification',
        ),
      }
    }
    const cpo = (request.EvseID && partyOfEvseId(request.EvseID)) || partyOfOperatorId(request.OperatorID)
    if (!cpo)
      return { verdict: refused(OICP_CODES.dataError, `OperatorID ${request.OperatorID} is not in ISO form`) }
    const problem = await ensureVirtualParty(
      this.#context,
      bridge.platformId,
      'CPO',
      cpo,
      `Hubject CPO ${oicpPartyId(cpo)}`,
      correlationId,
    )
    if (problem) return { verdict: refused(OICP_CODES.noValidContract, problem) }
    const emsp = await findTokenOwner(this.#context.db, token.uid, token.type)
    if (!emsp) {
      return {
        verdict: refused(
          OICP_CODES.invalidUid,
          `no eMSP of the hub has shared a ${token.type} token ${token.uid}`,
        ),
      }
    }
    const answer = await authorizeThroughHub(
      this.#context,
      {
        requester: { platformId: bridge.platformId, parties: [{ role: 'CPO', ...cpo }] },
        routing: { from: cpo, to: emsp },
        correlationId,
        log,
      },
      {
        tokenUid: token.uid,
        tokenType: token.type,
        locationReferences: await this.#locationOf(request.EvseID),
      },
    )
    const info = answer.envelope.data as Partial<AuthorizationInfo> | null | undefined
    if (answer.envelope.status_code !== 1000 || info?.allowed === undefined) {
      const why = answer.envelope.status_message ? `: ${answer.envelope.status_message}` : ''
      return {
        verdict: refused(
          OICP_CODES.noPositiveAnswer,
          `${partyKey(emsp)} answered OCPI ${answer.envelope.status_code}${why}`,
        ),
        provider: emsp,
      }
    }
    if (info.allowed === 'ALLOWED') {
      const id = request.SessionID
      if (id) {
        await mapIdentifiers(this.#context.db, [
          {
            foreign: { protocol: OICP, kind: AUTHORIZED_START_KIND.foreign, id },
            ocpi: { owner: emsp, kind: AUTHORIZED_START_KIND.ocpi, id: startedWith(id, token) },
          },
        ])
      }
      return { verdict: { ok: true }, provider: emsp }
    }
    const code = info.allowed === 'BLOCKED' ? OICP_CODES.evcoIdLocked : OICP_CODES.noValidContract
    return { verdict: refused(code, `${partyKey(emsp)} answered ${info.allowed}`), provider: emsp }
  }

  /**
   * eRoamingChargingNotification from HBS (the hub as EMP) about a session one of our eMSPs started at an
   * OICP CPO through the bridge: `Start`, `Progress` and `End` become the OCPI Session PUT to that eMSP,
   * from the virtual CPO (the session id is the OICP SessionID; mapping.md §7). `Error` is acknowledged
   * and logged: OCPI has no Session field for it.
   */
  async chargingNotification(
    notification: InboundChargingNotification,
    correlationId: string,
    log: FastifyBaseLogger,
  ) {
    const echo = {
      SessionID: notification.SessionID,
      CPOPartnerSessionID: notification.CPOPartnerSessionID,
      EMPPartnerSessionID: notification.EMPPartnerSessionID,
    }
    const verdict = await this.#chargingNotification(notification, correlationId, log).catch(
      (error: unknown) => failure(error, log),
    )
    log.info(
      { oicp: `ChargingNotification ${notification.Type}`, sessionId: notification.SessionID, verdict },
      'HBS charging notification',
    )
    return acknowledgement(verdict, echo)
  }

  async #chargingNotification(
    notification: InboundChargingNotification,
    correlationId: string,
    log: FastifyBaseLogger,
  ): Promise<Verdict> {
    const bridge = await this.#connectedBridge()
    if (!bridge) return refused(OICP_CODES.serviceNotAvailable, 'the hub’s OICP bridge is switched off')
    const found = await this.#bridgedSession(notification.SessionID)
    if (found.refusal) return found.refusal
    if (notification.Type === 'Error') return { ok: true }
    const { owner, emsp, held, evse, connector } = found.session
    const id = notification.SessionID
    const evcoId =
      notification.Identification?.RemoteIdentification?.EvcoID ??
      notification.Identification?.PlugAndChargeIdentification?.EvcoID
    const start = utc(notification.ChargingStart) ?? utc(notification.SessionStart)
    const end =
      notification.Type === 'End'
        ? (utc(notification.SessionEnd) ?? utc(notification.ChargingEnd))
        : undefined
    const kwh = notification.ConsumedEnergy ?? notification.ConsumedEnergyProgress
    const status = notification.Type === 'End' ? ('COMPLETED' as const) : ('ACTIVE' as const)
    const last_updated = new Date().toISOString()
    const source = virtualCpoSource(bridge.platformId, owner, emsp, correlationId, log)
    const ref = { owner, sessionId: id }
    // Without a start time (optional in Progress and End) only the change can be told: a PATCH.
    const answer = !start
      ? await patchSession(this.#context, source, {
          ...ref,
          patch: {
            status,
            ...(end ? { end_date_time: end } : {}),
            ...(kwh === undefined ? {} : { kwh }),
            last_updated,
          },
        })
      : await putSession(this.#context, source, {
          ...ref,
          session: {
            ...owner,
            id,
            start_date_time: start,
            ...(end ? { end_date_time: end } : {}),
            kwh: kwh ?? 0,
            cdr_token: {
              ...emsp,
              // OICP names the driver only when the CPO sends the Identification: else the SessionID stands in.
              uid: evcoId ?? id,
              type: 'APP_USER',
              contract_id: evcoId ?? id,
            },
            auth_method: 'COMMAND',
            authorization_reference: id,
            location_id: held.id,
            evse_uid: evse.uid,
            connector_id: connector.id,
            // OICP carries no price: the currency is the bridge's assumption (docs/bridges/oicp.md).
            currency: 'EUR',
            status,
            last_updated,
          },
        })
    if (answer.envelope.status_code === 1000) return { ok: true }
    return refused(
      OICP_CODES.partnerDidNotRespond,
      `${partyKey(emsp)} answered the Session with OCPI ${answer.envelope.status_code}`,
    )
  }

  /**
   * eRoamingChargeDetailRecord from HBS (the hub as EMP): an OICP CPO's record of a session one of our
   * eMSPs started at it through the bridge becomes that eMSP's OCPI CDR, posted by the virtual CPO
   * (mapping.md §8.1). OICP carries no price: the CDR costs 0 EUR and says so in its remark.
   */
  async chargeDetailRecord(record: InboundChargeDetailRecord, correlationId: string, log: FastifyBaseLogger) {
    const echo = {
      SessionID: record.SessionID,
      CPOPartnerSessionID: record.CPOPartnerSessionID,
      EMPPartnerSessionID: record.EMPPartnerSessionID,
    }
    const verdict = await this.#chargeDetailRecord(record, correlationId, log).catch((error: unknown) =>
      failure(error, log),
    )
    log.info({ oicp: 'ChargeDetailRecord', sessionId: record.SessionID, verdict }, 'HBS charge detail record')
    return acknowledgement(verdict, echo)
  }

  async #chargeDetailRecord(
    record: InboundChargeDetailRecord,
    correlationId: string,
    log: FastifyBaseLogger,
  ): Promise<Verdict> {
    const bridge = await this.#connectedBridge()
    if (!bridge) return refused(OICP_CODES.serviceNotAvailable, 'the hub’s OICP bridge is switched off')
    const found = await this.#bridgedSession(record.SessionID)
    if (found.refusal) return found.refusal
    const { owner, emsp, held, evse, connector } = found.session
    if (isoEvseId(record.EvseID) !== evse.evse_id?.toUpperCase()) {
      return refused(
        OICP_CODES.sessionInvalid,
        `session ${record.SessionID} was started at ${evse.evse_id ?? evse.uid}, not at ${record.EvseID}`,
      )
    }
    const [sessionStart, sessionEnd, chargingStart, chargingEnd] = [
      record.SessionStart,
      record.SessionEnd,
      record.ChargingStart,
      record.ChargingEnd,
    ].map(utc)
    if (!sessionStart || !sessionEnd || !chargingStart || !chargingEnd) {
      return refused(
        OICP_CODES.dataError,
        'SessionStart, SessionEnd, ChargingStart and ChargingEnd must be times',
      )
    }
    const id = record.SessionID
    const { Identification: identification } = record
    const evcoId =
      identification.RemoteIdentification?.EvcoID ?? identification.PlugAndChargeIdentification?.EvcoID
    const rfid = identification.RFIDMifareFamilyIdentification?.UID
    const hours = (from: string, to: string) => Math.max(0, Date.parse(to) - Date.parse(from)) / 3_600_000
    const parkingHours = hours(chargingEnd, sessionEnd)
    const zero = { before_taxes: 0 }
    const cdr: Cdr = {
      ...owner,
      id,
      start_date_time: sessionStart,
      end_date_time: sessionEnd,
      session_id: id,
      cdr_token: {
        ...emsp,
        // RFID cards name no contract: the card's UID stands in (mapping.md §8.1).
        uid: evcoId ?? rfid ?? id,
        type: evcoId ? 'APP_USER' : rfid ? 'RFID' : 'APP_USER',
        contract_id: evcoId ?? rfid ?? id,
      },
      auth_method: 'COMMAND',
      authorization_reference: id,
      cdr_location: {
        id: held.id,
        ...(held.name ? { name: held.name } : {}),
        address: held.address,
        city: held.city,
        ...(held.postal_code ? { postal_code: held.postal_code } : {}),
        ...(held.state ? { state: held.state } : {}),
        country: held.country,
        coordinates: held.coordinates,
        evse_uid: evse.uid,
        evse_id: evse.evse_id ?? evse.uid,
        connector_id: connector.id,
        connector_standard: connector.standard,
        connector_format: connector.format,
        connector_power_type: connector.power_type,
      },
      // OICP carries no price: the currency is the bridge's assumption, as for the Session.
      currency: 'EUR',
      charging_periods: [
        {
          start_date_time: chargingStart,
          dimensions: [
            { type: 'ENERGY', volume: record.ConsumedEnergy },
            { type: 'TIME', volume: hours(chargingStart, chargingEnd) },
          ],
        },
        ...(parkingHours > 0
          ? [
              {
                start_date_time: chargingEnd,
                dimensions: [{ type: 'PARKING_TIME' as const, volume: parkingHours }],
              },
            ]
          : []),
      ],
      total_cost: zero,
      total_energy: record.ConsumedEnergy,
      total_time: hours(sessionStart, sessionEnd),
      ...(parkingHours > 0 ? { total_parking_time: parkingHours } : {}),
      remark: 'From a Hubject (OICP) ChargeDetailRecord: OICP carries no price, the costs are 0',
      last_updated: new Date().toISOString(),
    }
    const answer = await postCdr(
      this.#context,
      virtualCpoSource(bridge.platformId, owner, emsp, correlationId, log),
      cdr,
    )
    if (answer.envelope.status_code === 1000) return { ok: true }
    return refused(
      OICP_CODES.partnerDidNotRespond,
      `${partyKey(emsp)} answered the CDR with OCPI ${answer.envelope.status_code}`,
    )
  }

  /**
   * A session one of our eMSPs started at an OICP CPO through the bridge, by its SessionID: the virtual CPO
   * that owns it, the eMSP (route index), and the pulled EVSE it runs at.
   */
  async #bridgedSession(id: string) {
    const db = this.#context.db
    const [session, sessionEvse] = await Promise.all([
      ocpiObjectOf(db, OICP, SESSION_KIND.foreign, id),
      ocpiObjectOf(db, OICP, SESSION_EVSE_KIND.foreign, id),
    ])
    const emsp = session && (await sessionCounterpart(db, session.owner, id))
    if (!session || !sessionEvse || !emsp) {
      return {
        refusal: refused(
          OICP_CODES.sessionInvalid,
          `no eMSP of the hub started a session ${id} through the bridge`,
        ),
      }
    }
    const evseId = evseIdOfSession(sessionEvse.id)
    const location = await this.#locationOf(evseId)
    const [held] = location
      ? await findObjectsById(db, { module: 'locations', owners: [session.owner] }, location.location_id)
      : []
    const evse = held?.evses?.find((candidate) => candidate.uid === location?.evse_uids?.[0])
    const connector = evse?.connectors[0]
    if (!held || !evse || !connector) {
      return { refusal: refused(OICP_CODES.unknownEvse, `the hub holds no EVSE ${evseId} of session ${id}`) }
    }
    return { session: { owner: session.owner, emsp, held, evse, connector } }
  }

  /** The pulled OICP EVSE as the OCPI Location references of an authorization, when the hub holds it. */
  async #locationOf(evseId: string | undefined): Promise<LocationReferences | undefined> {
    const iso = evseId === undefined ? undefined : isoEvseId(evseId)
    if (!iso) return undefined
    const ref = await ocpiObjectOf(this.#context.db, OICP, 'EvseID', iso)
    if (!ref) return undefined
    const [location_id, evseUid] = ref.id.split('/') as [string, string]
    return { location_id, evse_uids: [evseUid] }
  }

  async #remoteStart(
    request: InboundRemoteStart,
    correlationId: string,
    log: FastifyBaseLogger,
  ): Promise<Verdict> {
    const target = await this.#empDriverAt(request, 'remote start', correlationId)
    if ('ok' in target) return target
    const { bridge, driver, evse } = target
    await rememberHbsSession(this.#context.db, {
      sessionId: request.SessionID,
      cpo: evse.owner,
      evseId: evse.evseId,
      emp: driver.emp,
      empPartnerSessionId: request.EMPPartnerSessionID,
    })
    const responseUrl = inboundResultUrl(this.#hbsBaseUrl, request.SessionID, 'start')
    const body = {
      response_url: responseUrl,
      token: virtualEmspToken(driver),
      location_id: evse.locationId,
      evse_uid: evse.uid,
      authorization_reference: request.SessionID,
    }
    return this.#command(
      { platformId: bridge.platformId, from: driver.emp, to: evse.owner, correlationId, log },
      { name: 'START_SESSION', command: { type: 'START_SESSION', body } },
      responseUrl,
    )
  }

  /**
   * An OICP EMP's reservation at a represented CPO's EVSE as RESERVE_NOW from its virtual eMSP: the SessionID
   * HBS named is the reservation_id, the Duration (DEFAULT_RESERVATION_MINUTES when absent) the expiry_date,
   * the driver's token as for a remote start. An EVSE without the RESERVABLE capability is refused at once.
   */
  async #remoteReservationStart(
    request: InboundReservationStart,
    correlationId: string,
    log: FastifyBaseLogger,
  ): Promise<Verdict> {
    const target = await this.#empDriverAt(request, 'reservation', correlationId, (evse) =>
      evse.capabilities.includes('RESERVABLE')
        ? undefined
        : `EVSE ${request.EvseID} of ${partyKey(evse.owner)} cannot be reserved (no RESERVABLE capability)`,
    )
    if ('ok' in target) return target
    const { bridge, driver, evse } = target
    const { emp } = driver
    const id = request.SessionID
    await mapIdentifiers(this.#context.db, [
      {
        foreign: { protocol: OICP, kind: INBOUND_RESERVATION_KIND.foreign, id },
        ocpi: { owner: evse.owner, kind: INBOUND_RESERVATION_KIND.ocpi, id: `${id}/${evse.evseId}` },
      },
      {
        foreign: { protocol: OICP, kind: INBOUND_RESERVATION_EMP_KIND.foreign, id },
        ocpi: { owner: emp, kind: INBOUND_RESERVATION_EMP_KIND.ocpi, id },
      },
    ])
    const minutes = request.Duration ?? DEFAULT_RESERVATION_MINUTES
    const responseUrl = inboundResultUrl(this.#hbsBaseUrl, id, 'reserve')
    const body = {
      response_url: responseUrl,
      token: virtualEmspToken(driver),
      expiry_date: new Date(Date.now() + minutes * 60_000).toISOString(),
      reservation_id: id,
      location_id: evse.locationId,
      evse_uid: evse.uid,
      authorization_reference: id,
    }
    return this.#command(
      { platformId: bridge.platformId, from: emp, to: evse.owner, correlationId, log },
      { name: 'RESERVE_NOW', command: { type: 'RESERVE_NOW', body } },
      responseUrl,
    )
  }

  /**
   * An OICP EMP's driver at one of the EVSEs the hub represents, for a remote start or reservation: the
   * bridge, the driver (EvcoID and EMP) and the EVSE, the EMP's virtual eMSP made sure of; or the refusal.
   * `unfit` refuses an EVSE for this request (serviceNotAvailable) before any party is made.
   */
  async #empDriverAt(
    request: { readonly Identification: InboundRemoteStart['Identification']; readonly EvseID: string },
    what: string,
    correlationId: string,
    unfit: (evse: RepresentedEvse) => string | undefined = () => undefined,
  ) {
    const bridge = await this.#connectedBridge()
    if (!bridge) return refused(OICP_CODES.serviceNotAvailable, 'the hub’s OICP bridge is switched off')
    const driver = remoteDriverOf(request.Identification)
    if (!driver) return refused(OICP_CODES.dataError, NO_EVCO_ID(what))
    const evse = await this.#representedEvse(bridge.settings, request.EvseID)
    if (!evse) return refused(OICP_CODES.unknownEvse, `the hub represents no EVSE ${request.EvseID}`)
    const reason = unfit(evse)
    if (reason) return refused(OICP_CODES.serviceNotAvailable, reason)
    const problem = await ensureVirtualParty(
      this.#context,
      bridge.platformId,
      'EMSP',
      driver.emp,
      `Hubject EMP ${oicpPartyId(driver.emp)}`,
      correlationId,
    )
    if (problem) return refused(OICP_CODES.noValidContract, problem)
    return { bridge, driver, evse }
  }

  /** The end of a reservation HBS made through the hub: CANCEL_RESERVATION from the same virtual eMSP. */
  async #remoteReservationStop(
    request: InboundReservationStop,
    correlationId: string,
    log: FastifyBaseLogger,
  ): Promise<Verdict> {
    const bridge = await this.#connectedBridge()
    if (!bridge) return refused(OICP_CODES.serviceNotAvailable, 'the hub’s OICP bridge is switched off')
    const db = this.#context.db
    const id = request.SessionID
    const [reserved, emp] = await Promise.all([
      ocpiObjectOf(db, OICP, INBOUND_RESERVATION_KIND.foreign, id),
      ocpiObjectOf(db, OICP, INBOUND_RESERVATION_EMP_KIND.foreign, id),
    ])
    if (!reserved || !emp || reserved.id !== `${id}/${isoEvseId(request.EvseID) ?? request.EvseID}`) {
      return refused(
        OICP_CODES.sessionInvalid,
        `no reservation ${id} was made through the hub at ${request.EvseID}`,
      )
    }
    const responseUrl = inboundResultUrl(this.#hbsBaseUrl, id, 'cancel-reservation')
    return this.#command(
      { platformId: bridge.platformId, from: emp.owner, to: reserved.owner, correlationId, log },
      {
        name: 'CANCEL_RESERVATION',
        command: { type: 'CANCEL_RESERVATION', body: { response_url: responseUrl, reservation_id: id } },
      },
      responseUrl,
    )
  }

  async #remoteStop(
    request: InboundRemoteStop,
    correlationId: string,
    log: FastifyBaseLogger,
  ): Promise<Verdict> {
    const bridge = await this.#connectedBridge()
    if (!bridge) return refused(OICP_CODES.serviceNotAvailable, 'the hub’s OICP bridge is switched off')
    const db = this.#context.db
    const id = request.SessionID
    const [started, emp, session] = await Promise.all([
      ocpiObjectOf(db, OICP, INBOUND_START_KIND.foreign, id),
      ocpiObjectOf(db, OICP, INBOUND_EMP_KIND.foreign, id),
      ocpiObjectOf(db, OICP, INBOUND_SESSION_KIND.foreign, id),
    ])
    if (!started || !emp || started.id !== `${id}/${isoEvseId(request.EvseID) ?? request.EvseID}`) {
      return refused(
        OICP_CODES.sessionInvalid,
        `no session ${id} was started through the hub at ${request.EvseID}`,
      )
    }
    if (!session || !sameParty(session.owner, started.owner)) {
      return refused(
        OICP_CODES.sessionInvalid,
        `${partyKey(started.owner)} has not reported session ${id} to the hub yet: it cannot be stopped by its OCPI id`,
      )
    }
    const responseUrl = inboundResultUrl(this.#hbsBaseUrl, id, 'stop')
    return this.#command(
      { platformId: bridge.platformId, from: emp.owner, to: started.owner, correlationId, log },
      {
        name: 'STOP_SESSION',
        command: { type: 'STOP_SESSION', body: { response_url: responseUrl, session_id: session.id } },
      },
      responseUrl,
    )
  }

  /**
   * Sends the command as the virtual eMSP and turns the CPO's answer into HBS's verdict: a refusal at once,
   * else the CommandResult when it comes within RESULT_WAIT_MS, else the accepted CommandResponse.
   */
  async #command(
    route: {
      readonly platformId: string
      readonly from: PartyRef
      readonly to: PartyRef
      readonly correlationId: string
      readonly log: FastifyBaseLogger
    },
    request: Parameters<typeof sendCommand>[2],
    responseUrl: string,
  ): Promise<Verdict> {
    const source: MessageSource = {
      requester: { platformId: route.platformId, parties: [{ role: 'EMSP', ...route.from }] },
      routing: { from: route.from, to: route.to },
      correlationId: route.correlationId,
      log: route.log,
    }
    const pending = this.#channel.inboundResults
    const result = pending.wait(responseUrl, RESULT_WAIT_MS)
    let answer: HubAnswer
    try {
      answer = await sendCommand(this.#context, source, request)
    } catch (error) {
      pending.giveUp(responseUrl)
      throw error
    }
    const { envelope } = answer
    const response = envelope.data as Partial<CommandResponse> | null | undefined
    if (envelope.status_code !== 1000 || response?.result === undefined) {
      pending.giveUp(responseUrl)
      const why = envelope.status_message ? `: ${envelope.status_message}` : ''
      return refused(
        OICP_CODES.evseCommunicationFailed,
        `${partyKey(route.to)} answered ${request.name} with OCPI ${envelope.status_code}${why}`,
      )
    }
    if (response.result !== 'ACCEPTED') {
      pending.giveUp(responseUrl)
      return refused(
        CODE_OF_RESULT[response.result],
        `${partyKey(route.to)} answered ${request.name} ${response.result}${textOf(response.message)}`,
      )
    }
    const final = await result
    if (!final || final.result === 'ACCEPTED') return { ok: true }
    return refused(
      CODE_OF_RESULT[final.result],
      `${partyKey(route.to)}'s ${request.name} result: ${final.result}${textOf(final.message)}`,
    )
  }

  async #connectedBridge(): Promise<{ platformId: string; settings: OicpBridgeSettings } | undefined> {
    const bridge = await readBridge(this.#context.db, OICP)
    const settings = readSettings(bridge?.settings)
    if (!bridge || !settings?.enabled) return undefined
    return { platformId: bridge.platform_id, settings }
  }

  /** The EVSE of a represented CPO that HBS knows by this EvseID (the identifier map of the pushes). */
  async #representedEvse(settings: OicpBridgeSettings, evseId: string): Promise<RepresentedEvse | undefined> {
    const iso = isoEvseId(evseId)
    if (!iso) return undefined
    const ref = await ocpiObjectOf(this.#context.db, OICP, 'EvseID', iso)
    if (!ref || !settings.represented_cpos.some((cpo) => sameParty(cpo, ref.owner))) return undefined
    const [locationId, evseUid] = ref.id.split('/') as [string, string]
    const [location] = await findObjectsById(
      this.#context.db,
      { module: 'locations', owners: [ref.owner] },
      locationId,
    )
    const evse = location?.evses?.find((candidate) => candidate.uid.toUpperCase() === evseUid.toUpperCase())
    if (!location || !evse || evse.status === 'REMOVED') return undefined
    return {
      owner: ref.owner,
      locationId: location.id,
      uid: evse.uid,
      evseId: iso,
      capabilities: evse.capabilities ?? [],
    }
  }
}

/**
 * An OICP EMP (or CPO) as a virtual party of the bridge's platform, created CONNECTED the first time (the
 * partners learn it through ClientInfo), as the pulled CPOs are. A party that is an OCPI party of another
 * platform in that role is refused: the bridge never speaks for a party it does not hold. Returns the
 * reason of a refusal.
 */
export async function ensureVirtualParty(
  context: HubContext,
  platformId: string,
  roleName: 'EMSP' | 'CPO',
  party: PartyRef,
  name: string,
  correlationId: string,
): Promise<string | undefined> {
  const directory = context.directory
  const role: PartyRole = { role: roleName, ...party, business_details: { name } }
  if (directory.liveRoleConflicts([role], platformId).length > 0) {
    return `${partyKey(party)} is a ${roleName} of another platform of the hub, not of Hubject`
  }
  const held = directory.partiesOf(platformId)
  if (held.some((candidate) => candidate.role === roleName && sameParty(candidate, party))) return undefined
  await directory.write(async (tx) => {
    const before = await tx.partiesOf(platformId)
    await tx.insertParties(platformId, 'CONNECTED', [role])
    await queueClientInfoChanges(tx, context.hub, platformId, before, correlationId)
  })
  context.delivery.wake()
  return undefined
}

/** The driver of a remote start or reservation: the EvcoID and its EMP (the virtual eMSP), when ISO or DIN. */
function remoteDriverOf(
  identification: InboundRemoteStart['Identification'],
): { readonly evcoId: string; readonly emp: PartyRef } | undefined {
  const evcoId =
    identification.RemoteIdentification?.EvcoID ?? identification.PlugAndChargeIdentification?.EvcoID
  const emp = evcoId === undefined ? undefined : partyOfEvcoId(evcoId)
  return evcoId && emp ? { evcoId, emp } : undefined
}

const NO_EVCO_ID = (what: string) =>
  `a ${what} through the hub needs an ISO or DIN EvcoID (RemoteIdentification or PlugAndChargeIdentification)`

/** The OCPI Token of an OICP EMP's driver: the EvcoID as uid and contract_id of the EMP's virtual eMSP. */
function virtualEmspToken(driver: { readonly evcoId: string; readonly emp: PartyRef }) {
  return {
    ...driver.emp,
    uid: driver.evcoId,
    type: 'APP_USER' as const,
    contract_id: driver.evcoId,
    issuer: `Hubject EMP ${oicpPartyId(driver.emp)}`,
    valid: true,
    whitelist: 'ALLOWED' as const,
    last_updated: new Date().toISOString(),
  }
}

/** A message of an OICP CPO's virtual CPO party to the eMSP of a bridged session. */
function virtualCpoSource(
  platformId: string,
  cpo: PartyRef,
  emsp: PartyRef,
  correlationId: string,
  log: FastifyBaseLogger,
): MessageSource {
  return {
    requester: { platformId, parties: [{ role: 'CPO', ...cpo }] },
    routing: { from: cpo, to: emsp },
    correlationId,
    log,
  }
}

/** An authorization's verdict and the eMSP that gave it (ProviderID of the answer). */
interface Authorization {
  readonly verdict: Verdict
  readonly provider?: PartyRef | undefined
}

/** eRoamingAuthorizationStart / Stop: the acknowledgement's fields with the AuthorizationStatus. */
function authorizationAnswer(outcome: Authorization, echo: SessionEcho) {
  const { Result, ...answer } = acknowledgement(outcome.verdict, echo)
  return {
    ...answer,
    ...(outcome.provider ? { ProviderID: oicpPartyId(outcome.provider) } : {}),
    AuthorizationStatus: Result ? ('Authorized' as const) : ('NotAuthorized' as const),
  }
}

/** The OCPI token an OICP identification names: an RFID card's UID, or an EvcoID. */
function tokenOf(identification: DriverIdentification): { uid: string; type: string } | undefined {
  const rfid = identification.RFIDMifareFamilyIdentification?.UID
  const evcoId =
    identification.PlugAndChargeIdentification?.EvcoID ?? identification.RemoteIdentification?.EvcoID
  if (rfid) return { uid: rfid, type: 'RFID' }
  if (evcoId) return { uid: evcoId, type: identification.PlugAndChargeIdentification ? 'EMAID' : 'APP_USER' }
  return undefined
}

function startedWith(sessionId: string, token: { readonly uid: string; readonly type: string }): string {
  return `${sessionId}/${token.type}/${token.uid.toUpperCase()}`
}

function echoOf(request: SessionEcho): SessionEcho {
  return {
    SessionID: request.SessionID,
    CPOPartnerSessionID: request.CPOPartnerSessionID,
    EMPPartnerSessionID: request.EMPPartnerSessionID,
  }
}

function textOf(message: readonly { readonly text: string }[] | null | undefined): string {
  return message?.[0] ? ` (${message[0].text})` : ''
}

/** What went wrong on the hub's side of a call, as HBS's code: the hub's routing refusal, or its own fault. */
function failure(error: unknown, log: FastifyBaseLogger): Verdict {
  if (error instanceof OcpiError) {
    switch (error.hubCode) {
      case 'HUB_ERR_FORWARD_TIMEOUT':
        return refused(OICP_CODES.partnerDidNotRespond, error.message)
      case 'HUB_ERR_RECEIVER_NOT_CONNECTED':
        return refused(OICP_CODES.partnerNotFound, error.message)
      default:
        return refused(OICP_CODES.dataError, error.message)
    }
  }
  log.error({ err: error }, 'OICP bridge: an HBS call failed in the hub')
  return refused(OICP_CODES.systemError, 'the hub failed to handle the call; it is logged')
}
