import type { CanonicalBody } from '../modules/canonical.ts'
import type { ObjectKind } from '../core/object-kinds.ts'
import type { OcpiVersion } from '../core/ocpi-versions.ts'
import type { ConversionContext, Converted, FromCanonical, OcpiObject, ToCanonical } from './contract.ts'
import type { ConversionRun } from './shared/conversion-run.ts'
import type { KindConverters, VersionConverters } from './shared/version-converters.ts'
import { V2_1_1_CONVERTERS } from './v2-1-1/index.ts'
import { V2_2_1_CONVERTERS } from './v2-2-1/index.ts'

/**
 * The one entry point of the version adapters: canonical 2.3.0 objects go out as `fromCanonical` and come
 * in as `toCanonical`. Pure functions; they throw ConversionRefused when the result would mislead its
 * receiver, and a plain Error when the caller asks for a kind the version does not have or leaves out
 * context a conversion needs (a hub bug, not the sender's).
 */

const OLDER_VERSIONS: Readonly<Record<Exclude<OcpiVersion, '2.3.0'>, VersionConverters>> = {
  '2.2.1': V2_2_1_CONVERTERS,
  '2.1.1': V2_1_1_CONVERTERS,
}

/** False for kinds the version does not have, e.g. ChargingProfiles, CancelReservation and ClientInfo in 2.1.1. */
export function supportsKind(version: OcpiVersion, kind: ObjectKind): boolean {
  return version === '2.3.0' || OLDER_VERSIONS[version][kind] !== undefined
}

export const toCanonical: ToCanonical = <Kind extends ObjectKind>(
  version: OcpiVersion,
  kind: Kind,
  value: OcpiObject,
  context: ConversionContext,
) => {
  const converted = convert(version, kind, value, context, 'up')
  // The converter steps work on plain JSON objects; what they build up is the kind's canonical shape.
  return converted as Converted<CanonicalBody<Kind>>
}

export const fromCanonical: FromCanonical = (version, kind, value, context) =>
  convert(version, kind, value, context, 'down')

function convert(
  version: OcpiVersion,
  kind: ObjectKind,
  value: OcpiObject,
  context: ConversionContext,
  direction: keyof KindConverters,
): Converted {
  if (version === '2.3.0') return { value, losses: [] }
  const converters = OLDER_VERSIONS[version][kind]
  if (converters === undefined) throw new Error(`${kind} does not exist in OCPI ${version}`)
  const run: ConversionRun = { context, losses: [] }
  return { value: converters[direction](value, run, kind), losses: run.losses }
}
