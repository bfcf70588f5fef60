import type { CdrToken } from '../chargers/charging-sessions.ts'
import type { PartyRef } from '../hub/hub-message.ts'
import type { OcpiObject } from '../storage/store.ts'

/**
 * The in-process port between the marketplace's two roles (decision 0030): the hub does not route a
 * platform to itself, so what it would carry between the CPO role (managed chargers) and the eMSP role
 * (drivers' charges) goes through these two interfaces instead, as the same OCPI objects. Neither side
 * reads the other's tables.
 */

/** Where a command's CommandResult goes (the hub's `response_url`, or the eMSP role in process). */
export type ReportResult = (result: string) => Promise<void>

/** What the eMSP role asks of its own CPO role's chargers: the hub's START_SESSION and STOP_SESSION. */
export interface OwnChargers {
  /** The CPO role: charges at its Locations go here rather than through the hub. */
  readonly cpo: PartyRef
  /** Whether the Location's charger is connected now (a driver's card is not held for one that is not). */
  connected(locationId: string): Promise<boolean>
  /** The CommandResponse's result; the CommandResult follows through `report`. */
  startSession(
    command: {
      readonly token: CdrToken
      readonly location_id: string
      readonly evse_uid?: string | null
      readonly connector_id?: string | null
      readonly authorization_reference?: string | null
    },
    report: ReportResult,
  ): Promise<string>
  stopSession(command: { readonly session_id: string }, report: ReportResult): Promise<string>
}

/** What the CPO role hands its own eMSP role: Sessions and CDRs of the eMSP's drivers. */
export interface OwnDrivers {
  /** The eMSP role: Sessions and CDRs whose token it issued come here rather than through the hub. */
  readonly emsp: PartyRef
  writeSession(cpo: PartyRef, id: string, method: 'PUT' | 'PATCH', body: OcpiObject): Promise<void>
  receiveCdr(body: OcpiObject): Promise<unknown>
}
