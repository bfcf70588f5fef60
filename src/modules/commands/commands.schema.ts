import { Type, type Static, type TSchema } from '@sinclair/typebox'
import {
  CiString,
  ClosedEnum,
  DateTime,
  DisplayText,
  fieldIsSet,
  OcpiUrl,
  OpenEnum,
  Optional,
} from '../../core/ocpi-types.schema.ts'
import { Token } from '../tokens/tokens.schema.ts'

/**
 * The Commands module (mod_commands.asciidoc, OCPI 2.3.0): the eMSP POSTs a command to the CPO at
 * {commands_url}/{command}, gets a CommandResponse at once and a CommandResult later at `response_url`.
 */

// ----- Enums

// An OpenEnum since 2.3.0: a command the hub does not know is still forwarded.
export const COMMAND_TYPES = [
  'CANCEL_RESERVATION',
  'RESERVE_NOW',
  'START_SESSION',
  'STOP_SESSION',
  'UNLOCK_CONNECTOR',
] as const
export const CommandType = OpenEnum()
export type CommandType = Static<typeof CommandType>
export type KnownCommandType = (typeof COMMAND_TYPES)[number]

export const COMMAND_RESPONSE_TYPES = ['NOT_SUPPORTED', 'REJECTED', 'ACCEPTED', 'UNKNOWN_SESSION'] as const
export const CommandResponseType = ClosedEnum(COMMAND_RESPONSE_TYPES)
export type CommandResponseType = Static<typeof CommandResponseType>

export const COMMAND_RESULT_TYPES = [
  'ACCEPTED',
  'CANCELED_RESERVATION',
  'EVSE_OCCUPIED',
  'EVSE_INOPERATIVE',
  'FAILED',
  'NOT_SUPPORTED',
  'REJECTED',
  'TIMEOUT',
  'UNKNOWN_RESERVATION',
] as const
export const CommandResultType = ClosedEnum(COMMAND_RESULT_TYPES)
export type CommandResultType = Static<typeof CommandResultType>

// ----- Request bodies (eMSP → CPO)

export const CancelReservation = Type.Object({
  response_url: OcpiUrl,
  reservation_id: CiString(36),
})
export type CancelReservation = Static<typeof CancelReservation>

export const ReserveNow = Type.Object({
  response_url: OcpiUrl,
  token: Token,
  expiry_date: DateTime,
  reservation_id: CiString(36),
  location_id: CiString(36),
  evse_uid: Optional(CiString(36)),
  authorization_reference: Optional(CiString(36)),
})
export type ReserveNow = Static<typeof ReserveNow>

/**
 * StartSession. A connector only identifies a plug within an EVSE, so `evse_uid` is required as soon as
 * `connector_id` is set (null counts as not set); Ajv then answers `evse_uid: is required`.
 */
export const StartSession = Type.Object(
  {
    response_url: OcpiUrl,
    token: Token,
    location_id: CiString(36),
    evse_uid: Optional(CiString(36)),
    // Required by the CPO when the EVSE has START_SESSION_CONNECTOR_REQUIRED; only the CPO can know that.
    connector_id: Optional(CiString(36)),
    authorization_reference: Optional(CiString(36)),
  },
  { if: fieldIsSet('connector_id'), then: fieldIsSet('evse_uid') },
)
export type StartSession = Static<typeof StartSession>

export const StopSession = Type.Object({
  response_url: OcpiUrl,
  session_id: CiString(36),
})
export type StopSession = Static<typeof StopSession>

export const UnlockConnector = Type.Object({
  response_url: OcpiUrl,
  location_id: CiString(36),
  evse_uid: CiString(36),
  connector_id: CiString(36),
})
export type UnlockConnector = Static<typeof UnlockConnector>

/** Body schema of each known command; an unknown CommandType has no schema here and is passed through. */
export const COMMAND_REQUEST_SCHEMAS = {
  CANCEL_RESERVATION: CancelReservation,
  RESERVE_NOW: ReserveNow,
  START_SESSION: StartSession,
  STOP_SESSION: StopSession,
  UNLOCK_CONNECTOR: UnlockConnector,
} as const satisfies Record<KnownCommandType, TSchema>

// ----- Responses (CPO → eMSP)

/** The synchronous answer in the response envelope's `data`. */
export const CommandResponse = Type.Object({
  result: CommandResponseType,
  // Seconds the eMSP should wait for the CommandResult.
  timeout: Type.Integer(),
  message: Optional(Type.Array(DisplayText)),
})
export type CommandResponse = Static<typeof CommandResponse>

/** The asynchronous result, POSTed by the CPO to the command's `response_url`. */
export const CommandResult = Type.Object({
  result: CommandResultType,
  message: Optional(Type.Array(DisplayText)),
})
export type CommandResult = Static<typeof CommandResult>
