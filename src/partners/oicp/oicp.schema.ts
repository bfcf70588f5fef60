import { Type, type Static } from '@sinclair/typebox'

/**
 * The OICP 2.3 messages the bridge sends and reads (Hubject's CPO and EMP OpenAPI documents), as far as the
 * bridge uses them. Unknown fields pass: HBS answers carry more than the bridge reads. JSON keys are
 * OICP's PascalCase, with its few lower-case exceptions (`lang`, `value`, `on`, `begin`, `end`).
 */

const Enum = <T extends string>(values: readonly T[]) =>
  Type.Union(values.map((value) => Type.Literal(value)))

export const StatusCode = Type.Object({
  Code: Type.String(),
  Description: Type.Optional(Type.String()),
  AdditionalInfo: Type.Optional(Type.String()),
})
export type StatusCode = Static<typeof StatusCode>

/** eRoamingAcknowledgement: business errors travel here with HTTP 200. */
export const Acknowledgement = Type.Object({
  Result: Type.Boolean(),
  StatusCode,
  SessionID: Type.Optional(Type.String()),
  CPOPartnerSessionID: Type.Optional(Type.String()),
  EMPPartnerSessionID: Type.Optional(Type.String()),
})
export type Acknowledgement = Static<typeof Acknowledgement>

export const InfoText = Type.Object({ lang: Type.String(), value: Type.String() })
export type InfoText = Static<typeof InfoText>

export const OicpAddress = Type.Object({
  Country: Type.String(),
  City: Type.String(),
  Street: Type.String(),
  PostalCode: Type.String(),
  HouseNum: Type.String(),
  Floor: Type.Optional(Type.String()),
  Region: Type.Optional(Type.String()),
  ParkingFacility: Type.Optional(Type.Boolean()),
  ParkingSpot: Type.Optional(Type.String()),
  TimeZone: Type.Optional(Type.String()),
})
export type OicpAddress = Static<typeof OicpAddress>

const DecimalDegree = Type.Object({ Latitude: Type.String(), Longitude: Type.String() })
/** The bridge sends and asks for `DecimalDegree`; `Google` ("lat lon") is read too. */
export const GeoCoordinates = Type.Object({
  DecimalDegree: Type.Optional(DecimalDegree),
  Google: Type.Optional(Type.Object({ Coordinates: Type.String() })),
})
export type GeoCoordinates = Static<typeof GeoCoordinates>

export const POWER_TYPES = ['AC_1_PHASE', 'AC_3_PHASE', 'DC'] as const
export const ChargingFacility = Type.Object({
  PowerType: Enum(POWER_TYPES),
  Power: Type.Integer(),
  Voltage: Type.Optional(Type.Integer()),
  Amperage: Type.Optional(Type.Integer()),
})
export type ChargingFacility = Static<typeof ChargingFacility>

export const OpeningTimes = Type.Object({
  Period: Type.Array(Type.Object({ begin: Type.String(), end: Type.String() })),
  on: Type.String(),
})
export type OpeningTimes = Static<typeof OpeningTimes>

export const EvseDataRecord = Type.Object({
  deltaType: Type.Optional(Enum(['insert', 'update', 'delete'] as const)),
  lastUpdate: Type.Optional(Type.String()),
  EvseID: Type.String(),
  ChargingPoolID: Type.Optional(Type.String()),
  ChargingStationID: Type.Optional(Type.String()),
  ChargingStationNames: Type.Array(InfoText),
  Address: OicpAddress,
  GeoCoordinates,
  Plugs: Type.Array(Type.String()),
  ChargingFacilities: Type.Array(ChargingFacility),
  RenewableEnergy: Type.Boolean(),
  CalibrationLawDataAvailability: Type.String(),
  AuthenticationModes: Type.Array(Type.String()),
  PaymentOptions: Type.Array(Type.String()),
  ValueAddedServices: Type.Array(Type.String()),
  Accessibility: Type.String(),
  HotlinePhoneNumber: Type.String(),
  IsOpen24Hours: Type.Boolean(),
  OpeningTimes: Type.Optional(Type.Array(OpeningTimes)),
  IsHubjectCompatible: Type.Boolean(),
  DynamicInfoAvailable: Type.String(),
  HubOperatorID: Type.Optional(Type.String()),
})
export type EvseDataRecord = Static<typeof EvseDataRecord>

