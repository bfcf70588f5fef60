import { ConversionRefused, type OcpiObject } from '../contract.ts'
import type { OcpiVersion } from '../../core/ocpi-versions.ts'
import { lose, type ConversionRun } from './conversion-run.ts'

/**
 * 2.2.1 and 2.1.1 PriceComponent prices are excluding VAT; 2.3.0 says by `tax_included` whether they are.
 * NO is the older meaning. N/A (no taxes apply) reads the same to an older receiver, since no VAT is added
 * to a price without `vat`, but comes back up as NO. YES is refused: converting the prices would mean
 * recomputing every price from a VAT rate that may not even be given, and sending them unchanged would
 * overcharge the driver by the tax.
 */
export function withoutTaxIncluded(
  tariff: OcpiObject,
  run: ConversionRun,
  path: string,
  version: Exclude<OcpiVersion, '2.3.0'>,
): OcpiObject {
  const { tax_included: taxIncluded, ...rest } = tariff
  if (taxIncluded === 'YES') {
    throw new ConversionRefused(
      `${path}.tax_included`,
      `prices include taxes; OCPI ${version} tariff prices exclude VAT`,
    )
  }
  if (taxIncluded === 'N/A') lose(run, `${path}.tax_included`, `N/A not in OCPI ${version}, comes back as NO`)
  return rest
}

/** The older spec's meaning, used on the way up: prices exclude VAT. Not added to a partial body. */
export function withTaxIncludedNo(tariff: OcpiObject, run: ConversionRun): OcpiObject {
  return run.context.partial ? tariff : { ...tariff, tax_included: 'NO' }
}
