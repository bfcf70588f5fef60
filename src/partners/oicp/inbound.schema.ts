import { Type, type Static } from '@sinclair/typebox'
import type { Acknowledgement } from './oicp.schema.ts'

/**
 * What HBS sends the hub as a CPO (hub operator): the operations Hubject's CPO document marks "To
 * RECEIVE" (oicp.md §4, §5.4). Only the fields the bridge reads are named; the rest passes unread.
 */

/** OICP's GUID SessionID (oicp.md §3), also the OCPI authorization_reference of the started session. */
const SessionId = Type.String({
  pattern: '^[A-Za-z0-9]{8}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{12}$',
})
const PartnerSessionId = Type.String({ maxLength: 250 })
const EvcoIdentification = Type.Object({ EvcoID: Type.String({ minLength: 1, maxLength: 36 }) })

/** eRoamingAuthorizeRemoteStart (2.1), HBS → CPO: HBS named the SessionID. */
export const InboundRemoteStart = Type.Object({
  SessionID: SessionId,
  CPOPartnerSessionID: Type.Optional(PartnerSessionId),
  EMPPartnerSessionID: Type.Optional(PartnerSessionId),
  ProviderID: Type.String({ minLength: 1, maxLength: 10 }),
  EvseID: Type.String({ minLength: 1, maxLength: 48 }),
  Identification: Type.Object({
    RemoteIdentification: Type.Optional(EvcoIdentification),
    PlugAndChargeIdentification: Type.Optional(EvcoIdentification),
  }),
  PartnerProductID: Type.Optional(Type.String({ maxLength: 50 })),
})
export type InboundRemoteStart = Static<typeof InboundRemoteStart>

/** eRoamingAuthorizeRemoteStop (2.1), HBS → CPO. */
export const InboundRemoteStop = Type.Object({
  SessionID: SessionId,
  CPOPartnerSessionID: Type.Optional(PartnerSessionId),
  EMPPartnerSessionID: Type.Optional(PartnerSessionId),
  ProviderID: Type.String({ minLength: 1, maxLength: 10 }),
  EvseID: Type.String({ minLength: 1, maxLength: 48 }),
})
export type InboundRemoteStop = Static<typeof InboundRemoteStop>

/**
 * eRoamingAuthorizeRemoteReservationStart (1.1), HBS → CPO: a remote start's fields and the minutes to hold
 * the EVSE. HBS names the SessionID, which stays the reservation's id (the OCPI reservation_id).
 */
export const InboundReservationStart = Type.Composite([
  InboundRemoteStart,
  Type.Object({ Duration: Type.Optional(Type.Integer({ minimum: 1, maximum: 99 })) }),
])
export type InboundReservationStart = Static<typeof InboundReservationStart>

/** eRoamingAuthorizeRemoteReservationStop (1.1), HBS → CPO: the reservation's SessionID at its EVSE. */
export const InboundReservationStop = InboundRemoteStop
export type InboundReservationStop = InboundRemoteStop

/** The driver's medium of an authorization: an RFID card or an EvcoID (the ones the hub reads). */
const DriverIdentification = Type.Object({
  RFIDMifareFamilyIdentification: Type.Optional(
    Type.Object({ UID: Type.String({ minLength: 1, maxLength: 36 }) }),
  ),
  RemoteIdentification: Type.Optional(EvcoIdentification),
  PlugAndChargeIdentification: Type.Optional(EvcoIdentification),
})
export type DriverIdentification = Static<typeof DriverIdentification>

/** eRoamingAuthorizeStart (2.1), HBS → EMP: an OICP CPO asks whether a driver may charge. */
export const InboundAuthorizeStart = Type.Object({
  SessionID: Type.Optional(SessionId),
  CPOPartnerSessionID: Type.Optional(PartnerSessionId),
  EMPPartnerSessionID: Type.Optional(PartnerSessionId),
  OperatorID: Type.String({ minLength: 1, maxLength: 10 }),
  EvseID: Type.Optional(Type.String({ minLength: 1, maxLength: 48 })),
  Identification: DriverIdentification,
  PartnerProductID: Type.Optional(Type.String({ maxLength: 50 })),
})
export type InboundAuthorizeStart = Static<typeof InboundAuthorizeStart>

/** eRoamingAuthorizeStop (2.1), HBS → EMP: an OICP CPO asks whether this medium may stop the session. */
export const InboundAuthorizeStop = Type.Object({
  SessionID: SessionId,
  CPOPartnerSessionID: Type.Optional(PartnerSessionId),
  EMPPartnerSessionID: Type.Optional(PartnerSessionId),
  OperatorID: Type.String({ minLength: 1, maxLength: 10 }),
  EvseID: Type.Optional(Type.String({ minLength: 1, maxLength: 48 })),
  Identification: DriverIdentification,
})
export type InboundAuthorizeStop = Static<typeof InboundAuthorizeStop>

