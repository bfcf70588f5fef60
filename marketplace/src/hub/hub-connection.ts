import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { generateToken, hashesEqual, hashToken } from '../../../src/core/tokens.ts'
import { callHub, OcpiCallFailed } from './ocpi-client.ts'
import type { MarketplaceDb } from '../storage/store.ts'

export const HubEndpoint = Type.Object({
  identifier: Type.String(),
  role: Type.Optional(Type.String()),
  url: Type.String(),
})
export type HubEndpoint = Static<typeof HubEndpoint>

const VersionList = Type.Array(Type.Object({ version: Type.String(), url: Type.String() }))
const VersionDetails = Type.Object({ version: Type.String(), endpoints: Type.Array(HubEndpoint) })
const HubCredentials = Type.Object({ token: Type.String({ minLength: 1 }), url: Type.String() })

export interface PlatformIdentity {
  readonly versionsUrl: string
  readonly countryCode: string
  readonly cpoPartyId: string
  readonly emspPartyId: string
  readonly businessName: string
}

/** What a push to the hub came to: `delivered`, `not connected`, or the reason it failed. */
export type PushOutcome = string

/**
 * The marketplace's registration at one hub (credentials.asciidoc): it registers once with token A, as
 * one platform with a CPO and an eMSP role, and then pushes its CPO's objects with token C.
 */
export class HubConnection {
  readonly #db: MarketplaceDb
  readonly #identity: PlatformIdentity
  /** Token B while the registration is under way: the hub reads our versions with it before answering. */
  #pendingTokenHash: string | undefined

  constructor(db: MarketplaceDb, identity: PlatformIdentity) {
    this.#db = db
    this.#identity = identity
  }

  async isConnected(): Promise<boolean> {
    return (await this.#row()) !== undefined
  }

  /** Whether `token` is the one the hub presents to the marketplace (token B). */
  async acceptsToken(token: string): Promise<boolean> {
    const hash = hashToken(token)
    if (this.#pendingTokenHash !== undefined && hashesEqual(hash, this.#pendingTokenHash)) return true
    const row = await this.#row()
    return row !== undefined && hashesEqual(hash, row.token_from_hub_hash)
  }

  /** The credentials the marketplace presents (GET /credentials answers them). */
  credentials(token: string) {
    const business_details = { name: this.#identity.businessName }
    return {
      token,
      url: this.#identity.versionsUrl,
      roles: [
        {
          role: 'CPO',
          country_code: this.#identity.countryCode,
          party_id: this.#identity.cpoPartyId,
          business_details,
        },
        {
          role: 'EMSP',
          country_code: this.#identity.countryCode,
          party_id: this.#identity.emspPartyId,
          business_details,
        },
      ],
    }
  }

  /** Registers at the hub whose versions are at `versionsUrl` with the invitation's token A. */
  async register(versionsUrl: string, tokenA: string): Promise<void> {
    const versions = await callHub(versionsUrl, tokenA)
    if (!Value.Check(VersionList, versions)) throw new OcpiCallFailed(`${versionsUrl}: not a version list`)
    const ours = versions.find((entry) => entry.version === '2.3.0')
    if (!ours) throw new OcpiCallFailed(`${versionsUrl}: the hub offers no OCPI 2.3.0`)
    const details = await callHub(ours.url, tokenA)
    if (!Value.Check(VersionDetails, details)) throw new OcpiCallFailed(`${ours.url}: not version details`)
    const credentialsUrl = details.endpoints.find((e) => e.identifier === 'credentials')?.url
    if (!credentialsUrl) throw new OcpiCallFailed(`${ours.url}: the hub has no credentials endpoint`)
    const tokenB = generateToken()
    this.#pendingTokenHash = hashToken(tokenB)
    try {
      const answer = await callHub(credentialsUrl, tokenA, { method: 'POST', body: this.credentials(tokenB) })
      if (!Value.Check(HubCredentials, answer)) throw new OcpiCallFailed(`${credentialsUrl}: not credentials`)
      const row = {
        id: 1,
        versions_url: versionsUrl,
        token_to_hub: answer.token,
        token_from_hub_hash: hashToken(tokenB),
        endpoints: JSON.stringify(details.endpoints),
        connected_at: new Date(),
      }
      await this.#db
        .insertInto('hub_connection')
        .values(row)
        .onConflict((oc) => oc.column('id').doUpdateSet(row))
        .execute()
    } finally {
      this.#pendingTokenHash = undefined
    }
  }

  /**
   * PUTs a CPO object (`locations` or `tariffs`) to the hub's receiver, with no OCPI-to-* headers: the
   * hub broadcasts it to every eMSP.
   */
  async pushCpoObject(module: 'locations' | 'tariffs', id: string, object: unknown): Promise<PushOutcome> {
    return this.sendCpoObject('PUT', module, [id], object)
  }

  /** PATCHes fields of one EVSE of the CPO's Location (e.g. its status) at the hub's receiver. */
  async patchEvse(locationId: string, evseUid: string, patch: Record<string, unknown>): Promise<PushOutcome> {
    return this.sendCpoObject('PATCH', 'locations', [locationId, evseUid], patch)
  }

  /** PUTs or PATCHes a CPO object at `{receiver of module}/{cc}/{pid}/{ids…}`; the hub routes it on. */
  async sendCpoObject(
    method: 'PUT' | 'PATCH',
    module: 'locations' | 'tariffs' | 'bookings',
    ids: readonly string[],
    body: unknown,
  ): Promise<PushOutcome> {
    const row = await this.#row()
    if (!row) return 'not connected'
    const receiver = row.endpoints.find((e) => e.identifier === module && e.role === 'RECEIVER')
    if (!receiver) return `the hub has no ${module} receiver`
    const { countryCode, cpoPartyId } = this.#identity
    const path = ids.map((id) => encodeURIComponent(id)).join('/')
    try {
      await callHub(
        `${receiver.url.replace(/\/+$/, '')}/${countryCode}/${cpoPartyId}/${path}`,
        row.token_to_hub,
        {
          method,
          body,
          headers: { 'ocpi-from-country-code': countryCode, 'ocpi-from-party-id': cpoPartyId },
        },
      )
      return 'delivered'
    } catch (error) {
      if (error instanceof OcpiCallFailed) return error.message
      throw error
    }
  }

  async #row() {
    return this.#db.selectFrom('hub_connection').selectAll().where('id', '=', 1).executeTakeFirst()
  }
}
