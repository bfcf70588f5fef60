import type { TSchema } from '@sinclair/typebox'
import { CANONICAL_SCHEMAS } from '../../src/modules/canonical.ts'
import { ConnectorPatch, EvsePatch, LocationPatch } from '../../src/modules/locations/locations.schema.ts'
import { SessionPatch } from '../../src/modules/sessions/sessions.schema.ts'
import { TokenPatch } from '../../src/modules/tokens/tokens.schema.ts'
import type { ObjectKind } from '../../src/core/object-kinds.ts'
import { compileOcpiValidator } from '../../src/transport/schema-validation.ts'

/** PATCH bodies of the kinds that have one. */
const PATCH_SCHEMAS: Readonly<Partial<Record<ObjectKind, TSchema>>> = {
  Location: LocationPatch,
  EVSE: EvsePatch,
  Connector: ConnectorPatch,
  Token: TokenPatch,
  Session: SessionPatch,
}

export function validateCanonical(kind: ObjectKind, value: unknown, partial = false) {
  const schema = partial ? PATCH_SCHEMAS[kind] : CANONICAL_SCHEMAS[kind]
  if (schema === undefined) throw new Error(`no 2.3.0 PATCH schema for ${kind}`)
  return compileOcpiValidator(schema)(value)
}
