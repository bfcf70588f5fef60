import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call } from '../support/http.ts'
import { eventually } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { freePort } from '../support/test-hub.ts'
import { CHARGER, startHubAndMarketplace, type HubAndMarketplace, type ListingAnswer } from './support.ts'

interface Endpoint {
  identifier: string
  role?: string
  url: string
}

describe.each(STORE_VARIANTS)("the marketplace's link to the hub (%s)", (engine) => {
  let network: HubAndMarketplace
  let owner: string

  /** The token the hub presents to the marketplace (its copy of the marketplace's token B). */
  async function hubsToken(): Promise<string> {
    await network.hub.hub.context.directory.catchUp()
    return network.hub.hub.context.directory.platform(network.platformId)!.outbound_token!
  }

  async function storedEndpoints(): Promise<Endpoint[]> {
    const row = await network.store.db
      .selectFrom('hub_connection')
      .select('endpoints')
      .executeTakeFirstOrThrow()
    return row.endpoints
  }

  async function setEndpoints(endpoints: Endpoint[]): Promise<void> {
    await network.store.db
      .updateTable('hub_connection')
      .set({ endpoints: JSON.stringify(endpoints) })
      .execute()
  }

  beforeAll(async () => {
    network = await startHubAndMarketplace(engine, { env: { MARKETPLACE_OUTBOX_RETRY_MS: '100' } })
    owner = await network.signUp('link.owner@example.org')
  })

  afterAll(async () => {
    await network?.close()
  })

  it('keeps what it could not push while the hub was away and sends it, in order, when it is back', async () => {
    const real = await storedEndpoints()
    // The hub's receivers on a port nobody listens on: connections are refused, as when the hub is down.
    const away = `http://127.0.0.1:${await freePort()}`
    await setEndpoints(
      real.map((endpoint) => ({ ...endpoint, url: endpoint.url.replace(/^http:\/\/[^/]+/, away) })),
    )
    const created = await network.api<ListingAnswer>('POST', '/listings', CHARGER, owner)
    expect(created.status, created.text).toBe(201)
    expect(created.body.hub).toMatch(/^queued: .*no answer/)
    expect(await network.marketplace.outbox.pending()).toBe(2)
    const path = `/NL/SHR/${created.body.id}`
    expect(network.emsp.inbox('tariffs').filter((r) => r.path.endsWith(path))).toEqual([])

    await setEndpoints(real)
    await eventually(async () => expect(await network.marketplace.outbox.pending()).toBe(0))
    const [tariff] = await network.emsp.platform.waitForRequests(`/2.3.0/receiver/tariffs${path}`, 1)
    const [location] = await network.emsp.platform.waitForRequests(`/2.3.0/receiver/locations${path}`, 1)
    expect(tariff!.body).toMatchObject({ id: created.body.id })
    expect(location!.body).toMatchObject({ id: created.body.id })
    // The Tariff went first: the Location's connectors name it.
    expect(network.emsp.platform.received.indexOf(tariff!)).toBeLessThan(
      network.emsp.platform.received.indexOf(location!),
    )
  })

  it('pages its Locations and Tariffs for the hub, with the total, the limit and a link to the next page', async () => {
    for (const name of ['Second', 'Third']) {
      const created = await network.api('POST', '/listings', { ...CHARGER, name }, owner)
      expect(created.status).toBe(201)
    }
    const token = await hubsToken()
    const sender = `${network.marketplaceUrl}/ocpi/2.3.0/sender`
    const first = await call<{ data: { id: string }[] }>(`${sender}/locations?limit=2`, { token })
    expect(first.body.data).toHaveLength(2)
    expect(first.headers.get('x-total-count')).toBe('3')
    expect(first.headers.get('x-limit')).toBe('2')
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1]
    expect(next).toBe(`${sender}/locations?offset=2&limit=2`)
    const second = await call<{ data: { id: string }[] }>(next!, { token })
    expect(second.body.data).toHaveLength(1)
    expect(second.headers.get('link')).toBeNull()
    expect(new Set([...first.body.data, ...second.body.data].map((l) => l.id)).size).toBe(3)

    const future = await call<{ data: unknown[] }>(`${sender}/tariffs?date_from=2999-01-01T00:00:00Z`, {
      token,
    })
    expect(future.body.data).toEqual([])
    expect(future.headers.get('x-total-count')).toBe('0')
    const bad = await call<{ status_code: number; status_message: string }>(`${sender}/tariffs?limit=zero`, {
      token,
    })
    expect([bad.status, bad.body.status_code]).toEqual([200, 2001])
    expect(bad.body.status_message).toMatch(/limit/)
  })

  it("takes the hub's new token (credentials PUT) and refuses the old one", async () => {
    const oldToken = await hubsToken()
    const rotated = await network.hub.admin('POST', `/platforms/${network.platformId}/rotate-token`)
    expect(rotated.status, rotated.text).toBe(200)
    const newToken = await hubsToken()
    expect(newToken).not.toBe(oldToken)
    const versions = `${network.marketplaceUrl}/ocpi/versions`
    expect((await call(versions, { token: oldToken })).status).toBe(401)
    expect((await call(versions, { token: newToken })).body.status_code).toBe(1000)
    // And it reaches the hub with the hub's new token.
    const created = await network.api<ListingAnswer>('POST', '/listings', CHARGER, owner)
    expect(created.body.hub).toBe('delivered')
  })

  it('forgets the registration when the hub unregisters it (credentials DELETE)', async () => {
    const token = await hubsToken()
    const removed = await network.hub.admin('DELETE', `/platforms/${network.platformId}`)
    expect(removed.status, removed.text).toBe(200)
    await eventually(async () => expect(await network.marketplace.hub.isConnected()).toBe(false))
    expect((await call(`${network.marketplaceUrl}/ocpi/versions`, { token })).status).toBe(401)
    const created = await network.api<ListingAnswer>('POST', '/listings', CHARGER, owner)
    expect(created.body.hub).toMatch(/^queued: not connected/)
  })
})
