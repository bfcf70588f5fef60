import { ConversionRefused, type ConversionContext, type OcpiObject } from '../contract.ts'
import type { OcpiVersion } from '../../core/ocpi-versions.ts'

/**
 * One conversion in progress: the caller's context and the loss lines collected so far. Every converter
 * step takes the value, the run and the path of the value ("Tariff.elements[0]"), so a loss line names the
 * exact field it is about.
 */
export interface ConversionRun {
  readonly context: ConversionContext
  readonly losses: string[]
}

/** A converter step on one object, a part of a bigger one or a whole one. */
export type Step = (value: OcpiObject, run: ConversionRun, path: string) => OcpiObject

export function lose(run: ConversionRun, path: string, what: string): void {
  run.losses.push(`${path}: ${what}`)
}

/** `?` fields may be sent as null: null carries no information, so dropping it is not a loss. */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null
}

export function isObject(value: unknown): value is OcpiObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The 2.3.0-only (or 2.1.1-less) fields: removed, one loss line for each one that carried a value. */
export function dropFields(
  value: OcpiObject,
  fields: readonly string[],
  run: ConversionRun,
  path: string,
  version: OcpiVersion,
): OcpiObject {
  const kept = { ...value }
  for (const field of fields) {
    if (isSet(kept[field])) lose(run, `${path}.${field}`, `dropped (not in OCPI ${version})`)
    delete kept[field]
  }
  return kept
}

/** Removes fields that the older version carries elsewhere (URL segments, owner): no information is lost. */
export function omitFields(value: OcpiObject, fields: readonly string[]): OcpiObject {
  const kept = { ...value }
  for (const field of fields) delete kept[field]
  return kept
}

/** Same value, other name (start_datetime ↔ start_date_time). Absent stays absent: PATCH bodies stay partial. */
export function renameField(value: OcpiObject, from: string, to: string): OcpiObject {
  if (!(from in value)) return value
  const { [from]: moved, ...rest } = value
  return { ...rest, [to]: moved }
}

/** Applies `step` to an object-valued field when it is present. */
export function mapField(
  value: OcpiObject,
  field: string,
  step: Step,
  run: ConversionRun,
  path: string,
): OcpiObject {
  const inner = value[field]
  return isObject(inner) ? { ...value, [field]: step(inner, run, `${path}.${field}`) } : value
}

/**
 * Applies `step` to every object of a list field when it is present; a step that returns undefined removes
 * the item (it reports why).
 */
export function mapList(
  value: OcpiObject,
  field: string,
  step: (item: OcpiObject, run: ConversionRun, path: string) => OcpiObject | undefined,
  run: ConversionRun,
  path: string,
): OcpiObject {
  const list = value[field]
  if (!Array.isArray(list)) return value
  const mapped: unknown[] = []
  list.forEach((item, index) => {
    if (!isObject(item)) {
      mapped.push(item)
      return
    }
    const converted = step(item, run, `${path}.${field}[${index}]`)
    if (converted !== undefined) mapped.push(converted)
  })
  return { ...value, [field]: mapped }
}

/**
 * Like mapList, for lists whose items are informative copies (the EVSEs of a Location, the Tariffs of a
 * CDR): an item the step refuses is left out with a loss line instead of refusing the whole object.
 */
export function mapListLeavingOutRefused(
  value: OcpiObject,
  field: string,
  step: Step,
  run: ConversionRun,
  path: string,
): OcpiObject {
  return mapList(
    value,
    field,
    (item, innerRun, itemPath) => {
      try {
        return step(item, innerRun, itemPath)
      } catch (error) {
        if (!(error instanceof ConversionRefused)) throw error
        lose(innerRun, itemPath, `left out (${error.field}: ${error.message})`)
        return undefined
      }
    },
    run,
    path,
  )
}

/** Steps of objects that cross unchanged. */
export const unchanged: Step = (value) => value

/** A kind that is the same in the older version and in 2.3.0. */
export const SAME_BOTH_WAYS = { up: unchanged, down: unchanged } as const

/** The owner a 2.1.1 object needs on the way up; without it the caller has a bug, not the sender. */
export function requireOwner(run: ConversionRun, path: string): { country_code: string; party_id: string } {
  const owner = run.context.owner
  if (owner === undefined) throw new Error(`${path}: converting a full 2.1.1 object up needs context.owner`)
  return { country_code: owner.country_code, party_id: owner.party_id }
}