/**
 * eRoamingChargingNotification (1.1), HBS → EMP: one body for the four types, discriminated by `Type`;
 * the fields the bridge reads (oicp.md §5.8).
 */
export const InboundChargingNotification = Type.Object({
  Type: Type.Union([
    Type.Literal('Start'),
    Type.Literal('Progress'),
    Type.Literal('End'),
    Type.Literal('Error'),
  ]),
  SessionID: SessionId,
  CPOPartnerSessionID: Type.Optional(PartnerSessionId),
  EMPPartnerSessionID: Type.Optional(PartnerSessionId),
  EvseID: Type.String({ minLength: 1, maxLength: 48 }),
  Identification: Type.Optional(
    Type.Object({
      RemoteIdentification: Type.Optional(EvcoIdentification),
      PlugAndChargeIdentification: Type.Optional(EvcoIdentification),
    }),
  ),
  ChargingStart: Type.Optional(Type.String({ maxLength: 40 })),
  ChargingEnd: Type.Optional(Type.String({ maxLength: 40 })),
  SessionStart: Type.Optional(Type.String({ maxLength: 40 })),
  SessionEnd: Type.Optional(Type.String({ maxLength: 40 })),
  ConsumedEnergyProgress: Type.Optional(Type.Number({ minimum: 0 })),
  ConsumedEnergy: Type.Optional(Type.Number({ minimum: 0 })),
  EventOccurred: Type.Optional(Type.String({ maxLength: 40 })),
})
export type InboundChargingNotification = Static<typeof InboundChargingNotification>

/**
 * eRoamingChargeDetailRecord (2.2), HBS → EMP: an OICP CPO's record of a finished session, the fields the
 * bridge reads (oicp.md §5.5). OICP's CDR is a metering record: it carries no price.
 */
export const InboundChargeDetailRecord = Type.Object({
  SessionID: SessionId,
  CPOPartnerSessionID: Type.Optional(PartnerSessionId),
  EMPPartnerSessionID: Type.Optional(PartnerSessionId),
  EvseID: Type.String({ minLength: 1, maxLength: 48 }),
  Identification: Type.Object({
    RFIDMifareFamilyIdentification: Type.Optional(
      Type.Object({ UID: Type.String({ minLength: 1, maxLength: 36 }) }),
    ),
    RemoteIdentification: Type.Optional(EvcoIdentification),
    PlugAndChargeIdentification: Type.Optional(EvcoIdentification),
  }),
  ChargingStart: Type.String({ maxLength: 40 }),
  ChargingEnd: Type.String({ maxLength: 40 }),
  SessionStart: Type.String({ maxLength: 40 }),
  SessionEnd: Type.String({ maxLength: 40 }),
  ConsumedEnergy: Type.Number({ minimum: 0 }),
})
export type InboundChargeDetailRecord = Static<typeof InboundChargeDetailRecord>

/** The status codes the hub answers HBS with (Hubject's StatusCodeType). */
export const OICP_CODES = {
  success: '000',
  systemError: '021',
  dataError: '022',
  unauthorized: '017',
  invalidUid: '102',
  noPositiveAnswer: '106',
  evcoIdLocked: '200',
  noValidContract: '210',
  partnerNotFound: '300',
  partnerDidNotRespond: '310',
  serviceNotAvailable: '320',
  sessionInvalid: '400',
  evseCommunicationFailed: '501',
  evseReserved: '601',
  evseInUse: '602',
  unknownEvse: '603',
  evseOutOfService: '700',
} as const

/** The session ids an acknowledgement echoes to HBS. */
export interface SessionEcho {
  readonly SessionID?: string | undefined
  readonly CPOPartnerSessionID?: string | undefined
  readonly EMPPartnerSessionID?: string | undefined
}

/** An eRoamingAcknowledgement: `000` and Result true, or a refusal with its code and the reason in words. */
export function acknowledgement(
  verdict: { readonly ok: true } | { readonly ok: false; readonly code: string; readonly reason: string },
  echo: SessionEcho = {},
): Acknowledgement & SessionEcho {
  const ids = Object.fromEntries(Object.entries(echo).filter(([, value]) => value !== undefined))
  if (verdict.ok) return { Result: true, StatusCode: { Code: OICP_CODES.success }, ...ids }
  return {
    Result: false,
    StatusCode: { Code: verdict.code, AdditionalInfo: verdict.reason.slice(0, 200) },
    ...ids,
  }
}
