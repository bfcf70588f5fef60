import { Type, type Static } from '@sinclair/typebox'
import { CiString, CountryCode, DateTime, PartyId } from '../../core/ocpi-types.schema.ts'

const Minutes = Type.Number({ minimum: 0, maximum: 7 * 24 * 60 })

/** What a price quote asks: a connector of a Location at the hub, and the charge expected there. */
export const PriceQuoteRequest = Type.Object(
  {
    location: Type.Object(
      {
        country_code: CountryCode,
        party_id: PartyId,
        location_id: CiString(36),
        evse_uid: CiString(36),
        connector_id: CiString(36),
      },
      { additionalProperties: false, description: 'The CPO, Location, EVSE and connector to charge at' },
    ),
    charge: Type.Object(
      {
        start_date_time: DateTime,
        energy_kwh: Type.Number({ minimum: 0, maximum: 10_000 }),
        duration_minutes: Type.Optional(Minutes),
        power_kw: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10_000 })),
        current_a: Type.Optional(Type.Number({ minimum: 0, maximum: 10_000 })),
        parking_minutes: Type.Optional(Minutes),
      },
      {
        additionalProperties: false,
        description:
          'The expected charge: its start, energy, and its duration or average power (one is enough); current and parking time where tariffs depend on them',
      },
    ),
  },
  { additionalProperties: false },
)
export type PriceQuoteRequest = Static<typeof PriceQuoteRequest>

/** The admin API's quote request: the same, and optionally the eMSP whose driver charges. */
export const AdminPriceQuoteRequest = Type.Object(
  {
    ...PriceQuoteRequest.properties,
    emsp: Type.Optional(
      Type.Object(
        { country_code: CountryCode, party_id: PartyId },
        {
          additionalProperties: false,
          description:
            'The eMSP whose driver charges: the Tariffs the CPO sent to that eMSP alone count too, before the public ones',
        },
      ),
    ),
  },
  { additionalProperties: false },
)
export type AdminPriceQuoteRequest = Static<typeof AdminPriceQuoteRequest>

const Amount = Type.Object({ excl_vat: Type.Number(), incl_vat: Type.Number() })

/** A quote: the price split by dimension, or why there is none. */
export const PriceQuote = Type.Object({
  outcome: Type.Union([Type.Literal('PRICED'), Type.Literal('NO_TARIFF')]),
  detail: Type.Optional(Type.String()),
  tariff_ids: Type.Optional(Type.Array(Type.String())),
  currency: Type.Optional(Type.String()),
  total: Type.Optional(Amount),
  costs: Type.Optional(Type.Record(Type.String(), Amount)),
  billed: Type.Optional(Type.Record(Type.String(), Type.Number())),
  /** False when a tariff states prices with VAT but not the rate: `excl_vat` is then not known. */
  excl_vat_known: Type.Optional(Type.Boolean()),
  /** False when a tariff states prices without VAT and not the rate: `incl_vat` is then not known. */
  incl_vat_known: Type.Optional(Type.Boolean()),
})
export type PriceQuote = Static<typeof PriceQuote>
