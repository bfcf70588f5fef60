import { partyKey, type PartyRef } from '../../core/party.ts'
import type { CommandResult, ReserveNow, StartSession } from '../../modules/commands/commands.schema.ts'
import type { Location } from '../../modules/locations/locations.schema.ts'
import type { IdentifierPair } from '../../storage/bridges.store.ts'
import type { AuthorizeRemoteReservationStart, AuthorizeRemoteStart, StatusCode } from './oicp.schema.ts'
import { evcoIdOf, isoEvseId } from './oicp-ids.ts'
import { OICP, type OicpBridgeSettings } from './oicp-settings.ts'

/**
 * OCPI START_SESSION / STOP_SESSION at a virtual CPO's Location → eRoamingAuthorizeRemoteStart / Stop at
 * HBS (mapping.md §1, §2). The hub, as hub provider, names the OICP SessionID (a GUID) and uses it as the
 * OCPI session id too; the identifier map keeps it with the EvseID it was started at, for the stop.
 */

/**
 * The identifier-map kinds of a remote session: its id, and the EvseID it runs at (`<session id>/<EvseID>`:
 * the map is unique on the OCPI side too, and an EVSE sees many sessions).
 */
export const SESSION_KIND = { foreign: 'SessionID', ocpi: 'SESSION' } as const
export const SESSION_EVSE_KIND = { foreign: 'SessionEvseID', ocpi: 'SESSION_EVSE' } as const

type RefusedMapping = { readonly kind: 'refused'; readonly reason: string }

export type RemoteStartMapping =
  { readonly kind: 'request'; readonly request: AuthorizeRemoteStart } | RefusedMapping

/** The AuthorizeRemoteStart for a StartSession at a Location the hub holds of a virtual CPO. */
export function remoteStartOf(
  settings: OicpBridgeSettings,
  location: Location,
  command: StartSession,
  sessionId: string,
): RemoteStartMapping {
  const target = remoteTargetOf(location, command)
  if (target.kind === 'refused') return target
  return {
    kind: 'request',
    request: {
      SessionID: sessionId,
      ...(command.authorization_reference ? { EMPPartnerSessionID: command.authorization_reference } : {}),
      ProviderID: settings.provider_id,
      EvseID: target.evseId,
      Identification: { RemoteIdentification: { EvcoID: target.evcoId } },
    },
  }
}

/**
 * The EvseID and EvcoID of a command at one EVSE of a virtual CPO's Location (OICP starts and reserves at
 * one EVSE, for an EMAID), or why the command names none.
 */
function remoteTargetOf(
  location: Location,
  command: Pick<StartSession, 'evse_uid' | 'token'>,
): { readonly kind: 'target'; readonly evseId: string; readonly evcoId: string } | RefusedMapping {
  const evses = location.evses ?? []
  const evse =
    command.evse_uid === undefined || command.evse_uid === null
      ? evses.length === 1
        ? evses[0]
        : undefined
      : evses.find((candidate) => candidate.uid.toUpperCase() === command.evse_uid!.toUpperCase())
  if (!evse) {
    return {
      kind: 'refused',
      reason:
        command.evse_uid == null
          ? `Location ${location.id} has ${evses.length} EVSEs: name the evse_uid (OICP acts on one EVSE)`
          : `Location ${location.id} has no EVSE ${command.evse_uid}`,
    }
  }
  const evseId = isoEvseId(evse.evse_id ?? '')
  if (!evseId) return { kind: 'refused', reason: `EVSE ${evse.uid} has no ISO evse_id` }
  const evcoId = evcoIdOf(command.token.contract_id)
  if (!evcoId) {
    return {
      kind: 'refused',
      reason: `the token's contract_id ${command.token.contract_id} is not an EMAID, which OICP requires as EvcoID`,
    }
  }
  return { kind: 'target', evseId, evcoId }
}

/** The identifier-map pairs of a session HBS accepted to start. */
export function remoteSessionPairs(owner: PartyRef, sessionId: string, evseId: string): IdentifierPair[] {
  return [
    {
      foreign: { protocol: OICP, kind: SESSION_KIND.foreign, id: sessionId },
      ocpi: { owner, kind: SESSION_KIND.ocpi, id: sessionId },
    },
    {
      foreign: { protocol: OICP, kind: SESSION_EVSE_KIND.foreign, id: sessionId },
      ocpi: { owner, kind: SESSION_EVSE_KIND.ocpi, id: `${sessionId}/${evseId}` },
    },
  ]
}

