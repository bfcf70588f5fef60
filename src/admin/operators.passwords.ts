import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

/**
 * Operators' passwords, hashed with Node's scrypt (docs/decisions/0010-operator-accounts.md). The stored
 * text carries the cost parameters and the salt, PHC style, so the parameters can be raised later without
 * locking anyone out: `$scrypt$ln=15,r=8,p=3$<salt>$<hash>` (base64 without padding).
 */

interface ScryptCost {
  /** log2 of N, the CPU and memory cost. */
  readonly ln: number
  readonly r: number
  readonly p: number
}

/** OWASP's scrypt row for 32 MiB per hash (N=2^15, r=8, p=3): about 0.2 s on one core of a small server. */
const COST: ScryptCost = { ln: 15, r: 8, p: 3 }
const SALT_BYTES = 16
const KEY_BYTES = 32
/** Stored hashes are read back from the database: parameters beyond these are refused, never computed. */
const MAX_COST: ScryptCost = { ln: 20, r: 16, p: 16 }

const STORED = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{16,})$/

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const options: ScryptOptions = {
    N: 2 ** cost.ln,
    r: cost.r,
    p: cost.p,
    // scrypt needs 128·N·r bytes; Node refuses anything above maxmem (32 MiB by default).
    maxmem: 256 * 2 ** cost.ln * cost.r,
  }
  // NFC: the same password typed on two keyboards may arrive as different code points.
  const text = password.normalize('NFC')
  return new Promise((resolve, reject) =>
    scrypt(text, salt, KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key))),
  )
}

function encode(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '')
}

/** The text to store for a new password: fresh salt, current parameters. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const key = await derive(password, salt, COST)
  return `$scrypt$ln=${COST.ln},r=${COST.r},p=${COST.p}$${encode(salt)}$${encode(key)}`
}

function parse(stored: string): { cost: ScryptCost; salt: Buffer; key: Buffer } | undefined {
  const match = STORED.exec(stored)
  if (!match) return undefined
  const cost = { ln: Number(match[1]), r: Number(match[2]), p: Number(match[3]) }
  if (cost.ln < 1 || cost.r < 1 || cost.p < 1) return undefined
  if (cost.ln > MAX_COST.ln || cost.r > MAX_COST.r || cost.p > MAX_COST.p) return undefined
  return { cost, salt: Buffer.from(match[4]!, 'base64'), key: Buffer.from(match[5]!, 'base64') }
}

/** True when `stored` was hashed with other parameters than today's: hash the password again on sign-in. */
export function needsRehash(stored: string): boolean {
  const cost = parse(stored)?.cost
  return !cost || cost.ln !== COST.ln || cost.r !== COST.r || cost.p !== COST.p
}

/** Hashed once, for sign-ins with an unknown email: they cost as long as a wrong password. */
let standInHash: Promise<string> | undefined

/**
 * True when `password` matches `stored`. Without a stored hash (no such operator) the password is still
 * hashed, against a stand-in, so the answer takes as long either way; the comparison is constant-time.
 */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  standInHash ??= hashPassword(randomBytes(16).toString('hex'))
  const parsed = parse(stored ?? (await standInHash))
  if (!parsed) return false
  const key = await derive(password, parsed.salt, parsed.cost)
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key) && stored !== undefined
}
