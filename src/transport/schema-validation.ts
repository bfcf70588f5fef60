import type { Static, TSchema } from '@sinclair/typebox'
import { Ajv, type Options } from 'ajv'
import { describeValidation } from './error-handler.ts'

/**
 * The one set of Ajv options of the hub: Fastify's route validation (app.ts) and every validator built
 * here. OCPI payloads pass through the hub, so it never coerces types and never drops fields a schema
 * does not name; allErrors stays off because collecting every error of a hostile body costs CPU.
 */
export const OCPI_AJV_OPTIONS = {
  coerceTypes: false,
  removeAdditional: false,
  allErrors: false,
  // Never insert fields into a payload the hub forwards.
  useDefaults: false,
} as const satisfies Options

export type OcpiValidationResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string }

let sharedAjv: Ajv | undefined

/**
 * Compiles a TypeBox schema into a validator for values the hub did not get through a Fastify route
 * (partner responses, stored objects, test vectors). A failure carries the same message the hub puts in
 * `status_message`, e.g. `evses[0].connectors[0].standard: must be string`. Compile once, reuse.
 *
 * @example
 * const validateLocation = compileOcpiValidator(Location)
 * const result = validateLocation(JSON.parse(body))
 * if (!result.ok) throw new OcpiError('HUB_ERR_INVALID_PARAMETERS', result.message)
 */
export function compileOcpiValidator<T extends TSchema>(
  schema: T,
): (value: unknown) => OcpiValidationResult<Static<T>> {
  sharedAjv ??= new Ajv(OCPI_AJV_OPTIONS)
  const validate = sharedAjv.compile<Static<T>>(schema)
  return (value) =>
    validate(value)
      ? { ok: true, value }
      : { ok: false, message: describeValidation(validate.errors ?? [], 'body') }
}
