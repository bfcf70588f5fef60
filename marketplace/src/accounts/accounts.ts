import { randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'
import { generateToken, hashToken } from '../../../src/core/tokens.ts'
import type { MarketplaceDb } from '../storage/store.ts'

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, length: number) => Promise<Buffer>

const KEY_LENGTH = 64
const SESSION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000

/** `scrypt$<salt>$<key>` (base64): Node's default cost (N=16384, r=8, p=1). */
async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await scryptAsync(password, salt, KEY_LENGTH)
  return `scrypt$${salt.toString('base64')}$${key.toString('base64')}`
}

async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, key] = stored.split('$')
  if (scheme !== 'scrypt' || salt === undefined || key === undefined) return false
  const expected = Buffer.from(key, 'base64')
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length)
  return timingSafeEqual(actual, expected)
}

/** A person with an account: the same account lists chargers (as an owner) and charges (as a driver). */
export interface Member {
  readonly id: string
  readonly email: string
}

/** Email addresses compare without case. */
function normalised(email: string): string {
  return email.trim().toLowerCase()
}

export class EmailTaken extends Error {}

/** Members' accounts and their sign-in sessions (the session token is stored only as its hash). */
export class Accounts {
  readonly #db: MarketplaceDb

  constructor(db: MarketplaceDb) {
    this.#db = db
  }

  async signUp(email: string, password: string): Promise<Member> {
    const member = { id: randomUUID(), email: normalised(email) }
    const inserted = await this.#db
      .insertInto('members')
      .values({ ...member, password_hash: await hashPassword(password), created_at: new Date() })
      .onConflict((oc) => oc.column('email').doNothing())
      .executeTakeFirst()
    if (inserted.numInsertedOrUpdatedRows === 0n)
      throw new EmailTaken(`${member.email} already has an account`)
    return member
  }

  /** The member whose email and password these are, or undefined (the same answer for either mistake). */
  async signIn(email: string, password: string): Promise<Member | undefined> {
    const row = await this.#db
      .selectFrom('members')
      .select(['id', 'email', 'password_hash'])
      .where('email', '=', normalised(email))
      .executeTakeFirst()
    if (!row || !(await passwordMatches(password, row.password_hash))) return undefined
    return { id: row.id, email: row.email }
  }

  /** A new session for the member: the token goes into the cookie. */
  async openSession(memberId: string): Promise<{ token: string; expiresAt: Date }> {
    const token = generateToken()
    const expiresAt = new Date(Date.now() + SESSION_LIFETIME_MS)
    await this.#db
      .insertInto('member_sessions')
      .values({ token_hash: hashToken(token), member_id: memberId, expires_at: expiresAt })
      .execute()
    return { token, expiresAt }
  }

  async memberOfSession(token: string): Promise<Member | undefined> {
    return this.#db
      .selectFrom('member_sessions')
      .innerJoin('members', 'members.id', 'member_sessions.member_id')
      .select(['members.id', 'members.email'])
      .where('member_sessions.token_hash', '=', hashToken(token))
      .where('member_sessions.expires_at', '>', new Date())
      .executeTakeFirst()
  }
}