export const ACTION_TYPES = ['fullLoad', 'update', 'insert', 'delete'] as const
export type ActionType = (typeof ACTION_TYPES)[number]

export interface PushEvseData {
  readonly ActionType: ActionType
  readonly OperatorEvseData: {
    readonly OperatorID: string
    readonly OperatorName: string
    readonly EvseDataRecord: readonly EvseDataRecord[]
  }
}

export const EVSE_STATUSES = [
  'Available',
  'Reserved',
  'Occupied',
  'OutOfService',
  'EvseNotFound',
  'Unknown',
] as const
export const EvseStatusRecord = Type.Object({ EvseID: Type.String(), EvseStatus: Enum(EVSE_STATUSES) })
export type EvseStatusRecord = Static<typeof EvseStatusRecord>

export interface PushEvseStatus {
  readonly ActionType: ActionType
  readonly OperatorEvseStatus: {
    readonly OperatorID: string
    readonly OperatorName: string
    readonly EvseStatusRecord: readonly EvseStatusRecord[]
  }
}

/** eRoamingDynamicPricing 1.0: the unit a pricing product's price is per. */
export const REFERENCE_UNITS = ['HOUR', 'KILOWATT_HOUR', 'MINUTE'] as const
export type ReferenceUnit = (typeof REFERENCE_UNITS)[number]

export const ADDITIONAL_REFERENCES = [
  'START FEE',
  'FIXED FEE',
  'PARKING FEE',
  'MINIMUM FEE',
  'MAXIMUM FEE',
] as const
export const PRODUCT_DAYS = [
  'Everyday',
  'Workdays',
  'Weekend',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
  'Sunday',
] as const

/** One pricing product (a price per reference unit, its fees and when it applies). */
export const PricingProductDataRecord = Type.Object({
  ProductID: Type.String({ maxLength: 50 }),
  ReferenceUnit: Enum(REFERENCE_UNITS),
  ProductPriceCurrency: Type.String(),
  PricePerReferenceUnit: Type.Number(),
  MaximumProductChargingPower: Type.Number(),
  IsValid24hours: Type.Boolean(),
  ProductAvailabilityTimes: Type.Array(
    Type.Object({
      Periods: Type.Array(Type.Object({ begin: Type.String(), end: Type.String() })),
      on: Enum(PRODUCT_DAYS),
    }),
  ),
  AdditionalReferences: Type.Optional(
    Type.Array(
      Type.Object({
        AdditionalReference: Enum(ADDITIONAL_REFERENCES),
        AdditionalReferenceUnit: Enum(REFERENCE_UNITS),
        PricePerAdditionalReferenceUnit: Type.Number(),
      }),
    ),
  ),
})
export type PricingProductDataRecord = Static<typeof PricingProductDataRecord>

export interface PushPricingProductData {
  readonly ActionType: ActionType
  readonly PricingProductData: {
    readonly OperatorID: string
    readonly OperatorName: string
    /** `*`: the products are offered to every EMP (the hub provider stands for all of HBS). */
    readonly ProviderID: string
    readonly PricingDefaultPrice: number
    readonly PricingDefaultPriceCurrency: string
    readonly PricingDefaultReferenceUnit: ReferenceUnit
    readonly PricingProductDataRecords: readonly PricingProductDataRecord[]
  }
}

/** Which pricing products apply at an EVSE, for every EMP (`*`). */
export const EvsePricingRecord = Type.Object({
  EvseID: Type.String(),
  ProviderID: Type.String(),
  EvseIDProductList: Type.Array(Type.String({ maxLength: 50 })),
})
export type EvsePricingRecord = Static<typeof EvsePricingRecord>

export interface PushEvsePricing {
  readonly ActionType: ActionType
  readonly EVSEPricing: readonly EvsePricingRecord[]
}

/** A record of eRoamingPullEvseData's answer: an EVSE with the operator that pushed it. */
export const PullEvseDataRecord = Type.Intersect([
  EvseDataRecord,
  Type.Object({ OperatorID: Type.String(), OperatorName: Type.String() }),
])
export type PullEvseDataRecord = Static<typeof PullEvseDataRecord>

