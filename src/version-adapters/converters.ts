// TEMPORARY identity stub so the edge compiles before the versions-converters branch is merged; that
// branch's converters.ts replaces this file as a whole.
import type { ConversionContext, Converted, ObjectKind, OcpiObject, OcpiVersion } from './contract.ts'

export function toCanonical(
  _version: OcpiVersion,
  _kind: ObjectKind,
  value: OcpiObject,
  _context: ConversionContext,
): Converted {
  return { value, losses: [] }
}

export function fromCanonical(
  _version: OcpiVersion,
  _kind: ObjectKind,
  value: OcpiObject,
  _context: ConversionContext,
): Converted {
  return { value, losses: [] }
}

export function supportsKind(_version: OcpiVersion, _kind: ObjectKind): boolean {
  return true
}
