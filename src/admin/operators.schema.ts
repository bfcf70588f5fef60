import { Type, type Static } from '@sinclair/typebox'

/** Shorter passwords are refused (400): long passphrases beat complexity rules. */
export const PASSWORD_MIN_LENGTH = 12

const Email = Type.String({ maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$' })
// The upper bound only keeps absurd bodies away from scrypt; any real passphrase fits.
const Password = Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: 1024 })
const OperatorRoleName = Type.Union([Type.Literal('admin'), Type.Literal('viewer')])

export const OperatorRequest = Type.Object(
  { email: Email, password: Password, role: OperatorRoleName },
  { additionalProperties: false },
)
export type OperatorRequest = Static<typeof OperatorRequest>

/** A change to an operator: its role, its password, or both. The email never changes: it names the actor. */
export const OperatorPatch = Type.Object(
  { role: Type.Optional(OperatorRoleName), password: Type.Optional(Password) },
  { additionalProperties: false, minProperties: 1 },
)
export type OperatorPatch = Static<typeof OperatorPatch>

export const OperatorParams = Type.Object({ id: Type.String({ maxLength: 64 }) })

/** A sign-in: no length rule on the password here, a wrong one is simply wrong (401). */
export const SignInRequest = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
)
export type SignInRequest = Static<typeof SignInRequest>

/** Emails are compared without regard to case or surrounding blanks. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase()
}
