import { Type, type Static } from '@sinclair/typebox'
import {
  BusinessDetails,
  CiString,
  ClosedEnum,
  CountryAlpha3,
  CountryCode,
  DateTime,
  DisplayText,
  EnergyMix,
  GeoLocation,
  Image,
  Latitude,
  LocalTime,
  Longitude,
  OcpiString,
  OcpiUrl,
  OpenEnum,
  Optional,
  PartyId,
  PatchOf,
} from '../../core/ocpi-types.schema.ts'
import { TokenType } from '../tokens/tokens.schema.ts'

/**
 * The Locations module (mod_locations.asciidoc, OCPI 2.3.0) with the edition-2 errata applied: Location
 * `address` string(255) and `state` string(45), and `EVSE.parking` as EVSEParking objects. GeoLocation,
 * Image, BusinessDetails and EnergyMix live in core because Tariffs and Credentials use them too.
 */

// ----- Enums. OpenEnums keep their known values as lists for docs and UIs; any other value passes.

export const STATUSES = [
  'AVAILABLE',
  'BLOCKED',
  'CHARGING',
  'INOPERATIVE',
  'OUTOFORDER',
  'PLANNED',
  'REMOVED',
  'RESERVED',
  'UNKNOWN',
] as const
export const Status = ClosedEnum(STATUSES)
export type Status = Static<typeof Status>

export const CAPABILITIES = [
  'CHARGING_PROFILE_CAPABLE',
  'CHARGING_PREFERENCES_CAPABLE',
  'CHIP_CARD_SUPPORT',
  'CONTACTLESS_CARD_SUPPORT',
  'CREDIT_CARD_PAYABLE',
  'DEBIT_CARD_PAYABLE',
  'PED_TERMINAL',
  'REMOTE_START_STOP_CAPABLE',
  'RESERVABLE',
  'RFID_READER',
  'START_SESSION_CONNECTOR_REQUIRED',
  'TOKEN_GROUP_CAPABLE',
  'UNLOCK_CAPABLE',
] as const
export const Capability = OpenEnum()
export type Capability = Static<typeof Capability>

// New in 2.3.0.
export const CONNECTOR_CAPABILITIES = ['ISO_15118_2_PLUG_AND_CHARGE', 'ISO_15118_20_PLUG_AND_CHARGE'] as const
export const ConnectorCapability = OpenEnum()
export type ConnectorCapability = Static<typeof ConnectorCapability>

export const CONNECTOR_FORMATS = ['SOCKET', 'CABLE'] as const
export const ConnectorFormat = ClosedEnum(CONNECTOR_FORMATS)
export type ConnectorFormat = Static<typeof ConnectorFormat>

// The IEC_60309_2_* values really are mixed case in the spec.
export const CONNECTOR_TYPES = [
  'CHADEMO',
  'CHAOJI',
  'DOMESTIC_A',
  'DOMESTIC_B',
  'DOMESTIC_C',
  'DOMESTIC_D',
  'DOMESTIC_E',
  'DOMESTIC_F',
  'DOMESTIC_G',
  'DOMESTIC_H',
  'DOMESTIC_I',
  'DOMESTIC_J',
  'DOMESTIC_K',
  'DOMESTIC_L',
  'DOMESTIC_M',
  'DOMESTIC_N',
  'DOMESTIC_O',
  'GBT_AC',
  'GBT_DC',
  'IEC_60309_2_single_16',
  'IEC_60309_2_three_16',
  'IEC_60309_2_three_32',
  'IEC_60309_2_three_64',
  'IEC_62196_T1',
  'IEC_62196_T1_COMBO',
  'IEC_62196_T2',
  'IEC_62196_T2_COMBO',
  'IEC_62196_T3A',
  'IEC_62196_T3C',
  'MCS',
  'NEMA_5_20',
  'NEMA_6_30',
  'NEMA_6_50',
  'NEMA_10_30',
  'NEMA_10_50',
  'NEMA_14_30',
  'NEMA_14_50',
  'PANTOGRAPH_BOTTOM_UP',
  'PANTOGRAPH_TOP_DOWN',
  'SAE_J3400',
  'TESLA_R',
  'TESLA_S',
] as const
export const ConnectorType = OpenEnum()
export type ConnectorType = Static<typeof ConnectorType>

export const POWER_TYPES = ['AC_1_PHASE', 'AC_2_PHASE', 'AC_2_PHASE_SPLIT', 'AC_3_PHASE', 'DC'] as const
export const PowerType = ClosedEnum(POWER_TYPES)
export type PowerType = Static<typeof PowerType>