/**
 * OCPI RESERVE_NOW / CANCEL_RESERVATION at a virtual CPO's Location → eRoamingAuthorizeRemoteReservationStart /
 * Stop (mapping.md §6). The reservation's SessionID (named by the hub, or the one HBS acknowledged) is kept
 * for the eMSP's reservation_id (`<eMSP>/<reservation id>`: reservation ids are the eMSP's own), and with the
 * EvseID it holds (`<SessionID>/<EvseID>`), for the cancel.
 */
export const RESERVATION_KIND = { foreign: 'ReservationSessionID', ocpi: 'RESERVATION' } as const
export const RESERVATION_EVSE_KIND = { foreign: 'ReservationEvseID', ocpi: 'RESERVATION_EVSE' } as const

/** OICP holds an EVSE for 1 to 99 whole minutes (Duration). */
const MAX_RESERVATION_MINUTES = 99

export type ReservationStartMapping =
  { readonly kind: 'request'; readonly request: AuthorizeRemoteReservationStart } | RefusedMapping

/** The AuthorizeRemoteReservationStart for a ReserveNow at a Location the hub holds of a virtual CPO. */
export function reservationStartOf(
  settings: OicpBridgeSettings,
  location: Location,
  command: ReserveNow,
  sessionId: string,
  now: Date,
): ReservationStartMapping {
  const target = remoteTargetOf(location, command)
  if (target.kind === 'refused') return target
  const minutes = Math.ceil((Date.parse(command.expiry_date) - now.getTime()) / 60_000)
  if (!(minutes >= 1)) {
    return { kind: 'refused', reason: `expiry_date ${command.expiry_date} has passed` }
  }
  if (minutes > MAX_RESERVATION_MINUTES) {
    return {
      kind: 'refused',
      reason: `expiry_date ${command.expiry_date} is ${minutes} minutes ahead: OICP reserves for at most ${MAX_RESERVATION_MINUTES}`,
    }
  }
  return {
    kind: 'request',
    request: {
      SessionID: sessionId,
      ...(command.authorization_reference ? { EMPPartnerSessionID: command.authorization_reference } : {}),
      ProviderID: settings.provider_id,
      EvseID: target.evseId,
      Identification: { RemoteIdentification: { EvcoID: target.evcoId } },
      Duration: minutes,
    },
  }
}

/** The OCPI id of an eMSP's reservation in the identifier map. */
export function reservationKey(emsp: PartyRef, reservationId: string): string {
  return `${partyKey(emsp)}/${reservationId.toUpperCase()}`
}

/** The identifier-map pairs of a reservation HBS accepted. */
export function reservationPairs(
  owner: PartyRef,
  emsp: PartyRef,
  reservationId: string,
  sessionId: string,
  evseId: string,
): IdentifierPair[] {
  return [
    {
      foreign: { protocol: OICP, kind: RESERVATION_KIND.foreign, id: sessionId },
      ocpi: { owner, kind: RESERVATION_KIND.ocpi, id: reservationKey(emsp, reservationId) },
    },
    {
      foreign: { protocol: OICP, kind: RESERVATION_EVSE_KIND.foreign, id: sessionId },
      ocpi: { owner, kind: RESERVATION_EVSE_KIND.ocpi, id: `${sessionId}/${evseId}` },
    },
  ]
}

/** The EvseID of a session's SESSION_EVSE map entry. */
export function evseIdOfSession(sessionEvse: string): string {
  return sessionEvse.slice(sessionEvse.indexOf('/') + 1)
}

/**
 * HBS's verdict on a remote start or stop as the OCPI CommandResult: its acknowledgement's Result, or
 * why no verdict came. HBS answers only after the CPO did, so `Result: true` means the CPO accepted.
 */
export function commandResultOf(
  verdict:
    | { readonly kind: 'acknowledged'; readonly result: boolean; readonly status: StatusCode }
    | { readonly kind: 'no-verdict'; readonly timedOut: boolean; readonly reason: string },
): CommandResult {
  if (verdict.kind === 'no-verdict') {
    return { result: verdict.timedOut ? 'TIMEOUT' : 'FAILED', message: [displayText(verdict.reason)] }
  }
  if (verdict.result) return { result: 'ACCEPTED' }
  const { Code, Description, AdditionalInfo } = verdict.status
  const why = `Hubject: OICP ${Code}${Description ? ` ${Description}` : ''}${AdditionalInfo ? `: ${AdditionalInfo}` : ''}`
  return { result: 'REJECTED', message: [displayText(why)] }
}

export function displayText(value: string) {
  return { language: 'en', text: value.slice(0, 512) }
}
