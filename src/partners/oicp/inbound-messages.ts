import { Value } from '@sinclair/typebox/value'
import { readOutboundPath } from '../../core/outbound-path.ts'
import { CommandResult } from '../../modules/commands/commands.schema.ts'
import { Cdr } from '../../modules/cdrs/cdrs.schema.ts'
import type { Session } from '../../modules/sessions/sessions.schema.ts'
import { sameParty, type PartyRef } from '../../core/party.ts'
import type { FastifyBaseLogger } from 'fastify'
import {
  foreignIdsOf,
  mapIdentifiers,
  ocpiObjectOf,
  recordCommandResult,
  takeCommandResults,
} from '../../storage/bridges.store.ts'
import type { Db } from '../../storage/database.ts'
import type { PartnerMessage } from '../partner-channel.ts'
import { OICP } from './oicp-settings.ts'

/**
 * What our OCPI CPOs send the bridge's virtual eMSP parties after HBS started a session at them
 * (docs/bridges/oicp.md, "HBS → our CPOs"): the CommandResult of the START_SESSION / STOP_SESSION the
 * bridge sent, which the waiting OICP call answers HBS with, and the Sessions, whose
 * `authorization_reference` (the OICP SessionID) pairs with the CPO's session id for a later stop.
 */

/**
 * The identifier-map kind of a session HBS started at one of our CPOs: SessionID ↔ the CPO's OCPI session
 * id (owner: the CPO). Apart from the sessions the hub starts at HBS (remote-commands.ts), whose SessionID
 * is the OCPI id too.
 */
export const INBOUND_SESSION_KIND = { foreign: 'InboundSessionID', ocpi: 'CPO_SESSION' } as const
/**
 * A remote start HBS asked of one of our CPOs, or an authorization HBS granted it: SessionID ↔
 * `<SessionID>/<EvseID>` (owner: the CPO); `<SessionID>/` while the EVSE is not known yet (an authorization
 * the CPO asked naming none), until its Session or CDR names it.
 */
export const INBOUND_START_KIND = { foreign: 'InboundStartID', ocpi: 'INBOUND_START' } as const
/** The OICP EMP a session at one of our CPOs is for: SessionID ↔ the virtual eMSP party (owner), for the stop. */
export const INBOUND_EMP_KIND = { foreign: 'InboundEmpSessionID', ocpi: 'INBOUND_EMP' } as const
/** The EMP's own id of such a session, echoed to HBS: SessionID ↔ `<SessionID>/<EMPPartnerSessionID>` (owner: the CPO). */
const EMP_PARTNER_SESSION_KIND = { foreign: 'EmpPartnerSessionID', ocpi: 'EMP_PARTNER_SESSION' } as const

/**
 * A session at one of our CPOs that HBS named: a remote start HBS asked of the CPO, or the CPO's own
 * authorization HBS granted (eRoamingAuthorizeStart). Its notifications, CDR and HBS's remote stop then go
 * by the SessionID (the `authorization_reference` the CPO was given).
 */
export async function rememberHbsSession(
  db: Db,
  session: {
    readonly sessionId: string
    readonly cpo: PartyRef
    /** Undefined: the authorization named no EVSE; the one the CPO's Session or CDR names is taken then. */
    readonly evseId: string | undefined
    readonly emp: PartyRef
    readonly empPartnerSessionId: string | undefined
  },
): Promise<void> {
  const { sessionId, cpo, evseId, emp, empPartnerSessionId } = session
  await mapIdentifiers(db, [
    {
      foreign: { protocol: OICP, kind: INBOUND_START_KIND.foreign, id: sessionId },
      ocpi: { owner: cpo, kind: INBOUND_START_KIND.ocpi, id: `${sessionId}/${evseId ?? ''}` },
    },
    {
      foreign: { protocol: OICP, kind: INBOUND_EMP_KIND.foreign, id: sessionId },
      ocpi: { owner: emp, kind: INBOUND_EMP_KIND.ocpi, id: sessionId },
    },
    ...(empPartnerSessionId === undefined
      ? []
      : [
          {
            foreign: { protocol: OICP, kind: EMP_PARTNER_SESSION_KIND.foreign, id: sessionId },
            ocpi: {
              owner: cpo,
              kind: EMP_PARTNER_SESSION_KIND.ocpi,
              id: `${sessionId}/${empPartnerSessionId}`,
            },
          },
        ]),
  ])
}