export const FACILITIES = [
  'HOTEL',
  'RESTAURANT',
  'CAFE',
  'MALL',
  'SUPERMARKET',
  'SPORT',
  'RECREATION_AREA',
  'NATURE',
  'MUSEUM',
  'BIKE_SHARING',
  'BUS_STOP',
  'TAXI_STAND',
  'TRAM_STOP',
  'METRO_STATION',
  'TRAIN_STATION',
  'AIRPORT',
  'PARKING_LOT',
  'CARPOOL_PARKING',
  'FUEL_STATION',
  'WIFI',
] as const
export const Facility = OpenEnum()
export type Facility = Static<typeof Facility>

export const PARKING_RESTRICTIONS = [
  'CUSTOMERS',
  'DISABLED',
  'EMPLOYEES',
  'EV_ONLY',
  'MOTORCYCLES',
  'PLUGGED',
  'TAXIS',
  'TENANTS',
] as const
export const ParkingRestriction = OpenEnum()
export type ParkingRestriction = Static<typeof ParkingRestriction>

export const PARKING_TYPES = [
  'ALONG_MOTORWAY',
  'PARKING_GARAGE',
  'PARKING_LOT',
  'ON_DRIVEWAY',
  'ON_STREET',
  'UNDERGROUND_GARAGE',
] as const
export const ParkingType = OpenEnum()
export type ParkingType = Static<typeof ParkingType>

export const EVSE_POSITIONS = ['LEFT', 'RIGHT', 'CENTER'] as const
export const EvsePosition = ClosedEnum(EVSE_POSITIONS)
export type EvsePosition = Static<typeof EvsePosition>

export const PARKING_DIRECTIONS = ['PARALLEL', 'PERPENDICULAR', 'ANGLE'] as const
export const ParkingDirection = ClosedEnum(PARKING_DIRECTIONS)
export type ParkingDirection = Static<typeof ParkingDirection>

export const VEHICLE_TYPES = [
  'MOTORCYCLE',
  'PERSONAL_VEHICLE',
  'PERSONAL_VEHICLE_WITH_TRAILER',
  'VAN',
  'SEMI_TRACTOR',
  'RIGID',
  'TRUCK_WITH_TRAILER',
  'BUS',
  'DISABLED',
] as const
export const VehicleType = OpenEnum()
export type VehicleType = Static<typeof VehicleType>

// ----- Classes

export const AdditionalGeoLocation = Type.Object({
  latitude: Latitude,
  longitude: Longitude,
  name: Optional(DisplayText),
})
export type AdditionalGeoLocation = Static<typeof AdditionalGeoLocation>

/** A string field counts as set when present and not null (`?` fields may be sent as null). */
const isSet = (field: string) => ({ required: [field], properties: { [field]: { type: 'string' } } })

/**
 * Who may see a Location with `publish = false`. The spec's SHALL rules are enforced because an entry
 * without uid/visual_number/group_id would match every token and leak a private Location to everyone.
 */
export const PublishTokenType = Type.Object(
  {
    uid: Optional(CiString(36)),
    type: Optional(TokenType),
    visual_number: Optional(OcpiString(64)),
    issuer: Optional(OcpiString(64)),
    group_id: Optional(CiString(36)),
  },
  {
    anyOf: [isSet('uid'), isSet('visual_number'), isSet('group_id')],
    allOf: [
      { if: isSet('uid'), then: isSet('type') },
      { if: isSet('visual_number'), then: isSet('issuer') },
    ],
  },
)
export type PublishTokenType = Static<typeof PublishTokenType>

export const RegularHours = Type.Object({
  weekday: Type.Integer({ minimum: 1, maximum: 7 }),
  // "period_end must be later than period_begin" cannot be said in JSON Schema; not checked here.
  period_begin: LocalTime,
  period_end: LocalTime,
})
export type RegularHours = Static<typeof RegularHours>

export const ExceptionalPeriod = Type.Object({
  period_begin: DateTime,
  period_end: DateTime,
})
export type ExceptionalPeriod = Static<typeof ExceptionalPeriod>

/** Opening hours. Not 24/7 means at least one RegularHours entry (the spec says the list "needs" one). */
export const Hours = Type.Object(
  {
    twentyfourseven: Type.Boolean(),
    regular_hours: Optional(Type.Array(RegularHours)),
    exceptional_openings: Optional(Type.Array(ExceptionalPeriod)),
    exceptional_closings: Optional(Type.Array(ExceptionalPeriod)),
  },
  {
    if: { required: ['twentyfourseven'], properties: { twentyfourseven: { const: false } } },
    then: { required: ['regular_hours'], properties: { regular_hours: { type: 'array', minItems: 1 } } },
  },
)
export type Hours = Static<typeof Hours>

export const StatusSchedule = Type.Object({
  period_begin: DateTime,
  period_end: Optional(DateTime),
  status: Status,
})
export type StatusSchedule = Static<typeof StatusSchedule>

/** New in 2.3.0: links an EVSE to one of its Location's `parking_places` by id. */
export const EvseParking = Type.Object({
  parking_id: CiString(36),
  evse_position: Optional(EvsePosition),
})
export type EvseParking = Static<typeof EvseParking>

