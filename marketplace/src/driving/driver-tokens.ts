import { randomBytes } from 'node:crypto'
import type { HubConnection } from '../hub/hub-connection.ts'
import { OcpiCallFailed } from '../hub/ocpi-client.ts'
import type { MarketplaceDb } from '../storage/store.ts'

/** The marketplace's eMSP party and the issuer name its Tokens carry. */
export interface EmspIdentity {
  readonly country_code: string
  readonly party_id: string
  readonly issuer: string
}

/** A driver's OCPI Token (mod_tokens): an app user's token that every CPO on the hub accepts. */
export interface DriverToken {
  country_code: string
  party_id: string
  uid: string
  type: 'APP_USER'
  contract_id: string
  issuer: string
  valid: boolean
  whitelist: 'ALLOWED'
  last_updated: string
}

interface TokenRow {
  readonly uid: string
  readonly contract_id: string
  readonly last_updated: Date
}

/**
 * Drivers' tokens: one per member who drives, made on first use and PUT to the hub's Tokens receiver (no
 * OCPI-to-* headers), so the hub broadcasts it to every CPO.
 */
export class DriverTokens {
  readonly #db: MarketplaceDb
  readonly #hub: HubConnection
  readonly #emsp: EmspIdentity

  constructor(db: MarketplaceDb, hub: HubConnection, emsp: EmspIdentity) {
    this.#db = db
    this.#hub = hub
    this.#emsp = emsp
  }

  /**
   * The member's token; a first one is made and sent to the hub. `hub` says how that push went
   * (`delivered` or why not); absent for a token that existed.
   */
  async ofMember(memberId: string): Promise<{ token: DriverToken; hub?: string }> {
    const existing = await this.#db
      .selectFrom('driver_tokens')
      .select(['uid', 'contract_id', 'last_updated'])
      .where('member_id', '=', memberId)
      .executeTakeFirst()
    if (existing) return { token: this.#token(existing) }
    // 16 hex digits for the uid; the contract id is an eMA ID shape: NL-SHD-C + 8 characters.
    const row = {
      uid: randomBytes(8).toString('hex').toUpperCase(),
      contract_id: `${this.#emsp.country_code}-${this.#emsp.party_id}-C${randomBytes(4).toString('hex').toUpperCase()}`,
      last_updated: new Date(),
    }
    const inserted = await this.#db
      .insertInto('driver_tokens')
      .values({ member_id: memberId, ...row })
      .onConflict((oc) => oc.column('member_id').doNothing())
      .executeTakeFirst()
    // Two first uses at the same time: the other one made it.
    if (inserted.numInsertedOrUpdatedRows === 0n) return this.ofMember(memberId)
    const token = this.#token(row)
    return { token, hub: await this.#push(token) }
  }

  /** Every driver's token, oldest first (the Tokens SENDER interface). */
  async all(): Promise<DriverToken[]> {
    const rows = await this.#db
      .selectFrom('driver_tokens')
      .select(['uid', 'contract_id', 'last_updated'])
      .orderBy('last_updated')
      .orderBy('uid')
      .execute()
    return rows.map((row) => this.#token(row))
  }

  /** The member whose token has this uid. */
  async memberOf(uid: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('driver_tokens')
      .select('member_id')
      .where('uid', '=', uid)
      .executeTakeFirst()
    return row?.member_id
  }

  /** The member's token, without making one (the GDPR export). */
  async existingOf(memberId: string): Promise<DriverToken | undefined> {
    const row = await this.#db
      .selectFrom('driver_tokens')
      .select(['uid', 'contract_id', 'last_updated'])
      .where('member_id', '=', memberId)
      .executeTakeFirst()
    return row && this.#token(row)
  }

  /**
   * Sends the member's token to the hub as no longer valid, then forgets which member it was: no CPO
   * accepts it again, and the Sessions and CDRs that name its random uid stay without a person behind them.
   * Answers how the push went (`delivered` or why not).
   */
  async revoke(memberId: string): Promise<string | undefined> {
    const token = await this.existingOf(memberId)
    if (!token) return undefined
    const outcome = await this.#push({ ...token, valid: false, last_updated: new Date().toISOString() })
    await this.#db.deleteFrom('driver_tokens').where('member_id', '=', memberId).execute()
    return outcome
  }

  async #push(token: DriverToken): Promise<string> {
    const { country_code, party_id, uid } = token
    try {
      await this.#hub.callAsEmsp('tokens', 'RECEIVER', `/${country_code}/${party_id}/${uid}?type=APP_USER`, {
        method: 'PUT',
        body: token,
      })
      return 'delivered'
    } catch (error) {
      if (error instanceof OcpiCallFailed) return error.message
      throw error
    }
  }

  #token(row: TokenRow): DriverToken {
    return {
      country_code: this.#emsp.country_code,
      party_id: this.#emsp.party_id,
      uid: row.uid,
      type: 'APP_USER',
      contract_id: row.contract_id,
      issuer: this.#emsp.issuer,
      valid: true,
      whitelist: 'ALLOWED',
      last_updated: row.last_updated.toISOString(),
    }
  }
}
