import { expect } from 'vitest'
import { buildMarketplace, type Marketplace } from '../../marketplace/src/app.ts'
import { loadMarketplaceConfig } from '../../marketplace/src/config.ts'
import { openMarketplaceStore, type MarketplaceStore } from '../../marketplace/src/storage/store.ts'
import type { StoreEngine } from '../../src/storage/database.ts'
import { call, type HttpResult } from '../support/http.ts'
import { createTestDatabase } from '../support/test-store.ts'
import { freePort, startTestHub, type TestHub } from '../support/test-hub.ts'

/** A real hub process and the marketplace registered at it (CPO NL SHR, eMSP NL SHD), on one store kind. */
export interface HubAndMarketplace {
  readonly hub: TestHub
  readonly marketplace: Marketplace
  readonly marketplaceUrl: string
  /** The marketplace's platform id at the hub. */
  readonly platformId: string
  readonly store: MarketplaceStore
  /** Calls the members' API, with a session cookie when given. */
  readonly api: <T>(method: string, path: string, body?: unknown, cookie?: string) => Promise<HttpResult<T>>
  /** Signs a new member up; the session cookie (`name=value`) to send with `api`. */
  readonly signUp: (email: string) => Promise<string>
  close(): Promise<void>
}

export async function startHubAndMarketplace(
  engine: StoreEngine,
  hubEnvironment: Record<string, string> = {},
  marketplaceEnvironment: Record<string, string> = {},
): Promise<HubAndMarketplace> {
  // The marketplace's store first: PGlite's start keeps this process busy, and connections the hub
  // kept alive meanwhile would be closed under the first calls.
  let databaseUrl: string | undefined
  let dropDatabase: (() => Promise<void>) | undefined
  if (engine === 'postgres') {
    const database = await createTestDatabase()
    databaseUrl = database.url
    dropDatabase = () => database.drop()
  }
  const store = await openMarketplaceStore({ databaseUrl, dataDir: 'memory' })
  const hub = await startTestHub(engine, hubEnvironment)
  const invitation = await hub.admin<{ id: string; token_a: string; versions_url: string }>(
    'POST',
    '/invitations',
    {
      name: 'Sharing marketplace',
      roles: [
        { role: 'CPO', country_code: 'NL', party_id: 'SHR' },
        { role: 'EMSP', country_code: 'NL', party_id: 'SHD' },
      ],
    },
  )
  expect(invitation.status, invitation.text).toBe(201)
  const port = await freePort()
  const marketplaceUrl = `http://127.0.0.1:${port}`
  const marketplace = await buildMarketplace(
    loadMarketplaceConfig({
      MARKETPLACE_PORT: String(port),
      MARKETPLACE_HOST: '127.0.0.1',
      MARKETPLACE_COUNTRY_CODE: 'NL',
      MARKETPLACE_CPO_PARTY_ID: 'SHR',
      MARKETPLACE_EMSP_PARTY_ID: 'SHD',
      MARKETPLACE_HUB_VERSIONS_URL: invitation.body.versions_url,
      MARKETPLACE_HUB_TOKEN_A: invitation.body.token_a,
      ...marketplaceEnvironment,
    }),
    { store },
  )
  await marketplace.start()

  function api<T>(method: string, path: string, body?: unknown, cookie?: string): Promise<HttpResult<T>> {
    return call<T>(`${marketplaceUrl}/api${path}`, { method, body, headers: cookie ? { cookie } : {} })
  }

  return {
    hub,
    marketplace,
    marketplaceUrl,
    platformId: invitation.body.id,
    store,
    api,
    async signUp(email) {
      const answer = await api('POST', '/members', { email, password: 'correct horse battery' })
      expect(answer.status, answer.text).toBe(201)
      const cookie = answer.headers.getSetCookie().find((c) => c.startsWith('marketplace_session='))
      expect(cookie).toMatch(/HttpOnly/i)
      return cookie!.split(';')[0]!
    },
    async close() {
      await marketplace.close()
      await hub.close()
      await store.close()
      await dropDatabase?.()
    },
  }
}
