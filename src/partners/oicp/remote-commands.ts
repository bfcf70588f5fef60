import type { PartyRef } from '../../core/party.ts'
import type { CommandResult, StartSession } from '../../modules/commands/commands.schema.ts'
import type { Location } from '../../modules/locations/locations.schema.ts'
import type { IdentifierPair } from '../../storage/bridges.store.ts'
import type { AuthorizeRemoteStart, StatusCode } from './oicp.schema.ts'
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

export type RemoteStartMapping =
  | { readonly kind: 'request'; readonly request: AuthorizeRemoteStart }
  | { readonly kind: 'refused'; readonly reason: string }

/** The AuthorizeRemoteStart for a StartSession at a Location the hub holds of a virtual CPO. */
export function remoteStartOf(
  settings: OicpBridgeSettings,
  location: Location,
  command: StartSession,
  sessionId: string,
): RemoteStartMapping {
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
          ? `Location ${location.id} has ${evses.length} EVSEs: name the evse_uid (OICP starts at one EVSE)`
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
  return {
    kind: 'request',
    request: {
      SessionID: sessionId,
      ...(command.authorization_reference ? { EMPPartnerSessionID: command.authorization_reference } : {}),
      ProviderID: settings.provider_id,
      EvseID: evseId,
      Identification: { RemoteIdentification: { EvcoID: evcoId } },
    },
  }
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
