import { Type, type Static } from '@sinclair/typebox'

/** What the marketplace reads of OCPI objects its drivers' charges bring (the rest is kept as it came). */

const Price = Type.Object({
  before_taxes: Type.Number(),
  taxes: Type.Optional(Type.Array(Type.Object({ amount: Type.Number() }))),
})
export type Price = Static<typeof Price>

/** A Price with its taxes (to the micro-unit); undefined when the CPO gave no taxes. */
export function afterTaxes(price: Price): number | undefined {
  const taxes = price.taxes?.reduce((sum, tax) => sum + tax.amount, 0)
  return taxes === undefined ? undefined : Math.round((price.before_taxes + taxes) * 1e6) / 1e6
}

const CdrToken = Type.Object({ uid: Type.String({ minLength: 1, maxLength: 36 }) })

export const DriverSession = Type.Object({
  country_code: Type.String({ pattern: '^[A-Z]{2}$' }),
  party_id: Type.String({ pattern: '^[A-Z0-9]{3}$' }),
  id: Type.String({ minLength: 1, maxLength: 36 }),
  start_date_time: Type.String(),
  end_date_time: Type.Optional(Type.String()),
  kwh: Type.Number({ minimum: 0 }),
  cdr_token: CdrToken,
  authorization_reference: Type.Optional(Type.String()),
  currency: Type.String(),
  total_cost: Type.Optional(Price),
  status: Type.String(),
})
export type DriverSession = Static<typeof DriverSession>

export const DriverCdr = Type.Object({
  country_code: Type.String({ pattern: '^[A-Z]{2}$' }),
  party_id: Type.String({ pattern: '^[A-Z0-9]{3}$' }),
  id: Type.String({ minLength: 1, maxLength: 39 }),
  start_date_time: Type.String(),
  end_date_time: Type.String(),
  session_id: Type.Optional(Type.String()),
  cdr_token: CdrToken,
  authorization_reference: Type.Optional(Type.String()),
  currency: Type.String(),
  total_cost: Price,
  total_energy: Type.Number(),
  total_time: Type.Number(),
})
export type DriverCdr = Static<typeof DriverCdr>

export const CommandResponse = Type.Object({ result: Type.String(), message: Type.Optional(Type.Unknown()) })
export const CommandResult = Type.Object({ result: Type.String() })
