import AjvCompiler from '@fastify/ajv-compiler'
import type { Static, TSchema } from '@sinclair/typebox'
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv'
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

/**
 * Fastify's own validator factory (same Ajv, options, formats and shared schemas), except that a route's
 * validator is compiled when the route first validates a request instead of while the server starts.
 * Compiling the few hundred route schemas of three OCPI versions took 1.3–1.5 s of a 4 s start (a CPU
 * profile of `node dist/main.js` on an existing PGlite folder); each route now pays its few milliseconds
 * once, on its first request. Ajv's errors stay where Fastify reads them: on the validator it was given.
 */
export function buildValidatorsOnFirstUse(): AjvCompiler.BuildCompilerFromPool {
  const buildFromPool = AjvCompiler()
  return (externalSchemas, options) => {
    const compile = buildFromPool(externalSchemas, options)
    return (route) => {
      let validate: ReturnType<typeof compile> | undefined
      const validateOnFirstUse = Object.assign(
        (data: unknown): boolean => {
          validate ??= compile(route)
          const valid = validate(data) as boolean
          validateOnFirstUse.errors = validate.errors
          return valid
        },
        { errors: undefined as ErrorObject[] | null | undefined },
      )
      return validateOnFirstUse as unknown as ReturnType<typeof compile>
    }
  }
}

export type OcpiValidationResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string }

let sharedAjv: Ajv | undefined

/**
 * Compiles a TypeBox schema into a validator for values the hub did not get through a Fastify route
 * (partner responses, stored objects, test vectors). A failure carries the same message the hub puts in
 * `status_message`, e.g. `evses[0].connectors[0].standard: must be string`. Build once, reuse.
 *
 * @example
 * const validateLocation = compileOcpiValidator(Location)
 * const result = validateLocation(JSON.parse(body))
 * if (!result.ok) throw new OcpiError('HUB_ERR_INVALID_PARAMETERS', result.message)
 */
export function compileOcpiValidator<T extends TSchema>(
  schema: T,
): (value: unknown) => OcpiValidationResult<Static<T>> {
  // Compiled on first use, like the routes' validators (buildValidatorsOnFirstUse): not while the hub starts.
  let validate: ValidateFunction<Static<T>> | undefined
  return (value) => {
    validate ??= (sharedAjv ??= new Ajv(OCPI_AJV_OPTIONS)).compile<Static<T>>(schema)
    return validate(value)
      ? { ok: true, value }
      : { ok: false, message: describeValidation(validate.errors ?? [], 'body') }
  }
}
