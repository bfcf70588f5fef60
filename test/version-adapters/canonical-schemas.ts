import type { TSchema } from '@sinclair/typebox'
import { Cdr } from '../../src/modules/cdrs/cdrs.schema.ts'
import {
  ActiveChargingProfile,
  ActiveChargingProfileResult,
  ChargingProfileResponse,
  ChargingProfileResult,
  ClearProfileResult,
  SetChargingProfile,
} from '../../src/modules/charging-profiles/charging-profiles.schema.ts'
import {
  CancelReservation,
  CommandResponse,
  CommandResult,
  ReserveNow,
  StartSession,
  StopSession,
  UnlockConnector,
} from '../../src/modules/commands/commands.schema.ts'
import { ClientInfo } from '../../src/modules/hub-client-info/hub-client-info.schema.ts'
import {
  Connector,
  ConnectorPatch,
  Evse,
  EvsePatch,
  Location,
  LocationPatch,
} from '../../src/modules/locations/locations.schema.ts'
import { ChargingPreferences, Session, SessionPatch } from '../../src/modules/sessions/sessions.schema.ts'
import { Tariff } from '../../src/modules/tariffs/tariffs.schema.ts'
import {
  AuthorizationInfo,
  LocationReferences,
  Token,
  TokenPatch,
} from '../../src/modules/tokens/tokens.schema.ts'
import type { ObjectKind } from '../../src/core/object-kinds.ts'
import { compileOcpiValidator } from '../../src/transport/schema-validation.ts'

/** The hub's 2.3.0 schema of each kind, compiled with the hub's own Ajv options. */
const SCHEMAS: Readonly<Record<ObjectKind, TSchema>> = {
  Location,
  EVSE: Evse,
  Connector,
  Tariff,
  Token,
  AuthorizationInfo,
  LocationReferences,
  Session,
  CDR: Cdr,
  StartSession,
  StopSession,
  ReserveNow,
  CancelReservation,
  UnlockConnector,
  CommandResponse,
  CommandResult,
  ChargingPreferences,
  SetChargingProfile,
  ActiveChargingProfile,
  ActiveChargingProfileResult,
  ChargingProfileResponse,
  ChargingProfileResult,
  ClearProfileResult,
  ClientInfo,
}

/** PATCH bodies of the kinds that have one. */
const PATCH_SCHEMAS: Readonly<Partial<Record<ObjectKind, TSchema>>> = {
  Location: LocationPatch,
  EVSE: EvsePatch,
  Connector: ConnectorPatch,
  Token: TokenPatch,
  Session: SessionPatch,
}

export function validateCanonical(kind: ObjectKind, value: unknown, partial = false) {
  const schema = partial ? PATCH_SCHEMAS[kind] : SCHEMAS[kind]
  if (schema === undefined) throw new Error(`no 2.3.0 PATCH schema for ${kind}`)
  return compileOcpiValidator(schema)(value)
}
