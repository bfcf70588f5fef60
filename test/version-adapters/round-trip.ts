import { expect } from 'vitest'
import type { Converted, OcpiObject } from '../../src/version-adapters/contract.ts'

/** Helpers shared by the version-adapter tests: where two objects differ, and whether a loss line covers it. */

/** Paths (in loss-line notation, "Tariff.elements[0].vat") where `a` and `b` differ; null counts as absent. */
export function differingPaths(a: unknown, b: unknown, path: string): string[] {
  const absent = (value: unknown) => value === undefined || value === null
  if (absent(a) && absent(b)) return []
  if (Array.isArray(a) && Array.isArray(b)) {
    const length = Math.max(a.length, b.length)
    return Array.from({ length }, (_, index) =>
      differingPaths(a[index], b[index], `${path}[${index}]`),
    ).flat()
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    return [...keys].flatMap((key) => differingPaths(a[key], b[key], `${path}.${key}`))
  }
  return Object.is(a, b) ? [] : [path]
}

function isPlainObject(value: unknown): value is OcpiObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The field path a loss line is about: the text before its first ": ". */
export function lossPaths(converted: Converted): string[] {
  return converted.losses.map((line) => line.slice(0, line.indexOf(': ')))
}

/**
 * Every difference lies at or under a path a loss line names. A loss line on a list item that was left
 * out ("Location.evses[0]") also covers the items after it, which moved up one place.
 */
export function expectDifferencesNamedByLosses(
  differences: readonly string[],
  losses: readonly string[],
): void {
  const unexplained = differences.filter((difference) => !losses.some((loss) => covers(loss, difference)))
  expect(unexplained, `differences without a loss line; losses were:\n${losses.join('\n')}`).toEqual([])
}

function covers(loss: string, difference: string): boolean {
  if (difference === loss || difference.startsWith(`${loss}.`) || difference.startsWith(`${loss}[`))
    return true
  const leftOutItem = /^(.*)\[(\d+)\]$/.exec(loss)
  if (leftOutItem === null) return false
  const [, list = '', index = '0'] = leftOutItem
  const laterItem = new RegExp(`^${escapeRegExp(list)}\\[(\\d+)\\]`).exec(difference)
  return laterItem !== null && Number(laterItem[1]) >= Number(index)
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