/** The response_url of a command the bridge sends for HBS: on HBS's host (the bridge platform's only one), never called. */
export function inboundResultUrl(
  hbsBaseUrl: string,
  sessionId: string,
  action: 'start' | 'stop' | 'reserve' | 'cancel-reservation',
): string {
  return `${hbsBaseUrl}/hub-command-results/${action}/${encodeURIComponent(sessionId)}`
}

/** How often a process with calls held open looks for their results recorded by another process. */
const RESULT_POLL_MS = 100

/**
 * CommandResults awaited by OICP calls held open, by the response_url the command carried. The result
 * reaches whichever hub process delivers it to the virtual eMSP: handed over at once when the call waits
 * in that process, else (`acrossProcesses`: several processes on one PostgreSQL) recorded in the database,
 * where the process holding the call finds it on its next look, every RESULT_POLL_MS while it waits.
 * PGlite has one process only: nothing is recorded or looked for.
 */
export class PendingCommandResults {
  readonly #waiting = new Map<string, (result: CommandResult | undefined) => void>()
  readonly #db: Db
  readonly #acrossProcesses: boolean
  readonly #log: FastifyBaseLogger
  #poll: NodeJS.Timeout | undefined
  #looking = false

  constructor(db: Db, options: { readonly acrossProcesses: boolean; readonly log: FastifyBaseLogger }) {
    this.#db = db
    this.#acrossProcesses = options.acrossProcesses
    this.#log = options.log
  }

