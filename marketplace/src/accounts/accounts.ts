import { randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'
import { generateToken, hashToken } from '../../../src/core/tokens.ts'
import type { Mailer } from '../mail/mailer.ts'
import { isUniqueViolation } from '../storage/sql-state.ts'
import type { MarketplaceDb } from '../storage/store.ts'
import type { PersonalData } from './personal-data.ts'

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, length: number) => Promise<Buffer>

const KEY_LENGTH = 64
const SESSION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000
const HOUR_MS = 60 * 60 * 1000
/** How long the link of each mail works; each works once. */
const TOKEN_LIFETIME_MS = {
  'verify-email': 48 * HOUR_MS,
  'reset-password': 1 * HOUR_MS,
  'change-email': 48 * HOUR_MS,
} as const
type TokenPurpose = keyof typeof TOKEN_LIFETIME_MS

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

/** What a member sees of their own account. */
export interface Profile extends Member {
  readonly display_name: string | null
  readonly email_verified: boolean
  /** The address a change of email waits to have confirmed (the newest code that still works). */
  readonly pending_email: string | null
  readonly created_at: string
}

/** A member's data as they download it: the account's own, then each part's under its name. */
export interface PersonalDataExport extends Record<string, unknown> {
  readonly exported_at: string
  readonly account: Profile
  readonly sessions: { readonly expires_at: string }[]
}

/** Email addresses compare without case. */
function normalised(email: string): string {
  return email.trim().toLowerCase()
}

export class EmailTaken extends Error {}

/** A confirmed change of address: the old one is told. */
export interface EmailChange {
  readonly memberId: string
  readonly oldEmail: string
  readonly newEmail: string
}

/** What the members' mails link to, and who they come from. */
export interface AccountMails {
  readonly mailer: Mailer
  /** The members' app: links are `{appUrl}/verify-email?token=…`, `/reset-password?token=…` and `/confirm-email?token=…`. */
  readonly appUrl: string
  readonly businessName: string
}

/**
 * Members' accounts, their sign-in sessions and the single-use tokens of their mails (every token is stored
 * only as its hash), and the account's end: export and deletion of the member's personal data.
 */
export class Accounts {
  readonly #db: MarketplaceDb
  readonly #mails: AccountMails
  readonly #personalData: PersonalData

  constructor(db: MarketplaceDb, mails: AccountMails, personalData: PersonalData) {
    this.#db = db
    this.#mails = mails
    this.#personalData = personalData
  }

  /**
   * A new account, and the mail that asks to confirm its address. The account stands when the mail
   * cannot be sent (the member asks for another later): `mailFailure` says why it was not.
   */
  async signUp(email: string, password: string): Promise<{ member: Member; mailFailure?: unknown }> {
    const member = { id: randomUUID(), email: normalised(email) }
    const inserted = await this.#db
      .insertInto('members')
      .values({ ...member, password_hash: await hashPassword(password), created_at: new Date() })
      .onConflict((oc) => oc.column('email').doNothing())
      .executeTakeFirst()
    if (inserted.numInsertedOrUpdatedRows === 0n)
      throw new EmailTaken(`${member.email} already has an account`)
    try {
      await this.sendEmailVerification(member)
      return { member }
    } catch (mailFailure) {
      return { member, mailFailure }
    }
  }

  /** The member whose email and password these are, or undefined (the same answer for either mistake). */
  async signIn(email: string, password: string): Promise<Member | undefined> {
    const row = await this.#db
      .selectFrom('members')
      .select(['id', 'password_hash'])
      .where('email', '=', normalised(email))
      .executeTakeFirst()
    if (!row?.password_hash || !(await passwordMatches(password, row.password_hash))) return undefined
    return { id: row.id, email: normalised(email) }
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
    const row = await this.#db
      .selectFrom('member_sessions')
      .innerJoin('members', 'members.id', 'member_sessions.member_id')
      .select(['members.id', 'members.email'])
      .where('member_sessions.token_hash', '=', hashToken(token))
      .where('member_sessions.expires_at', '>', new Date())
      .executeTakeFirst()
    return row?.email ? { id: row.id, email: row.email } : undefined
  }

  /** Signs out: the session's token no longer opens anything. */
  async closeSession(token: string): Promise<void> {
    await this.#db.deleteFrom('member_sessions').where('token_hash', '=', hashToken(token)).execute()
  }

  async profile(member: Member): Promise<Profile> {
    const row = await this.#db
      .selectFrom('members')
      .select(['display_name', 'email_verified_at', 'created_at'])
      .where('id', '=', member.id)
      .executeTakeFirstOrThrow()
    const pending = await this.#db
      .selectFrom('member_tokens')
      .select('new_email')
      .where('member_id', '=', member.id)
      .where('purpose', '=', 'change-email')
      .where('expires_at', '>', new Date())
      .orderBy('expires_at', 'desc')
      .executeTakeFirst()
    return {
      ...member,
      display_name: row.display_name,
      email_verified: row.email_verified_at !== null,
      pending_email: pending?.new_email ?? null,
      created_at: new Date(row.created_at).toISOString(),
    }
  }

