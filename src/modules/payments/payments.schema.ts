import { Type, type Static } from '@sinclair/typebox'
import {
  CiString,
  ClosedEnum,
  CountryAlpha3,
  CountryCode,
  CurrencyCode,
  DateTime,
  GeoLocation,
  OcpiString,
  OcpiUrl,
  Optional,
  PartyId,
  PatchOf,
  Price,
} from '../../core/ocpi-types.schema.ts'

/**
 * The Payments module (mod_payments.asciidoc, in the v2.3.0 tag; a separate package from edition 2 on).
 * Data owner is the PTP (Payment Terminal Provider); the CPO is the Receiver. Field types follow the spec
 * literally, except the Terminal's address fields (see there).
 */

// ----- Enums

export const INVOICE_CREATORS = ['CPO', 'PTP'] as const
export const InvoiceCreator = ClosedEnum(INVOICE_CREATORS)
export type InvoiceCreator = Static<typeof InvoiceCreator>

export const CAPTURE_STATUS_CODES = ['SUCCESS', 'PARTIAL_SUCCESS', 'FAILED'] as const
export const CaptureStatusCode = ClosedEnum(CAPTURE_STATUS_CODES)
export type CaptureStatusCode = Static<typeof CaptureStatusCode>

// ----- Terminal

const terminalFields = {
  terminal_id: CiString(36),
  customer_reference: Optional(CiString(36)),
  // party_id/country_code: an alternative to customer_reference for linking the terminal to a CPO.
  party_id: Optional(PartyId),
  country_code: Optional(CountryCode),
  // Typed CiString (ASCII) in mod_payments, which would refuse "Hauptstraße": read as a slip for string(n),
  // as every other address in OCPI is.
  address: Optional(OcpiString(45)),
  city: Optional(OcpiString(45)),
  postal_code: Optional(OcpiString(10)),
  state: Optional(OcpiString(20)),
  country: Optional(CountryAlpha3),
  coordinates: Optional(GeoLocation),
  invoice_base_url: Optional(OcpiUrl),
  invoice_creator: Optional(InvoiceCreator),
  // Mapping value issued by the PTP, e.g. a serial number.
  reference: Optional(CiString(36)),
  location_ids: Optional(Type.Array(CiString(36))),
  evse_uids: Optional(Type.Array(CiString(36))),
  last_updated: DateTime,
}

/** The Terminal object: one physical payment terminal and the Locations/EVSEs assigned to it. */
export const Terminal = Type.Object(terminalFields)
export type Terminal = Static<typeof Terminal>

/**
 * Body of the PTP's POST {payments_url}/terminals to the CPO. The spec says it "can be just the terminal
 * id", so `last_updated` is optional here only.
 */
export const TerminalCreate = Type.Object({ ...terminalFields, last_updated: Optional(DateTime) })
export type TerminalCreate = Static<typeof TerminalCreate>

/**
 * Body of the CPO's POST {payments_url}/terminals/activate to the PTP: the PTP assigns the terminal_id,
 * so it is optional; "the cardinality for the remaining fields stays the same".
 */
export const TerminalActivation = Type.Object({ ...terminalFields, terminal_id: Optional(CiString(36)) })
export type TerminalActivation = Static<typeof TerminalActivation>

/**
 * Body of the CPO's PATCH {payments_url}/terminals/{terminal_id} (assigning location_ids/evse_uids). The
 * module text does not repeat it, but the general PATCH rule (last_updated required) applies.
 */
export const TerminalPatch = PatchOf(Terminal)
export type TerminalPatch = Static<typeof TerminalPatch>

// ----- FinancialAdviceConfirmation

/** CiString[1..255] (eft_data lines, capture_status_message): like CiString(255), but never empty. */
const NonEmptyCiString255 = Type.String({ minLength: 1, maxLength: 255, pattern: CiString().pattern })

/** The PTP's report of a capture at the PSP, linked to the session by `authorization_reference`. */
export const FinancialAdviceConfirmation = Type.Object({
  id: CiString(36),
  // The authorization_reference the PTP gave in its StartSession.
  authorization_reference: CiString(36),
  // The amount captured from the consumer, taxes included, in the 2.3.0 Price shape.
  total_costs: Price,
  currency: CurrencyCode,
  eft_data: Type.Array(NonEmptyCiString255, { minItems: 1 }),
  capture_status_code: CaptureStatusCode,
  capture_status_message: Optional(NonEmptyCiString255),
  last_updated: DateTime,
})
export type FinancialAdviceConfirmation = Static<typeof FinancialAdviceConfirmation>
