import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** Credentials tokens: printable non-whitespace ASCII (U+0021–U+007E), at most 64 characters (credentials.asciidoc). */
export const TOKEN_PATTERN = '^[\\x21-\\x7E]{1,64}$'
const TOKEN_REGEX = new RegExp(TOKEN_PATTERN)

export function isValidToken(value: string): boolean {
  return TOKEN_REGEX.test(value)
}

/** A fresh random token of 43 URL-safe characters (256 bits). */
export function generateToken(): string {
  return randomBytes(32).toString('base64url')
}

/** Tokens the hub issues are stored only as this hash: a leaked database does not let anyone in. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex')
  const right = Buffer.from(b, 'hex')
  return left.length === right.length && timingSafeEqual(left, right)
}

/** Base64 form of a token, as the hub sends it. */
export function encodeToken(token: string): string {
  return Buffer.from(token, 'utf8').toString('base64')
}
