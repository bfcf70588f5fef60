import { Value } from '@sinclair/typebox/value'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Location } from '../../src/modules/locations/locations.schema.ts'
import { Tariff } from '../../src/modules/tariffs/tariffs.schema.ts'
import { call } from '../support/http.ts'
import { eventually } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { CHARGER, startHubAndMarketplace, type HubAndMarketplace, type ListingAnswer } from './support.ts'

describe.each(STORE_VARIANTS)('the sharing marketplace on the hub (%s)', (engine) => {
  let network: HubAndMarketplace

  beforeAll(async () => {
    network = await startHubAndMarketplace(engine)
  })

  afterAll(async () => {
    await network?.close()
  })

  it('registers at the hub with its invitation, as one platform with a CPO and an eMSP role', async () => {
    expect(await network.marketplace.hub.isConnected()).toBe(true)
    const platform = await network.hub.admin<{
      status: string
      version: string
      roles: { role: string; party_id: string; status: string }[]
    }>('GET', `/platforms/${network.platformId}`)
    expect(platform.status, platform.text).toBe(200)
    expect([platform.body.status, platform.body.version]).toEqual(['CONNECTED', '2.3.0'])
    expect(platform.body.roles.map((p) => [p.role, p.party_id, p.status]).sort()).toEqual([
      ['CPO', 'SHR', 'CONNECTED'],
      ['EMSP', 'SHD', 'CONNECTED'],
    ])
  })

  it('answers its OCPI endpoints to the hub only', async () => {
    const anonymous = await call(`${network.marketplaceUrl}/ocpi/versions`)
    expect(anonymous.status).toBe(401)
    const wrong = await call(`${network.marketplaceUrl}/ocpi/versions`, { token: 'not-the-hub' })
    expect(wrong.body.status_code).toBe(2000)
  })

  it("sends an owner's listing to every eMSP on the hub as a Location with its Tariff", async () => {
    const owner = await network.signUp('first.owner@example.org')
    const created = await network.api<ListingAnswer>('POST', '/listings', CHARGER, owner)
    expect(created.status, created.text).toBe(201)
    expect(created.body.hub).toBe('delivered')
    const id = created.body.id

    const [locationPut] = await network.emsp.platform.waitForRequests(
      `/2.3.0/receiver/locations/NL/SHR/${id}`,
      1,
    )
    expect(locationPut!.method).toBe('PUT')
    expect(Value.Errors(Location, locationPut!.body).First()).toBeUndefined()
    expect(locationPut!.body).toMatchObject({
      id,
      address: 'Lindenlaan 12',
      coordinates: { latitude: '52.090700', longitude: '5.121400' },
      evses: [{ connectors: [{ standard: 'IEC_62196_T2', max_electric_power: 11000, tariff_ids: [id] }] }],
    })
    const [tariffPut] = await network.emsp.platform.waitForRequests(`/2.3.0/receiver/tariffs/NL/SHR/${id}`, 1)
    expect(Value.Errors(Tariff, tariffPut!.body).First()).toBeUndefined()
    expect(tariffPut!.body).toMatchObject({
      currency: 'EUR',
      elements: [{ price_components: [{ type: 'ENERGY', price: 0.29 }] }],
    })

    const changed = await network.api<ListingAnswer>(
      'PUT',
      `/listings/${id}`,
      { ...CHARGER, price_per_kwh: 0.25 },
      owner,
    )
    expect(changed.status, changed.text).toBe(200)
    await eventually(() =>
      expect(network.emsp.inbox('tariffs').at(-1)?.body).toMatchObject({
        elements: [{ price_components: [{ price: 0.25 }] }],
      }),
    )
  })

  it("keeps one owner out of another owner's listing", async () => {
    const first = await network.signUp('owner.one@example.org')
    const created = await network.api<ListingAnswer>('POST', '/listings', CHARGER, first)
    const second = await network.signUp('owner.two@example.org')
    const attempt = await network.api(
      'PUT',
      `/listings/${created.body.id}`,
      { ...CHARGER, price_per_kwh: 5 },
      second,
    )
    expect(attempt.status).toBe(404)
    const anonymous = await network.api('PUT', `/listings/${created.body.id}`, {
      ...CHARGER,
      price_per_kwh: 5,
    })
    expect(anonymous.status).toBe(401)
    const mine = await network.api<ListingAnswer[]>('GET', '/listings', undefined, first)
    expect(mine.body.map((l) => l.details.price_per_kwh)).toEqual([0.29])
    const theirs = await network.api<ListingAnswer[]>('GET', '/listings', undefined, second)
    expect(theirs.body).toEqual([])
  })

  it('signs an owner in again, and refuses a wrong password and bad input in words', async () => {
    await network.signUp('returning@example.org')
    const again = await network.api('POST', '/sessions', {
      email: 'Returning@example.org',
      password: 'correct horse battery',
    })
    expect(again.status).toBe(200)
    const wrong = await network.api('POST', '/sessions', {
      email: 'returning@example.org',
      password: 'wrong password!',
    })
    expect(wrong.status).toBe(401)
    const taken = await network.api('POST', '/members', {
      email: 'returning@example.org',
      password: 'another password',
    })
    expect(taken.status).toBe(409)
    const owner = await network.signUp('careless@example.org')
    const bad = await network.api<{ message: string }>(
      'POST',
      '/listings',
      { ...CHARGER, latitude: 123 },
      owner,
    )
    expect(bad.status).toBe(400)
    expect(bad.body.message).toMatch(/latitude/)
  })
})
