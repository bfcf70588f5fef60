import type { ObjectKind } from '../core/object-kinds.ts'
import type { Cdr } from './cdrs/cdrs.schema.ts'
import type {
  ActiveChargingProfile,
  ActiveChargingProfileResult,
  ChargingProfileResponse,
  ChargingProfileResult,
  ClearProfileResult,
  SetChargingProfile,
} from './charging-profiles/charging-profiles.schema.ts'
import type {
  CancelReservation,
  CommandResponse,
  CommandResult,
  ReserveNow,
  StartSession,
  StopSession,
  UnlockConnector,
} from './commands/commands.schema.ts'
import type { ClientInfo } from './hub-client-info/hub-client-info.schema.ts'
import type { Connector, Evse, Location } from './locations/locations.schema.ts'
import type { ChargingPreferences, Session } from './sessions/sessions.schema.ts'
import type { Tariff } from './tariffs/tariffs.schema.ts'
import type { AuthorizationInfo, LocationReferences, Token } from './tokens/tokens.schema.ts'

/**
 * The hub's canonical model: every object kind that crosses the hub (the converters' names, ObjectKind)
 * → its OCPI 2.3.0 type, the static type of the module's TypeBox schema. Code that builds or reads
 * canonical objects (a mapper from another protocol, an event subscriber) gets the compiler's help
 * through `CanonicalObject<'Location'>` instead of `Record<string, unknown>`.
 */
interface CanonicalObjects {
  Location: Location
  EVSE: Evse
  Connector: Connector
  Tariff: Tariff
  Token: Token
  AuthorizationInfo: AuthorizationInfo
  LocationReferences: LocationReferences
  Session: Session
  CDR: Cdr
  StartSession: StartSession
  StopSession: StopSession
  ReserveNow: ReserveNow
  CancelReservation: CancelReservation
  UnlockConnector: UnlockConnector
  CommandResponse: CommandResponse
  CommandResult: CommandResult
  ChargingPreferences: ChargingPreferences
  SetChargingProfile: SetChargingProfile
  ActiveChargingProfile: ActiveChargingProfile
  ActiveChargingProfileResult: ActiveChargingProfileResult
  ChargingProfileResponse: ChargingProfileResponse
  ChargingProfileResult: ChargingProfileResult
  ClearProfileResult: ClearProfileResult
  ClientInfo: ClientInfo
}

/** The canonical (OCPI 2.3.0) object of a kind. Indexing by ObjectKind keeps this map complete: a kind added there without its type here does not compile. */
export type CanonicalObject<Kind extends ObjectKind> = CanonicalObjects[Kind]

/** A PATCH body of a kind: only the fields present (canonical PATCH bodies are partial objects). */
export type CanonicalPatch<Kind extends ObjectKind> = Partial<CanonicalObject<Kind>>

/** What the converters take and give on the canonical side: a whole object, or a PATCH body. */
export type CanonicalBody<Kind extends ObjectKind> = CanonicalObject<Kind> | CanonicalPatch<Kind>

// The object store holds the owned objects of these modules in their canonical type.
declare module '../storage/owned-objects.store.ts' {
  interface StoredObjects {
    locations: Location
    tariffs: Tariff
    tokens: Token
  }
}
