import { Type, type Static } from '@sinclair/typebox'
import {
  CiString,
  ClosedEnum,
  CountryCode,
  CurrencyCode,
  DateTime,
  DisplayText,
  EnergyMix,
  LocalDate,
  LocalTime,
  OcpiUrl,
  Optional,
  PartyId,
  PriceLimit,
} from '../../core/ocpi-types.schema.ts'

export const TARIFF_TYPES = [
  'AD_HOC_PAYMENT',
  'PROFILE_CHEAP',
  'PROFILE_FAST',
  'PROFILE_GREEN',
  'REGULAR',
] as const
export const TariffType = ClosedEnum(TARIFF_TYPES)
export type TariffType = Static<typeof TariffType>

export const TARIFF_DIMENSION_TYPES = ['ENERGY', 'FLAT', 'PARKING_TIME', 'TIME'] as const
export const TariffDimensionType = ClosedEnum(TARIFF_DIMENSION_TYPES)
export type TariffDimensionType = Static<typeof TariffDimensionType>

// New in 2.3.0: says whether PriceComponent.price includes taxes.
export const TAX_INCLUDED_VALUES = ['YES', 'NO', 'N/A'] as const
export const TaxIncluded = ClosedEnum(TAX_INCLUDED_VALUES)
export type TaxIncluded = Static<typeof TaxIncluded>

export const DAYS_OF_WEEK = [
  'MONDAY',
  'TUESDAY',
  'WEDNESDAY',
  'THURSDAY',
  'FRIDAY',
  'SATURDAY',
  'SUNDAY',
] as const
export const DayOfWeek = ClosedEnum(DAYS_OF_WEEK)
export type DayOfWeek = Static<typeof DayOfWeek>

export const RESERVATION_RESTRICTION_TYPES = ['RESERVATION', 'RESERVATION_EXPIRES'] as const
export const ReservationRestrictionType = ClosedEnum(RESERVATION_RESTRICTION_TYPES)
export type ReservationRestrictionType = Static<typeof ReservationRestrictionType>

/** Bookings add-on (Booking 1.1, mod_tariffs): an element that prices a booking, not a charge. */
export const BOOKING_RESTRICTION_TYPES = [
  'BOOKING',
  'BOOKING_EXPIRES',
  'BOOKING_CANCELLATION_FEES',
  'BOOKING_OVERTIME',
] as const
export const BookingRestrictionType = ClosedEnum(BOOKING_RESTRICTION_TYPES)
export type BookingRestrictionType = Static<typeof BookingRestrictionType>

export const PriceComponent = Type.Object({
  type: TariffDimensionType,
  price: Type.Number(),
  vat: Optional(Type.Number()),
  step_size: Type.Integer({ minimum: 0 }),
})
export type PriceComponent = Static<typeof PriceComponent>

export const TariffRestrictions = Type.Object({
  start_time: Optional(LocalTime),
  end_time: Optional(LocalTime),
  start_date: Optional(LocalDate),
  end_date: Optional(LocalDate),
  min_kwh: Optional(Type.Number()),
  max_kwh: Optional(Type.Number()),
  min_current: Optional(Type.Number()),
  max_current: Optional(Type.Number()),
  min_power: Optional(Type.Number()),
  max_power: Optional(Type.Number()),
  min_duration: Optional(Type.Integer()),
  max_duration: Optional(Type.Integer()),
  day_of_week: Optional(Type.Array(DayOfWeek)),
  reservation: Optional(ReservationRestrictionType),
  booking: Optional(BookingRestrictionType),
})
export type TariffRestrictions = Static<typeof TariffRestrictions>

export const TariffElement = Type.Object({
  price_components: Type.Array(PriceComponent, { minItems: 1 }),
  restrictions: Optional(TariffRestrictions),
})
export type TariffElement = Static<typeof TariffElement>

/** The Tariff object (mod_tariffs) in its 2.3.0 shape. Tariffs are replaced by PUT, never PATCHed. */
export const Tariff = Type.Object({
  country_code: CountryCode,
  party_id: PartyId,
  id: CiString(36),
  currency: CurrencyCode,
  type: Optional(TariffType),
  tariff_alt_text: Optional(Type.Array(DisplayText)),
  tariff_alt_url: Optional(OcpiUrl),
  min_price: Optional(PriceLimit),
  max_price: Optional(PriceLimit),
  // Only in v2.3.0 (for Payments); core edition 2 moved it to the Payments package, so keep it optional.
  preauthorize_amount: Optional(Type.Number()),
  elements: Type.Array(TariffElement, { minItems: 1 }),
  tax_included: TaxIncluded,
  start_date_time: Optional(DateTime),
  end_date_time: Optional(DateTime),
  energy_mix: Optional(EnergyMix),
  last_updated: DateTime,
})
export type Tariff = Static<typeof Tariff>