  /** The name the member goes by; empty or null: none. */
  async setDisplayName(member: Member, displayName: string | null): Promise<void> {
    await this.#db
      .updateTable('members')
      .set({ display_name: displayName?.trim() || null })
      .where('id', '=', member.id)
      .execute()
  }

  /**
   * Mails a code to `email` that moves the account to it once confirmed; the password confirms the
   * request (whoever holds an open session alone cannot take the account). False when the password is
   * wrong; EmailTaken when the address is the member's already or another account's. The request stands
   * when the mail cannot be sent: `mailFailure` says why it was not.
   */
  async requestEmailChange(
    member: Member,
    email: string,
    password: string,
  ): Promise<false | { newEmail: string; mailFailure?: unknown }> {
    if (!(await this.signIn(member.email, password))) return false
    const newEmail = normalised(email)
    if (newEmail === member.email) throw new EmailTaken(`${newEmail} is the address of this account already`)
    await this.#refuseTaken(this.#db, newEmail)
    const token = await this.#issueToken(member.id, 'change-email', newEmail)
    try {
      await this.#mails.mailer.send({
        to: newEmail,
        subject: `Confirm your new email address for ${this.#mails.businessName}`,
        text: [
          `Someone asked to use this address for an account at ${this.#mails.businessName}.`,
          'Confirm within 48 hours that it is yours; the account keeps its old address until then:',
          '',
          `${this.#mails.appUrl}/confirm-email?token=${token}`,
          '',
          `Confirmation code: ${token}`,
          '',
          'If it was not you, ignore this mail.',
        ].join('\n'),
      })
      return { newEmail }
    } catch (mailFailure) {
      return { newEmail, mailFailure }
    }
  }

  /**
   * Moves the code's account to the address the code was mailed to (which counts as confirmed, since the
   * code reached it); sessions stay open. Undefined when the code is unknown, used or expired; EmailTaken
   * when another account took the address since.
   */
  async confirmEmailChange(token: string): Promise<EmailChange | undefined> {
    const redeemed = await this.#redeemToken(token, 'change-email')
    if (!redeemed?.new_email) return undefined
    const newEmail = redeemed.new_email
    try {
      return await this.#db.transaction().execute(async (trx) => {
        await this.#refuseTaken(trx, newEmail)
        const old = await trx
          .selectFrom('members')
          .select('email')
          .where('id', '=', redeemed.member_id)
          .executeTakeFirst()
        // A deleted account keeps no address, and gets none.
        if (!old?.email) return undefined
        await trx
          .updateTable('members')
          .set({ email: newEmail, email_verified_at: new Date() })
          .where('id', '=', redeemed.member_id)
          .execute()
        // The other codes of the member were mailed to the old address or asked for another one.
        await trx
          .deleteFrom('member_tokens')
          .where('member_id', '=', redeemed.member_id)
          .where('purpose', 'in', ['change-email', 'verify-email'])
          .execute()
        return { memberId: redeemed.member_id, oldEmail: old.email, newEmail }
      })
    } catch (error) {
      // A sign-up took the address between the check and the move: the unique index refused the move, and
      // the transaction kept nothing of it.
      if (isUniqueViolation(error)) throw new EmailTaken(`${newEmail} already has an account`)
      throw error
    }
  }

  /** Tells the old address that the account moved (in case it was not the member who moved it). */
  async noticeEmailChanged(change: EmailChange): Promise<void> {
    await this.#mails.mailer.send({
      to: change.oldEmail,
      subject: `Your email address for ${this.#mails.businessName} changed`,
      text: [
        `The address of your account at ${this.#mails.businessName} is now ${change.newEmail}.`,
        'Mails and sign-in use the new address from now on.',
        '',
        `If it was not you, reset your password at ${this.#mails.appUrl}/account and write to us.`,
      ].join('\n'),
    })
  }

  async #refuseTaken(db: Pick<MarketplaceDb, 'selectFrom'>, email: string): Promise<void> {
    const holder = await db.selectFrom('members').select('id').where('email', '=', email).executeTakeFirst()
    if (holder) throw new EmailTaken(`${email} already has an account`)
  }

  async sendEmailVerification(member: Member): Promise<void> {
    const token = await this.#issueToken(member.id, 'verify-email')
    await this.#mails.mailer.send({
      to: member.email,
      subject: `Confirm your email address for ${this.#mails.businessName}`,
      text: [
        `Welcome to ${this.#mails.businessName}. Confirm that this address is yours within 48 hours:`,
        '',
        `${this.#mails.appUrl}/verify-email?token=${token}`,
        '',
        `Confirmation code: ${token}`,
        '',
        'If you did not sign up, ignore this mail.',
      ].join('\n'),
    })
  }

  /** Marks the address of the token's member as confirmed; false when the token is unknown, used or expired. */
  async verifyEmail(token: string): Promise<boolean> {
    const memberId = (await this.#redeemToken(token, 'verify-email'))?.member_id
    if (memberId === undefined) return false
    await this.#db
      .updateTable('members')
      .set({ email_verified_at: new Date() })
      .where('id', '=', memberId)
      .where('email_verified_at', 'is', null)
      .execute()
    return true
  }

  /** Mails a reset link when the address has an account; says nothing either way (no account probing). */
  async requestPasswordReset(email: string): Promise<void> {
    const row = await this.#db
      .selectFrom('members')
      .select('id')
      .where('email', '=', normalised(email))
      .executeTakeFirst()
    if (!row) return
    const token = await this.#issueToken(row.id, 'reset-password')
    await this.#mails.mailer.send({
      to: normalised(email),
      subject: `Reset your password for ${this.#mails.businessName}`,
      text: [
        'Someone asked to reset the password of your account. Choose a new one within an hour:',
        '',
        `${this.#mails.appUrl}/reset-password?token=${token}`,
        '',
        `Reset code: ${token}`,
        '',
        'If it was not you, ignore this mail: your password stays as it is.',
      ].join('\n'),
    })
  }

  /**
   * Sets a new password with a reset token and ends every session of the member (whoever had the old
   * password is out). The mail reached the address, so it counts as confirmed. False when the token is
   * unknown, used or expired.
   */
  async resetPassword(token: string, password: string): Promise<boolean> {
    const memberId = (await this.#redeemToken(token, 'reset-password'))?.member_id
    if (memberId === undefined) return false
    const passwordHash = await hashPassword(password)
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .updateTable('members')
        .set((eb) => ({
          password_hash: passwordHash,
          email_verified_at: eb.fn.coalesce('email_verified_at', eb.val(new Date())),
        }))
        .where('id', '=', memberId)
        .execute()
      await trx.deleteFrom('member_sessions').where('member_id', '=', memberId).execute()
      await trx
        .deleteFrom('member_tokens')
        .where('member_id', '=', memberId)
        .where('purpose', '=', 'reset-password')
        .execute()
    })
    return true
  }

  /** All of the member's personal data, as JSON (GDPR article 20). */
  async exportOf(member: Member): Promise<PersonalDataExport> {
    const sessions = await this.#db
      .selectFrom('member_sessions')
      .select('expires_at')
      .where('member_id', '=', member.id)
      .orderBy('expires_at')
      .execute()
    return {
      exported_at: new Date().toISOString(),
      account: await this.profile(member),
      sessions: sessions.map((session) => ({ expires_at: new Date(session.expires_at).toISOString() })),
      ...(await this.#personalData.exportOf(member.id)),
    }
  }

  /**
   * Deletes the account once the password confirms it: each part erases its data, then the member keeps
   * only its id (no email, no password, no session): the pseudonym the kept records carry. False when the
   * password is wrong.
   */
  async deleteAccount(member: Member, password: string): Promise<boolean> {
    if (!(await this.signIn(member.email, password))) return false
    await this.#personalData.erase(member.id)
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('member_sessions').where('member_id', '=', member.id).execute()
      await trx.deleteFrom('member_tokens').where('member_id', '=', member.id).execute()
      await trx
        .updateTable('members')
        .set({
          email: null,
          password_hash: null,
          display_name: null,
          email_verified_at: null,
          deleted_at: new Date(),
        })
        .where('id', '=', member.id)
        .execute()
    })
    return true
  }

  async #issueToken(memberId: string, purpose: TokenPurpose, newEmail?: string): Promise<string> {
    const token = generateToken()
    await this.#db
      .insertInto('member_tokens')
      .values({
        token_hash: hashToken(token),
        member_id: memberId,
        purpose,
        expires_at: new Date(Date.now() + TOKEN_LIFETIME_MS[purpose]),
        new_email: newEmail ?? null,
      })
      .execute()
    return token
  }

  /** The token's member (and new address), once: the row goes in the same statement, so two uses at once get it once. */
  async #redeemToken(
    token: string,
    purpose: TokenPurpose,
  ): Promise<{ member_id: string; new_email: string | null } | undefined> {
    const row = await this.#db
      .deleteFrom('member_tokens')
      .where('token_hash', '=', hashToken(token))
      .where('purpose', '=', purpose)
      .returning(['member_id', 'new_email', 'expires_at'])
      .executeTakeFirst()
    return row && new Date(row.expires_at) > new Date() ? row : undefined
  }
}
