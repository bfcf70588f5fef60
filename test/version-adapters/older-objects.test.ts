import { describe, expect, it } from 'vitest'
import type { ConversionContext, OcpiObject } from '../../src/version-adapters/contract.ts'
import type { ObjectKind } from '../../src/core/object-kinds.ts'
import { fromCanonical, supportsKind, toCanonical } from '../../src/version-adapters/converters.ts'
import { validateCanonical } from './canonical-schemas.ts'
import { V2_1_1_OBJECTS, V2_2_1_OBJECTS, type OlderObject } from './older-objects.ts'

/**
 * Our own 2.2.1 and 2.1.1 objects, one per kind the version has: up they become valid 2.3.0 objects (the
 * hub's schemas, the hub's Ajv options), and down again they are exactly what the partner sent.
 */

const ALL_KINDS: readonly ObjectKind[] = [
  'Location',
  'EVSE',
  'Connector',
  'Tariff',
  'Token',
  'AuthorizationInfo',
  'LocationReferences',
  'Session',
  'CDR',
  'StartSession',
  'StopSession',
  'ReserveNow',
  'CancelReservation',
  'UnlockConnector',
  'CommandResponse',
  'CommandResult',
  'ChargingPreferences',
  'SetChargingProfile',
  'ActiveChargingProfile',
  'ActiveChargingProfileResult',
  'ChargingProfileResponse',
  'ChargingProfileResult',
  'ClearProfileResult',
  'ClientInfo',
]

const VERSIONS = [
  ['2.2.1', V2_2_1_OBJECTS],
  ['2.1.1', V2_1_1_OBJECTS],
] as const

/** The edge gives the canonical Location a 2.1.1 Session or CDR embeds: here, the embedded one converted up. */
function withEmbeddedLocation(kind: ObjectKind, object: OlderObject): ConversionContext {
  const embedded = object.value.location
  if ((kind !== 'Session' && kind !== 'CDR') || typeof embedded !== 'object' || embedded === null) {
    return object.context
  }
  const location = toCanonical('2.1.1', 'Location', embedded as OcpiObject, object.context).value
  return { ...object.context, location }
}

describe.each(VERSIONS)('OCPI %s objects → 2.3.0 → back', (version, objects) => {
  it('cover every kind the version has, and only those', () => {
    const covered = ALL_KINDS.filter((kind) => objects[kind] !== undefined)
    expect(covered).toEqual(ALL_KINDS.filter((kind) => supportsKind(version, kind)))
  })

  it.each(ALL_KINDS.filter((kind) => objects[kind] !== undefined))('%s', (kind) => {
    const object = objects[kind] as OlderObject
    const up = toCanonical(version, kind, object.value, object.context)
    const validation = validateCanonical(kind, up.value)
    expect(validation.ok ? 'valid' : validation.message).toBe('valid')
    const down = fromCanonical(version, kind, up.value, withEmbeddedLocation(kind, object))
    expect(down.value).toEqual(object.value)
  })
})
