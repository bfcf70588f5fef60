import { Value } from '@sinclair/typebox/value'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Marketplace } from '../../marketplace/src/app.ts'
import type { ListingDetails } from '../../marketplace/src/listings/listing.schema.ts'
import { Location } from '../../src/modules/locations/locations.schema.ts'
import { Tariff } from '../../src/modules/tariffs/tariffs.schema.ts'
import { call, type HttpResult } from '../support/http.ts'
import { eventually, type ConnectedParty } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import type { TestHub } from '../support/test-hub.ts'
import * as support from './support.ts'
import { CHARGER, startHubAndMarketplace, type HubAndMarketplace } from './support.ts'

interface ListingAnswer {
  id: string
  hub?: string
  details: ListingDetails
}

describe.each(STORE_VARIANTS)('the sharing marketplace on the hub (%s)', (engine) => {
  let network: HubAndMarketplace
  let hub: TestHub
  let emsp: ConnectedParty
  let marketplace: Marketplace
  let marketplaceUrl: string
  let platformId: string

  function api<T>(method: string, path: string, body?: unknown, cookie?: string): Promise<HttpResult<T>> {
    return support.api<T>(marketplaceUrl, method, path, body, cookie)
  }

  function signUp(email: string): Promise<string> {
    return support.signUp(marketplaceUrl, email)
  }

  beforeAll(async () => {
    network = await startHubAndMarketplace(engine)
    ;({ hub, emsp, marketplace, marketplaceUrl, platformId } = network)
  })

  afterAll(async () => {
    await network?.close()
  })

  it('registers at the hub with its invitation, as one platform with a CPO and an eMSP role', async () => {
    expect(await marketplace.hub.isConnected()).toBe(true)
    const platform = await hub.admin<{
      status: string
      version: string
      roles: { role: string; party_id: string; status: string }[]
    }>('GET', `/platforms/${platformId}`)
    expect(platform.status, platform.text).toBe(200)
    expect([platform.body.status, platform.body.version]).toEqual(['CONNECTED', '2.3.0'])
    expect(platform.body.roles.map((p) => [p.role, p.party_id, p.status]).sort()).toEqual([
      ['CPO', 'SHR', 'CONNECTED'],
      ['EMSP', 'SHD', 'CONNECTED'],
    ])
  })

  it('answers its OCPI endpoints to the hub only', async () => {
    const anonymous = await call(`${marketplaceUrl}/ocpi/versions`)
    expect(anonymous.status).toBe(401)
    const wrong = await call(`${marketplaceUrl}/ocpi/versions`, { token: 'not-the-hub' })
    expect(wrong.body.status_code).toBe(2000)
  })

  it("sends an owner's listing to every eMSP on the hub as a Location with its Tariff", async () => {
    const owner = await signUp('first.owner@example.org')
    const created = await api<ListingAnswer>('POST', '/listings', CHARGER, owner)
    expect(created.status, created.text).toBe(201)
    expect(created.body.hub).toBe('delivered')
    const id = created.body.id

    const [locationPut] = await emsp.platform.waitForRequests(`/2.3.0/receiver/locations/NL/SHR/${id}`, 1)
    expect(locationPut!.method).toBe('PUT')
    expect(Value.Errors(Location, locationPut!.body).First()).toBeUndefined()
    expect(locationPut!.body).toMatchObject({
      id,
      address: 'Lindenlaan 12',
      coordinates: { latitude: '52.090700', longitude: '5.121400' },
      evses: [{ connectors: [{ standard: 'IEC_62196_T2', max_electric_power: 11000, tariff_ids: [id] }] }],
    })
    const [tariffPut] = await emsp.platform.waitForRequests(`/2.3.0/receiver/tariffs/NL/SHR/${id}`, 1)
    expect(Value.Errors(Tariff, tariffPut!.body).First()).toBeUndefined()
    expect(tariffPut!.body).toMatchObject({
      currency: 'EUR',
      elements: [{ price_components: [{ type: 'ENERGY', price: 0.29 }] }],
    })

    const changed = await api<ListingAnswer>(
      'PUT',
      `/listings/${id}`,
      { ...CHARGER, price_per_kwh: 0.25 },
      owner,
    )
    expect(changed.status, changed.text).toBe(200)
    await eventually(() =>
      expect(emsp.inbox('tariffs').at(-1)?.body).toMatchObject({
        elements: [{ price_components: [{ price: 0.25 }] }],
      }),
    )
  })

  it("keeps one owner out of another owner's listing", async () => {
    const first = await signUp('owner.one@example.org')
    const created = await api<ListingAnswer>('POST', '/listings', CHARGER, first)
    const second = await signUp('owner.two@example.org')
    const attempt = await api('PUT', `/listings/${created.body.id}`, { ...CHARGER, price_per_kwh: 5 }, second)
    expect(attempt.status).toBe(404)
    const anonymous = await api('PUT', `/listings/${created.body.id}`, { ...CHARGER, price_per_kwh: 5 })
    expect(anonymous.status).toBe(401)
    const mine = await api<ListingAnswer[]>('GET', '/listings', undefined, first)
    expect(mine.body.map((l) => l.details.price_per_kwh)).toEqual([0.29])
    const theirs = await api<ListingAnswer[]>('GET', '/listings', undefined, second)
    expect(theirs.body).toEqual([])
  })

  it('signs an owner in again, and refuses a wrong password and bad input in words', async () => {
    await signUp('returning@example.org')
    const again = await api('POST', '/sessions', {
      email: 'Returning@example.org',
      password: 'correct horse battery',
    })
    expect(again.status).toBe(200)
    const wrong = await api('POST', '/sessions', {
      email: 'returning@example.org',
      password: 'wrong password!',
    })
    expect(wrong.status).toBe(401)
    const taken = await api('POST', '/members', {
      email: 'returning@example.org',
      password: 'another password',
    })
    expect(taken.status).toBe(409)
    const owner = await signUp('careless@example.org')
    const bad = await api<{ message: string }>('POST', '/listings', { ...CHARGER, latitude: 123 }, owner)
    expect(bad.status).toBe(400)
    expect(bad.body.message).toMatch(/latitude/)
  })
})
