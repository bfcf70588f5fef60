import type { Static, TSchema } from '@sinclair/typebox'
import { Ajv, type Options } from 'ajv'
import { isOcpiDateTime } from '../core/date-time.ts'
import { describeValidation } from '../core/validation-messages.ts'

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
  // DateTime's calendar check (ocpi-types.schema.ts): `2026-02-31` is 2001, not a database error.
  formats: { 'ocpi-date-time': { type: 'string', validate: isOcpiDateTime } },
} as const satisfies Options

/**
 * A request refused for one value before or beside its route's schema (the body parser, query checks),
 * shaped like Fastify's own validation error so that both error handlers answer it as one: 2001 on the
 * OCPI API, a problem-details 400 on the admin API, the message naming the field.
 *
 * @example
 * throw invalidInput('body', '/evses/0/uid', 'must not contain U+0000')  // evses[0].uid: must not contain U+0000
 */
export function invalidInput(
  context: 'body' | 'querystring',
  instancePath: string,
  message: string,
): Error & { validation: unknown[]; validationContext: string; statusCode: number } {
  return Object.assign(new Error(message), {
    validation: [{ instancePath, message, params: {} }],
    validationContext: context,
    statusCode: 400,
  })
}

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