/** New in 2.3.0 (AFIR reporting to NAPs). Receivers that are not NAPs may ignore it but must keep it. */
export const Parking = Type.Object({
  id: CiString(36),
  physical_reference: Optional(OcpiString(12)),
  vehicle_types: Type.Array(VehicleType, { minItems: 1 }),
  max_vehicle_weight: Optional(Type.Number()),
  max_vehicle_height: Optional(Type.Number()),
  max_vehicle_length: Optional(Type.Number()),
  max_vehicle_width: Optional(Type.Number()),
  parking_space_length: Optional(Type.Number()),
  parking_space_width: Optional(Type.Number()),
  dangerous_goods_allowed: Optional(Type.Boolean()),
  direction: Optional(ParkingDirection),
  drive_through: Optional(Type.Boolean()),
  restricted_to_type: Type.Boolean(),
  reservation_required: Type.Boolean(),
  time_limit: Optional(Type.Number()),
  roofed: Optional(Type.Boolean()),
  images: Optional(Type.Array(Image)),
  lighting: Optional(Type.Boolean()),
  refrigeration_outlet: Optional(Type.Boolean()),
  standards: Optional(Type.Array(CiString(36))),
  apds_reference: Optional(CiString()),
})
export type Parking = Static<typeof Parking>

// ----- Objects

export const Connector = Type.Object({
  id: CiString(36),
  standard: ConnectorType,
  format: ConnectorFormat,
  power_type: PowerType,
  max_voltage: Type.Integer(),
  max_amperage: Type.Integer(),
  max_electric_power: Optional(Type.Integer()),
  tariff_ids: Optional(Type.Array(CiString(36))),
  terms_and_conditions: Optional(OcpiUrl),
  capabilities: Optional(Type.Array(ConnectorCapability)),
  last_updated: DateTime,
})
export type Connector = Static<typeof Connector>

export const Evse = Type.Object({
  uid: CiString(36),
  // Optional so a REMOVED EVSE can give up its evse_id for reuse.
  evse_id: Optional(CiString(48)),
  status: Status,
  status_schedule: Optional(Type.Array(StatusSchedule)),
  capabilities: Optional(Type.Array(Capability)),
  connectors: Type.Array(Connector, { minItems: 1 }),
  floor_level: Optional(OcpiString(4)),
  coordinates: Optional(GeoLocation),
  physical_reference: Optional(OcpiString(16)),
  directions: Optional(Type.Array(DisplayText)),
  parking_restrictions: Optional(Type.Array(ParkingRestriction)),
  parking: Optional(Type.Array(EvseParking)),
  images: Optional(Type.Array(Image)),
  accepted_service_providers: Optional(Type.Array(OcpiString(50))),
  last_updated: DateTime,
})
export type Evse = Static<typeof Evse>

/** The Location object (mod_locations), owned by a CPO. */
export const Location = Type.Object({
  country_code: CountryCode,
  party_id: PartyId,
  id: CiString(36),
  publish: Type.Boolean(),
  // Only meaningful with publish = false; not rejected otherwise (receivers just ignore it).
  publish_allowed_to: Optional(Type.Array(PublishTokenType)),
  name: Optional(OcpiString(255)),
  // Edition-2 erratum: 255, not the 45 printed in v2.3.0.
  address: OcpiString(255),
  city: OcpiString(45),
  postal_code: Optional(OcpiString(10)),
  // Edition-2 erratum: 45, not the 20 printed in v2.3.0.
  state: Optional(OcpiString(45)),
  country: CountryAlpha3,
  coordinates: GeoLocation,
  related_locations: Optional(Type.Array(AdditionalGeoLocation)),
  parking_type: Optional(ParkingType),
  evses: Optional(Type.Array(Evse)),
  parking_places: Optional(Type.Array(Parking)),
  directions: Optional(Type.Array(DisplayText)),
  operator: Optional(BusinessDetails),
  suboperator: Optional(BusinessDetails),
  owner: Optional(BusinessDetails),
  facilities: Optional(Type.Array(Facility)),
  // IANA tz name; not matched against the tz database, which changes faster than the hub.
  time_zone: OcpiString(255),
  opening_times: Optional(Hours),
  charging_when_closed: Optional(Type.Boolean()),
  images: Optional(Type.Array(Image)),
  energy_mix: Optional(EnergyMix),
  help_phone: Optional(CiString(25)),
  last_updated: DateTime,
})
export type Location = Static<typeof Location>

// ----- PATCH bodies: at /{location_id}, /{location_id}/{evse_uid} and /{location_id}/{evse_uid}/{connector_id}.

export const LocationPatch = PatchOf(Location)
export type LocationPatch = Static<typeof LocationPatch>

export const EvsePatch = PatchOf(Evse)
export type EvsePatch = Static<typeof EvsePatch>

export const ConnectorPatch = PatchOf(Connector)
export type ConnectorPatch = Static<typeof ConnectorPatch>
