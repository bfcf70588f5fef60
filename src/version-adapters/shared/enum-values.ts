import type { OcpiObject } from '../contract.ts'
import type { OcpiVersion } from '../../core/ocpi-versions.ts'
import { isSet, lose, omitFields, type ConversionRun } from './conversion-run.ts'

/**
 * Enum narrowing on the way down. 2.3.0 made many enums open and added values; in 2.2.1 and 2.1.1 the same
 * enums are closed, so a receiver may reject a value its version does not list. Each helper applies one of
 * the three answers of docs/versions.md: drop the value, map it to a documented one, or let the caller
 * decide (the value is required and has no neighbour).
 */

/** A list field (facilities, capabilities…): unknown values are removed, one loss line each. */
export function keepKnownInList(
  value: OcpiObject,
  field: string,
  known: readonly string[],
  run: ConversionRun,
  path: string,
  version: OcpiVersion,
): OcpiObject {
  const list = value[field]
  if (!Array.isArray(list)) return value
  const kept = list.filter((item, index) => {
    if (typeof item === 'string' && known.includes(item)) return true
    lose(run, `${path}.${field}[${index}]`, `${String(item)} dropped (unknown in OCPI ${version})`)
    return false
  })
  return { ...value, [field]: kept }
}

/** An optional single value: removed when unknown. */
export function dropIfUnknown(
  value: OcpiObject,
  field: string,
  known: readonly string[],
  run: ConversionRun,
  path: string,
  version: OcpiVersion,
): OcpiObject {
  const current = value[field]
  if (!isSet(current) || (typeof current === 'string' && known.includes(current))) return value
  lose(run, `${path}.${field}`, `${String(current)} dropped (unknown in OCPI ${version})`)
  return omitFields(value, [field])
}

/** A required single value: replaced by the nearest documented one when unknown. */
export function mapIfUnknown(
  value: OcpiObject,
  field: string,
  known: readonly string[],
  nearest: (unknown: string) => string,
  run: ConversionRun,
  path: string,
  version: OcpiVersion,
): OcpiObject {
  const current = value[field]
  if (typeof current !== 'string' || known.includes(current)) return value
  const mapped = nearest(current)
  lose(run, `${path}.${field}`, `${current} sent as ${mapped} (unknown in OCPI ${version})`)
  return { ...value, [field]: mapped }
}

export function isKnown(value: unknown, known: readonly string[]): boolean {
  return typeof value === 'string' && known.includes(value)
}
