import type { CanonicalBody } from '../modules/canonical.ts'
import type { ObjectKind } from '../core/object-kinds.ts'
import type { OcpiVersion } from '../core/ocpi-versions.ts'

/**
 * The contract between the hub's version-free core (canonical OCPI 2.3.0 objects) and the adapters that
 * translate objects for partners registered in an older version. Converters are pure functions: the
 * transport layer calls them at the edge, on the way in (toCanonical) and on the way out (fromCanonical).
 */
/** An object in an older version's shape: plain JSON (only the canonical 2.3.0 objects have static types). */
export type OcpiObject = Record<string, unknown>

/** What a conversion produced, and every piece of information it could not carry across. */
export interface Converted<Value = OcpiObject> {
  readonly value: Value
  /** One line per lost or approximated field, e.g. "Tariff.elements[0].price_components[0].vat: dropped (2.2.1 has one vat per component)". */
  readonly losses: readonly string[]
}

export interface ConversionContext {
  /** A PATCH body: convert only the fields present, never add required ones. */
  readonly partial: boolean
  /**
   * The party the object belongs to, for versions whose objects do not carry it (2.1.1 Location, Token,
   * Session, CDR, Tariff have no country_code/party_id). For a 2.1.1 StartSession or ReserveNow: the eMSP
   * that sends it, which owns the Token inside.
   */
  readonly owner?: { readonly country_code: string; readonly party_id: string }
  /**
   * The canonical Location a 2.1.1 Session or CDR embeds in full (2.3.0 only names location_id, evse_uid
   * and connector_id). Looked up by the caller when available; without it the converter builds the smallest
   * Location it can and reports the loss.
   */
  readonly location?: OcpiObject
  /**
   * The canonical Token a 2.1.1 object only names by `auth_id` (Session, CDR) or leaves out
   * (AuthorizationInfo): looked up by the caller (by contract_id = auth_id, or by the uid of the authorize
   * request). Without it these conversions up to 2.3.0 are refused: the hub cannot tell whose token it is.
   */
  readonly token?: OcpiObject
  /**
   * Seconds the hub waits for a CommandResult before it answers TIMEOUT itself. A 2.1.1 CommandResponse has
   * no `timeout`; the 2.3.0 one requires it, so the hub promises its own.
   */
  readonly commandTimeout?: number
}

/**
 * Thrown when delivering the converted object would mislead the receiver (docs/versions.md lists when).
 * The transport answers the sender with OCPI 2001 naming `field`.
 */
export class ConversionRefused extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message)
    this.name = 'ConversionRefused'
  }
}

/**
 * An older version's object → its canonical 2.3.0 shape (a PATCH body stays partial). Inbound bodies are
 * then checked by the route's 2.3.0 schema; a partner's answer data is passed on as converted.
 */
export type ToCanonical = <Kind extends ObjectKind>(
  version: OcpiVersion,
  kind: Kind,
  value: OcpiObject,
  context: ConversionContext,
) => Converted<CanonicalBody<Kind>>

/** A canonical 2.3.0 object (or PATCH body) → the older version's shape. */
export type FromCanonical = <Kind extends ObjectKind>(
  version: OcpiVersion,
  kind: Kind,
  value: CanonicalBody<Kind>,
  context: ConversionContext,
) => Converted
