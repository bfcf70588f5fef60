import { expect } from 'vitest'
import { buildMarketplace, type Marketplace } from '../../marketplace/src/app.ts'
import { loadMarketplaceConfig } from '../../marketplace/src/config.ts'
import type { ListingDetails } from '../../marketplace/src/listings/listing.schema.ts'
import { openMarketplaceStore, type MarketplaceStore } from '../../marketplace/src/storage/store.ts'
import type { StoreEngine } from '../../src/storage/database.ts'
import { call, type HttpResult } from '../support/http.ts'
import { connectParty, type ConnectedParty } from '../support/roaming-network.ts'
import { createTestDatabase } from '../support/test-store.ts'
import { freePort, startTestHub, type TestHub } from '../support/test-hub.ts'

/** A home charger as an owner lists it in the tests. */
export const CHARGER: ListingDetails = {
  name: 'Driveway charger',
  address: 'Lindenlaan 12',
  city: 'Utrecht',
  postal_code: '3581 AB',
  country: 'NLD',
  latitude: 52.0907,
  longitude: 5.1214,
  time_zone: 'Europe/Amsterdam',
  connectors: [{ standard: 'IEC_62196_T2', format: 'SOCKET', power_type: 'AC_3_PHASE', max_power_kw: 11 }],
  price_per_kwh: 0.29,
  publish: true,
}

/** A real hub with a connected eMSP (DE DRV) and the marketplace registered at it as NL SHR / NL SHD. */
export interface HubAndMarketplace {
  readonly hub: TestHub
  readonly emsp: ConnectedParty
  readonly marketplace: Marketplace
  readonly marketplaceUrl: string
  /** The marketplace's platform id at the hub (admin API). */
  readonly platformId: string
  readonly store: MarketplaceStore
  close(): Promise<void>
}

export type MarketplaceOptions = NonNullable<Parameters<typeof buildMarketplace>[1]>

/**
 * Starts the hub on `engine`, an eMSP on it, and the marketplace (its store on the same engine), which
 * registers with an invitation. `env` adds or overrides MARKETPLACE_* variables; `options` goes to
 * buildMarketplace.
 */
export async function startHubAndMarketplace(
  engine: StoreEngine,
  extra: { readonly env?: Record<string, string>; readonly options?: Omit<MarketplaceOptions, 'store'> } = {},
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
  const hub = await startTestHub(engine)
  const emsp = await connectParty(hub, 'EMSP', 'DE', 'DRV')
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
  const marketplace = await buildMarketplace(
    loadMarketplaceConfig({
      MARKETPLACE_PORT: String(port),
      MARKETPLACE_HOST: '127.0.0.1',
      MARKETPLACE_COUNTRY_CODE: 'NL',
      MARKETPLACE_CPO_PARTY_ID: 'SHR',
      MARKETPLACE_EMSP_PARTY_ID: 'SHD',
      MARKETPLACE_HUB_VERSIONS_URL: invitation.body.versions_url,
      MARKETPLACE_HUB_TOKEN_A: invitation.body.token_a,
      ...extra.env,
    }),
    { ...extra.options, store },
  )
  await marketplace.start()
  return {
    hub,
    emsp,
    marketplace,
    marketplaceUrl: `http://127.0.0.1:${port}`,
    platformId: invitation.body.id,
    store,
    async close() {
      await marketplace.close()
      await emsp.platform.close()
      await hub.close()
      await store.close()
      await dropDatabase?.()
    },
  }
}

/** Calls the marketplace's members' API at `marketplaceUrl`, with a session cookie when given. */
export function api<T>(
  marketplaceUrl: string,
  method: string,
  path: string,
  body?: unknown,
  cookie?: string,
): Promise<HttpResult<T>> {
  return call<T>(`${marketplaceUrl}/api${path}`, { method, body, headers: cookie ? { cookie } : {} })
}

/** Signs a new member up; returns the session cookie (`marketplace_session=…`) to send with `api`. */
export async function signUp(marketplaceUrl: string, email: string): Promise<string> {
  const answer = await api(marketplaceUrl, 'POST', '/members', { email, password: 'correct horse battery' })
  expect(answer.status, answer.text).toBe(201)
  const cookie = answer.headers.getSetCookie().find((c) => c.startsWith('marketplace_session='))
  expect(cookie).toMatch(/HttpOnly/i)
  return cookie!.split(';')[0]!
}
