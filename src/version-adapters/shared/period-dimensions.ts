import type { OcpiVersion } from '../../core/ocpi-versions.ts'
import type { OcpiObject } from '../contract.ts'
import { lose, mapList, type ConversionRun } from './conversion-run.ts'

/**
 * One charging period with only the dimensions `keep` accepts, each one left out with a loss line naming
 * `version`; a period left without any dimension is left out too (a period needs at least one).
 */
export function periodKeepingDimensions(keep: (type: unknown) => boolean, version: OcpiVersion) {
  return (period: OcpiObject, run: ConversionRun, path: string): OcpiObject | undefined => {
    const kept = mapList(
      period,
      'dimensions',
      (dimension, innerRun, dimensionPath) => {
        if (keep(dimension.type)) return dimension
        lose(innerRun, dimensionPath, `${String(dimension.type)} left out (unknown in OCPI ${version})`)
        return undefined
      },
      run,
      path,
    )
    if (Array.isArray(kept.dimensions) && kept.dimensions.length === 0) {
      lose(run, path, 'left out (no dimension left)')
      return undefined
    }
    return kept
  }
}
