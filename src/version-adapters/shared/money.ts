import type { OcpiObject } from '../contract.ts'
import { isSet, lose, type ConversionRun } from './conversion-run.ts'

/**
 * Price crossings. 2.2.1 and 2.1.1 prices are excluding VAT (`excl_vat`, a bare number in 2.1.1), which
 * is what 2.3.0 calls `before_taxes`. 2.2.1's `incl_vat` is `before_taxes` plus every TaxAmount; going up
 * it becomes one TaxAmount named VAT, the only tax 2.2.1 knows.
 */

/** Sum or difference of amounts, rounded to the inputs' decimals so 5.63 + 0.61 stays 6.24. */
function money(amounts: readonly number[]): number {
  const decimals = Math.min(
    10,
    Math.max(...amounts.map((amount) => (String(amount).split('.')[1] ?? '').length)),
  )
  return Number(amounts.reduce((sum, amount) => sum + amount, 0).toFixed(decimals))
}

const isVatOnly = (taxes: readonly unknown[]) =>
  taxes.length === 1 &&
  JSON.stringify(Object.keys(taxes[0] as OcpiObject).sort()) === '["amount","name"]' &&
  (taxes[0] as OcpiObject).name === 'VAT'

function taxesOf(price: OcpiObject): OcpiObject[] | undefined {
  return Array.isArray(price.taxes) ? (price.taxes as OcpiObject[]) : undefined
}

/** 2.3.0 Price → 2.2.1 Price. */
export function priceDownTo221(price: OcpiObject, run: ConversionRun, path: string): OcpiObject {
  const beforeTaxes = price.before_taxes as number
  const taxes = taxesOf(price)
  if (taxes === undefined) return { excl_vat: beforeTaxes }
  if (!isVatOnly(taxes)) {
    lose(run, `${path}.taxes`, 'summed into incl_vat (2.2.1 has no tax names, percentages or accounts)')
  }
  return {
    excl_vat: beforeTaxes,
    incl_vat: money([beforeTaxes, ...taxes.map((tax) => tax.amount as number)]),
  }
}

/** 2.2.1 Price → 2.3.0 Price. */
export function priceUpFrom221(price: OcpiObject): OcpiObject {
  const exclVat = price.excl_vat as number
  if (!isSet(price.incl_vat)) return { before_taxes: exclVat }
  return {
    before_taxes: exclVat,
    taxes: [{ name: 'VAT', amount: money([price.incl_vat as number, -exclVat]) }],
  }
}

/** 2.3.0 Price → 2.1.1 total_cost, a number excluding VAT. */
export function priceDownTo211(price: OcpiObject, run: ConversionRun, path: string): number {
  if (isSet(price.taxes)) lose(run, `${path}.taxes`, 'dropped (2.1.1 costs are a number excluding VAT)')
  return price.before_taxes as number
}

/** 2.1.1 number excluding VAT → 2.3.0 Price, without inventing taxes. */
export function priceUpFrom211(amount: number): OcpiObject {
  return { before_taxes: amount }
}

/** Tariff min_price/max_price: 2.3.0 PriceLimit and 2.2.1 Price carry the same two amounts. */
export function priceLimitDownTo221(limit: OcpiObject): OcpiObject {
  return isSet(limit.after_taxes)
    ? { excl_vat: limit.before_taxes, incl_vat: limit.after_taxes }
    : { excl_vat: limit.before_taxes }
}

export function priceLimitUpFrom221(limit: OcpiObject): OcpiObject {
  return isSet(limit.incl_vat)
    ? { before_taxes: limit.excl_vat, after_taxes: limit.incl_vat }
    : { before_taxes: limit.excl_vat }
}