/** One page of eRoamingPullEvseData's answer (Spring style, `page` from 0). */
export const EvseDataPage = Type.Object({
  content: Type.Array(PullEvseDataRecord),
  last: Type.Boolean(),
  number: Type.Integer(),
  StatusCode: Type.Optional(StatusCode),
})
export type EvseDataPage = Static<typeof EvseDataPage>

export const OperatorEvseStatus = Type.Object({
  OperatorID: Type.String(),
  OperatorName: Type.Optional(Type.String()),
  EvseStatusRecord: Type.Array(EvseStatusRecord),
})
export type OperatorEvseStatus = Static<typeof OperatorEvseStatus>

/** eRoamingPullEvseStatus's answer. */
export const EvseStatuses = Type.Object({
  EvseStatuses: Type.Object({ OperatorEvseStatus: Type.Array(OperatorEvseStatus) }),
  StatusCode: Type.Optional(StatusCode),
})
export type EvseStatuses = Static<typeof EvseStatuses>

/** eRoamingAuthorizeRemoteStart (2.1), EMP → HBS: the EMP names the SessionID, a GUID. */
export const AuthorizeRemoteStart = Type.Object({
  SessionID: Type.String(),
  EMPPartnerSessionID: Type.Optional(Type.String()),
  ProviderID: Type.String(),
  EvseID: Type.String(),
  Identification: Type.Object({ RemoteIdentification: Type.Object({ EvcoID: Type.String() }) }),
})
export type AuthorizeRemoteStart = Static<typeof AuthorizeRemoteStart>

/** eRoamingAuthorizeRemoteStop (2.1), EMP → HBS; eRoamingAuthorizeRemoteReservationStop (1.1) has the same body. */
export const AuthorizeRemoteStop = Type.Object({
  SessionID: Type.String(),
  EMPPartnerSessionID: Type.Optional(Type.String()),
  ProviderID: Type.String(),
  EvseID: Type.String(),
})
export type AuthorizeRemoteStop = Static<typeof AuthorizeRemoteStop>

/** eRoamingAuthorizeRemoteReservationStart (1.1), EMP → HBS: a remote start's fields and the minutes to hold the EVSE. */
export const AuthorizeRemoteReservationStart = Type.Composite([
  AuthorizeRemoteStart,
  Type.Object({ Duration: Type.Integer({ minimum: 1, maximum: 99 }) }),
])
export type AuthorizeRemoteReservationStart = Static<typeof AuthorizeRemoteReservationStart>

/** eRoamingAuthorizationStart (2.1), HBS → CPO: HBS's answer to an eRoamingAuthorizeStart, the fields read. */
export const AuthorizationStart = Type.Object({
  SessionID: Type.Optional(Type.String()),
  EMPPartnerSessionID: Type.Optional(Type.String()),
  ProviderID: Type.Optional(Type.String()),
  AuthorizationStatus: Type.Union([Type.Literal('Authorized'), Type.Literal('NotAuthorized')]),
  StatusCode: StatusCode,
})
export type AuthorizationStart = Static<typeof AuthorizationStart>

// ── Pricing pulled from HBS (eRoamingPullPricingProductData, eRoamingPullEVSEPricing 1.0, EMP side) ──

/**
 * eRoamingPullPricingProductData's answer: each operator's products for one provider or all (`*`). The
 * records are checked one by one (pricing-mapping.ts), so that one malformed product refuses itself only.
 */
export const PulledPricingProducts = Type.Object({
  PricingProductData: Type.Array(
    Type.Object({
      OperatorID: Type.String(),
      OperatorName: Type.Optional(Type.String()),
      ProviderID: Type.String(),
      PricingProductDataRecords: Type.Array(Type.Unknown()),
    }),
  ),
  StatusCode: Type.Optional(StatusCode),
})
export type PulledPricingProducts = Static<typeof PulledPricingProducts>

/** eRoamingPullEVSEPricing's answer: the products that apply at each EVSE, per operator. */
export const PulledEvsePricing = Type.Object({
  EVSEPricing: Type.Array(
    Type.Object({
      OperatorID: Type.String(),
      OperatorName: Type.Optional(Type.String()),
      EVSEPricing: Type.Array(EvsePricingRecord),
    }),
  ),
  StatusCode: Type.Optional(StatusCode),
})
export type PulledEvsePricing = Static<typeof PulledEvsePricing>