  /** The result for `url`, or undefined when none came within `timeoutMs` or the wait was given up. */
  wait(url: string, timeoutMs: number): Promise<CommandResult | undefined> {
    const result = new Promise<CommandResult | undefined>((resolve) => {
      const timer = setTimeout(() => this.#end(url, undefined), timeoutMs)
      this.#waiting.set(url, (result) => {
        clearTimeout(timer)
        this.#waiting.delete(url)
        resolve(result)
      })
    })
    if (this.#acrossProcesses && !this.#poll) {
      this.#poll = setInterval(() => void this.#lookAcross(), RESULT_POLL_MS)
      this.#poll.unref()
    }
    return result
  }

  /** Hands a result to its waiting call, here or (recorded) in another hub process. */
  async settle(url: string, result: CommandResult): Promise<void> {
    if (this.#end(url, result) || !this.#acrossProcesses) return
    await recordCommandResult(this.#db, url, result)
  }

  /** No result will come (the command was refused or never sent): the wait ends now. */
  giveUp(url: string): void {
    this.#end(url, undefined)
  }

  #end(url: string, result: CommandResult | undefined): boolean {
    const waiting = this.#waiting.get(url)
    waiting?.(result)
    if (this.#waiting.size === 0) {
      clearInterval(this.#poll)
      this.#poll = undefined
    }
    return waiting !== undefined
  }

  /** The results other processes recorded for the calls waiting here. */
  async #lookAcross(): Promise<void> {
    if (this.#looking || this.#waiting.size === 0) return
    this.#looking = true
    try {
      const found = await takeCommandResults(this.#db, [...this.#waiting.keys()])
      for (const [url, result] of found) {
        if (Value.Check(CommandResult, result)) this.#end(url, result)
      }
    } catch (error) {
      this.#log.warn(
        { err: error },
        'OICP bridge: could not look for CommandResults received by other hub processes',
      )
    } finally {
      this.#looking = false
    }
  }
}

/** A call to HBS a message of our CPO causes, and what to remember once HBS acknowledged it. */
export interface HbsCall {
  readonly path: string
  readonly body: Record<string, unknown>
  readonly afterAck: () => Promise<void>
}

export type VirtualEmspMessage =
  { readonly kind: 'result' } | { readonly kind: 'session' | 'cdr'; readonly call: HbsCall | undefined }

/**
 * A message to a virtual eMSP the bridge handles itself: a CommandResult, handed to the OICP call waiting
 * for it; a Session, whose id is paired with the OICP SessionID and whose start and end become
 * ChargingNotifications; a CDR, which becomes an eRoamingChargeDetailRecord. Only for sessions HBS
 * started at the sending CPO: no CPO can speak for another's session. Undefined: not one of these (a
 * Session or CDR of any other session is not carried, as before the bridge took any).
 */
export async function receiveForVirtualEmsp(
  db: Db,
  pending: PendingCommandResults,
  message: PartnerMessage,
  body: unknown,
  operatorId: string | undefined,
): Promise<VirtualEmspMessage | undefined> {
  const { module, interfaceRole, method } = message
  if (module === 'commands' && interfaceRole === 'SENDER' && method === 'POST') {
    if (message.url && Value.Check(CommandResult, body)) await pending.settle(message.url, body)
    return { kind: 'result' }
  }
  if (interfaceRole !== 'RECEIVER') return undefined
  const kind =
    module === 'sessions' && (method === 'PUT' || method === 'PATCH')
      ? 'session'
      : module === 'cdrs' && method === 'POST'
        ? 'cdr'
        : undefined
  if (!kind) return undefined
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Partial<Session & Cdr>
  const [, , pathSessionId] = readOutboundPath(message.pathAndQuery).segments
  // A PATCH names the session by its OCPI id only: the SessionID it was paired with.
  const paired =
    kind === 'session' && pathSessionId
      ? (await foreignIdsOf(db, OICP, message.from, INBOUND_SESSION_KIND.ocpi, [pathSessionId])).get(
          pathSessionId,
        )
      : undefined
  const reference = fields.authorization_reference ?? paired
  if (typeof reference !== 'string') return undefined
  const started = await ocpiObjectOf(db, OICP, INBOUND_START_KIND.foreign, reference)
  if (!started || !sameParty(started.owner, message.from) || operatorId === undefined) return undefined
  const evseId =
    started.id.slice(started.id.indexOf('/') + 1) ||
    (await reportedEvseId(db, message.from, reference, fields))
  // An EVSE the hub never pushed to HBS: OICP names every session by its EvseID, so nothing can be sent.
  if (!evseId) return { kind, call: undefined }
  const empSession = await ocpiObjectOf(db, OICP, EMP_PARTNER_SESSION_KIND.foreign, reference)
  const echo = {
    SessionID: reference,
    ...(empSession ? { EMPPartnerSessionID: empSession.id.slice(empSession.id.indexOf('/') + 1) } : {}),
    OperatorID: operatorId,
    EvseID: evseId,
  }
  if (kind === 'cdr') {
    if (!Value.Check(Cdr, body)) return { kind, call: undefined }
    return { kind, call: chargeDetailRecordCall(body, echo) }
  }
  const sessionId = pathSessionId
  if (!sessionId) return { kind, call: undefined }
  await mapIdentifiers(db, [
    {
      foreign: { protocol: OICP, kind: INBOUND_SESSION_KIND.foreign, id: reference },
      ocpi: { owner: message.from, kind: INBOUND_SESSION_KIND.ocpi, id: sessionId },
    },
  ])
  return { kind, call: await notificationCall(db, message.from, sessionId, fields, echo) }
}

/**
 * The EvseID of a session HBS authorized without one: the EVSE its Session or CDR names, as the hub pushed it
 * to HBS. Remembered with the SessionID, for the session's later messages and HBS's remote stop of it.
 */
async function reportedEvseId(
  db: Db,
  cpo: PartyRef,
  sessionId: string,
  reported: Partial<Session & Cdr>,
): Promise<string | undefined> {
  const locationId = reported.location_id ?? reported.cdr_location?.id
  const evseUid = reported.evse_uid ?? reported.cdr_location?.evse_uid
  if (!locationId || !evseUid) return undefined
  // The map holds EVSEs upper case (the channel's mapEvses): ids are case-insensitive.
  const evseKey = `${locationId}/${evseUid}`.toUpperCase()
  const evseId = (await foreignIdsOf(db, OICP, cpo, 'EVSE', [evseKey])).get(evseKey)
  if (evseId === undefined) return undefined
  await mapIdentifiers(db, [
    {
      foreign: { protocol: OICP, kind: INBOUND_START_KIND.foreign, id: sessionId },
      ocpi: { owner: cpo, kind: INBOUND_START_KIND.ocpi, id: `${sessionId}/${evseId}` },
    },
  ])
  return evseId
}

interface SessionEcho {
  readonly SessionID: string
  readonly EMPPartnerSessionID?: string
  readonly OperatorID: string
  readonly EvseID: string
}

/** The driver's medium as OICP names it: an RFID card by its UID, else the contract id as EvcoID. */
function identificationOf(token: Pick<Session['cdr_token'], 'uid' | 'type' | 'contract_id'>) {
  return token.type === 'RFID'
    ? { RFIDMifareFamilyIdentification: { UID: token.uid } }
    : { RemoteIdentification: { EvcoID: token.contract_id } }
}

/** Which ChargingNotifications HBS acknowledged for a session: a marker in the identifier map each. */
const NOTIFIED_KIND = { Start: 'NotifiedStart', End: 'NotifiedEnd' } as const

const NOTIFICATIONS_PATH = '/notificationmgmt/v11/charging-notifications'

/**
 * A Session's ChargingNotification (mapping.md §7): `Start` the first time HBS hears of it, `End` once
 * it is COMPLETED (or has an end), each once. No `Progress` (its five-minute pacing is not kept here).
 */
async function notificationCall(
  db: Db,
  cpo: PartyRef,
  sessionId: string,
  session: Partial<Session>,
  echo: SessionEcho,
): Promise<HbsCall | undefined> {
  const notified = await foreignIdsOf(db, OICP, cpo, 'OICP_NOTIFIED', [
    `${echo.SessionID}/Start`,
    `${echo.SessionID}/End`,
  ])
  const ended = session.status === 'COMPLETED' || session.end_date_time != null
  const type = !notified.has(`${echo.SessionID}/Start`)
    ? 'Start'
    : ended && !notified.has(`${echo.SessionID}/End`)
      ? 'End'
      : undefined
  if (!type) return undefined
  const identification = session.cdr_token?.contract_id
    ? { Identification: identificationOf(session.cdr_token) }
    : {}
  const body =
    type === 'Start'
      ? {
          Type: type,
          ...echo,
          CPOPartnerSessionID: sessionId,
          ...identification,
          ChargingStart: session.start_date_time ?? new Date().toISOString(),
          ...(session.start_date_time ? { SessionStart: session.start_date_time } : {}),
        }
      : {
          Type: type,
          ...echo,
          CPOPartnerSessionID: sessionId,
          ...identification,
          ChargingEnd: session.end_date_time ?? session.last_updated ?? new Date().toISOString(),
          ...(session.start_date_time ? { SessionStart: session.start_date_time } : {}),
          ...(session.end_date_time ? { SessionEnd: session.end_date_time } : {}),
          ...(session.kwh === undefined ? {} : { ConsumedEnergy: session.kwh }),
        }
  return {
    path: NOTIFICATIONS_PATH,
    body,
    afterAck: () =>
      mapIdentifiers(db, [
        {
          foreign: { protocol: OICP, kind: NOTIFIED_KIND[type], id: echo.SessionID },
          ocpi: { owner: cpo, kind: 'OICP_NOTIFIED', id: `${echo.SessionID}/${type}` },
        },
      ]),
  }
}

/**
 * An OCPI CDR as eRoamingChargeDetailRecord (mapping.md §8.1): a metering record, so every price is left
 * out; the charging starts with the first charging period, and times stay in UTC.
 */
function chargeDetailRecordCall(cdr: Cdr, echo: SessionEcho): HbsCall {
  const { OperatorID, ...session } = echo
  return {
    path: `/cdrmgmt/v22/operators/${encodeURIComponent(OperatorID)}/charge-detail-record`,
    body: {
      ...session,
      ...(cdr.session_id ? { CPOPartnerSessionID: cdr.session_id } : {}),
      Identification: identificationOf(cdr.cdr_token),
      ChargingStart: cdr.charging_periods[0]?.start_date_time ?? cdr.start_date_time,
      ChargingEnd: cdr.end_date_time,
      SessionStart: cdr.start_date_time,
      SessionEnd: cdr.end_date_time,
      ConsumedEnergy: cdr.total_energy,
      HubOperatorID: OperatorID,
    },
    afterAck: async () => undefined,
  }
}
