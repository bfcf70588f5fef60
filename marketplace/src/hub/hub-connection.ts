import { Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { generateToken, hashesEqual, hashToken } from '../../../src/core/tokens.ts'
import { HubEndpoint, type HubMessage } from './hub-message.ts'
import { callHub, OcpiCallFailed, pageOfHub } from './ocpi-client.ts'
import type { MarketplaceDb } from '../storage/store.ts'

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
  readonly #registeredListeners: (() => void)[] = []

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

  /** The hub's OCPI 2.3.0 endpoints, read with `token` from its versions at `versionsUrl`. */
  async #endpointsAt(versionsUrl: string, token: string): Promise<HubEndpoint[]> {
    const versions = await callHub(versionsUrl, token)
    if (!Value.Check(VersionList, versions)) throw new OcpiCallFailed(`${versionsUrl}: not a version list`)
    const ours = versions.find((entry) => entry.version === '2.3.0')
    if (!ours) throw new OcpiCallFailed(`${versionsUrl}: the hub offers no OCPI 2.3.0`)
    const details = await callHub(ours.url, token)
    if (!Value.Check(VersionDetails, details)) throw new OcpiCallFailed(`${ours.url}: not version details`)
    return details.endpoints
  }

  /** Calls `listener` after each registration at a hub (not after a token rotation by the hub). */
  onRegistered(listener: () => void): void {
    this.#registeredListeners.push(listener)
  }

  /** Registers at the hub whose versions are at `versionsUrl` with the invitation's token A. */
  async register(versionsUrl: string, tokenA: string): Promise<void> {
    const endpoints = await this.#endpointsAt(versionsUrl, tokenA)
    const credentialsUrl = endpoints.find((e) => e.identifier === 'credentials')?.url
    if (!credentialsUrl) throw new OcpiCallFailed(`${versionsUrl}: the hub has no credentials endpoint`)
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
        endpoints: JSON.stringify(endpoints),
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
    for (const listener of this.#registeredListeners) listener()
  }

  /**
   * The hub's credentials PUT (a token rotation or a move): the marketplace reads the hub's endpoints with
   * the new token first (OcpiCallFailed if it cannot), then keeps it and answers with a new token B of its
   * own, from then on the only one it accepts.
   */
  async updateFromHub(hubCredentials: {
    token: string
    url: string
  }): Promise<ReturnType<HubConnection['credentials']>> {
    const endpoints = await this.#endpointsAt(hubCredentials.url, hubCredentials.token)
    const tokenB = generateToken()
    await this.#db
      .updateTable('hub_connection')
      .set({
        versions_url: hubCredentials.url,
        token_to_hub: hubCredentials.token,
        token_from_hub_hash: hashToken(tokenB),
        endpoints: JSON.stringify(endpoints),
      })
      .where('id', '=', 1)
      .execute()
    return this.credentials(tokenB)
  }

  /** The hub's credentials DELETE: the registration ends, the hub's token is no longer accepted. */
  async forget(): Promise<void> {
    await this.#db.deleteFrom('hub_connection').where('id', '=', 1).execute()
  }

  /**
   * One OCPI call to the hub's `module` endpoint of `role` (`path` appended to its URL), as the
   * marketplace's CPO, addressed `to` a party when given (OCPI-to-* routing headers); its data on 1000.
   * Throws OcpiCallFailed when the hub is not connected, has no such endpoint or did not answer 1000.
   */
  async send(message: HubMessage): Promise<unknown> {
    const row = await this.#row()
    if (!row) throw new OcpiCallFailed('not connected to a hub')
    const role = message.role ?? 'RECEIVER'
    const endpoint = row.endpoints.find((e) => e.identifier === message.module && e.role === role)
    if (!endpoint) throw new OcpiCallFailed(`the hub has no ${message.module} ${role}`)
    const { countryCode, cpoPartyId } = this.#identity
    return callHub(`${endpoint.url.replace(/\/+$/, '')}${message.path}`, row.token_to_hub, {
      method: message.method,
      body: message.body,
      headers: {
        'ocpi-from-country-code': countryCode,
        'ocpi-from-party-id': cpoPartyId,
        ...(message.to && {
          'ocpi-to-country-code': message.to.country_code,
          'ocpi-to-party-id': message.to.party_id,
        }),
      },
    })
  }

  /** POSTs a body to a URL the hub gave (a command's `response_url`) with the marketplace's token. */
  async callBack(url: string, body: unknown): Promise<void> {
    const row = await this.#row()
    if (!row) throw new OcpiCallFailed('not connected to a hub')
    await callHub(url, row.token_to_hub, { method: 'POST', body })
  }

  /**
   * One call of the marketplace's eMSP role to the hub's `module` endpoint of `interfaceRole`, `path`
   * appended; with `to`, routed to that party. The envelope's data; throws OcpiCallFailed when the hub
   * is not connected, has no such endpoint, or did not answer 1000.
   */
  async callAsEmsp(
    module: string,
    interfaceRole: 'SENDER' | 'RECEIVER',
    path: string,
    options: { method?: string; body?: unknown; to?: { country_code: string; party_id: string } } = {},
  ): Promise<unknown> {
    const { url, token, from } = await this.#emspEndpoint(module, interfaceRole)
    return callHub(`${url.replace(/\/+$/, '')}${path}`, token, {
      method: options.method ?? 'GET',
      body: options.body,
      headers: {
        ...from,
        ...(options.to && {
          'ocpi-to-country-code': options.to.country_code,
          'ocpi-to-party-id': options.to.party_id,
        }),
      },
    })
  }

  /**
   * Every object of the hub's `module` SENDER list as the eMSP role reads it (GET All across the hub's
   * CPOs), page by page as the hub's `Link` headers lead.
   */
  async *listAsEmsp(module: string): AsyncGenerator<unknown[]> {
    const { url: first, token, from } = await this.#emspEndpoint(module, 'SENDER')
    const visited = new Set<string>()
    for (let url: string | undefined = first; url !== undefined && !visited.has(url);) {
      visited.add(url)
      const page = await pageOfHub(url, token, from)
      yield page.objects
      url = page.next
    }
  }

  /** The hub's `module` endpoint of `interfaceRole`, the token to call it, and the eMSP role's FROM headers. */
  async #emspEndpoint(module: string, interfaceRole: 'SENDER' | 'RECEIVER') {
    const row = await this.#row()
    if (!row) throw new OcpiCallFailed('the marketplace is not connected to a hub')
    const endpoint = row.endpoints.find((e) => e.identifier === module && e.role === interfaceRole)
    if (!endpoint) throw new OcpiCallFailed(`the hub has no ${module} ${interfaceRole.toLowerCase()}`)
    const from = {
      'ocpi-from-country-code': this.#identity.countryCode,
      'ocpi-from-party-id': this.#identity.emspPartyId,
    }
    return { url: endpoint.url, token: row.token_to_hub, from }
  }

  async #row() {
    return this.#db.selectFrom('hub_connection').selectAll().where('id', '=', 1).executeTakeFirst()
  }
}
