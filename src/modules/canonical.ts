import type { Static, TSchema } from '@sinclair/typebox'
import type { ObjectKind } from '../core/object-kinds.ts'
import { Booking, BookingLocation, BookingRequest, Calendar } from './bookings/bookings.schema.ts'
import { Cdr } from './cdrs/cdrs.schema.ts'
import {
  ActiveChargingProfile,
  ActiveChargingProfileResult,
  ChargingProfileResponse,
  ChargingProfileResult,
  ClearProfileResult,
  SetChargingProfile,
} from './charging-profiles/charging-profiles.schema.ts'
import {
  CancelReservation,
  CommandResponse,
  CommandResult,
  ReserveNow,
  StartSession,
  StopSession,
  UnlockConnector,
} from './commands/commands.schema.ts'
import { ClientInfo } from './hub-client-info/hub-client-info.schema.ts'
import { Connector, Evse, Location } from './locations/locations.schema.ts'
import { ChargingPreferences, Session } from './sessions/sessions.schema.ts'
import { Tariff } from './tariffs/tariffs.schema.ts'
import { AuthorizationInfo, LocationReferences, Token } from './tokens/tokens.schema.ts'

/**
 * The hub's canonical model: every object kind that crosses the hub (the converters' names, ObjectKind)
 * → the module's TypeBox schema of its OCPI 2.3.0 form. The static types come from this one table, so code
 * that builds or reads canonical objects (a mapper from another protocol, an event subscriber) gets the
 * compiler's help through `CanonicalObject<'Location'>` instead of `Record<string, unknown>`, and tests
 * validate against the same schemas.
 */
export const CANONICAL_SCHEMAS = {
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
  BookingLocation,
  Calendar,
  Booking,
  BookingRequest,
} as const satisfies Readonly<Record<ObjectKind, TSchema>>

/** The canonical (OCPI 2.3.0) object of a kind. `satisfies` keeps the table complete: a kind added to ObjectKind without its schema here does not compile. */
export type CanonicalObject<Kind extends ObjectKind> = Static<(typeof CANONICAL_SCHEMAS)[Kind]>

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
    bookings: BookingLocation
  }
}
