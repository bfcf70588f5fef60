import { Value } from '@sinclair/typebox/value'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Location } from '../../src/modules/locations/locations.schema.ts'
import { Tariff } from '../../src/modules/tariffs/tariffs.schema.ts'
import { QUIET_MS, eventually } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { CHARGER, startHubAndMarketplace, type HubAndMarketplace, type ListingAnswer } from './support.ts'

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('a small driveway photo'),
])

/** Sends raw bytes as a photo of listing `id`. */
async function upload(
  network: HubAndMarketplace,
  id: string,
  contentType: string,
  bytes: Buffer,
  cookie: string,
) {
  const response = await fetch(`${network.marketplaceUrl}/api/listings/${id}/photos`, {
    method: 'POST',
    headers: { 'content-type': contentType, cookie },
    body: bytes,
  })
  return { status: response.status, body: (await response.json()) as Record<string, string> }
}

describe.each(STORE_VARIANTS)('listing details of home chargers (%s)', (engine) => {
  let network: HubAndMarketplace

  beforeAll(async () => {
    network = await startHubAndMarketplace(engine, { env: { MARKETPLACE_PHOTO_MAX_BYTES: '1000' } })
  })

  afterAll(async () => {
    await network?.close()
  })

  it('turns every kind of price into one Tariff and the access instructions into directions', async () => {
    const owner = await network.signUp('prices@example.org')
    const created = await network.api<ListingAnswer>(
      'POST',
      '/listings',
      {
        ...CHARGER,
        price_per_kwh: 0.25,
        price_per_hour: 1.2,
        price_per_session: 0.5,
        idle_fee_per_hour: 3,
        max_price_per_session: 20,
        access_instructions: [{ language: 'en', text: 'Through the gate, charger left of the garage' }],
        publish: false,
      },
      owner,
    )
    expect(created.status, created.text).toBe(201)
    expect(created.body.hub).toBe('delivered')
    const id = created.body.id
    const [tariffPut] = await network.emsp.platform.waitForRequests(`/2.3.0/receiver/tariffs/NL/SHR/${id}`, 1)
    expect(Value.Errors(Tariff, tariffPut!.body).First()).toBeUndefined()
    expect(tariffPut!.body).toMatchObject({
      elements: [
        {
          price_components: [
            { type: 'ENERGY', price: 0.25, step_size: 1 },
            { type: 'TIME', price: 1.2, step_size: 60 },
            { type: 'FLAT', price: 0.5, step_size: 1 },
            { type: 'PARKING_TIME', price: 3, step_size: 60 },
          ],
        },
      ],
      max_price: { before_taxes: 20 },
      tax_included: 'N/A',
    })
    const [locationPut] = await network.emsp.platform.waitForRequests(
      `/2.3.0/receiver/locations/NL/SHR/${id}`,
      1,
    )
    expect(Value.Errors(Location, locationPut!.body).First()).toBeUndefined()
    expect(locationPut!.body).toMatchObject({
      publish: false,
      directions: [{ language: 'en', text: 'Through the gate, charger left of the garage' }],
    })
  })

  it('refuses prices that do not make sense together, naming the field, and sends nothing', async () => {
    const owner = await network.signUp('odd.prices@example.org')
    const before = network.emsp.inbox('tariffs').length
    const flatCap = await network.api<{ message: string }>(
      'POST',
      '/listings',
      { ...CHARGER, price_per_kwh: 0, price_per_session: 2, max_price_per_session: 5 },
      owner,
    )
    expect(flatCap.status).toBe(400)
    expect(flatCap.body.message).toMatch(/max_price_per_session/)
    const undercut = await network.api<{ message: string }>(
      'POST',
      '/listings',
      { ...CHARGER, price_per_session: 5, max_price_per_session: 2 },
      owner,
    )
    expect(undercut.status).toBe(400)
    expect(undercut.body.message).toMatch(/below price_per_session/)
    const decimals = await network.api<{ message: string }>(
      'POST',
      '/listings',
      { ...CHARGER, price_per_hour: 1.23456 },
      owner,
    )
    expect(decimals.status).toBe(400)
    expect(decimals.body.message).toMatch(/price_per_hour/)
    const negative = await network.api<{ message: string }>(
      'POST',
      '/listings',
      { ...CHARGER, idle_fee_per_hour: -1 },
      owner,
    )
    expect(negative.status).toBe(400)
    expect(negative.body.message).toMatch(/idle_fee_per_hour/)
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS))
    expect(network.emsp.inbox('tariffs').length).toBe(before)
    const mine = await network.api<ListingAnswer[]>('GET', '/listings', undefined, owner)
    expect(mine.body).toEqual([])
  })

  it('keeps photos within the limits, serves them, and shows them in the Location', async () => {
    const owner = await network.signUp('photos@example.org')
    const created = await network.api<ListingAnswer>('POST', '/listings', CHARGER, owner)
    const id = created.body.id
    const added = await upload(network, id, 'image/png', PNG, owner)
    expect(added.status, JSON.stringify(added.body)).toBe(201)
    expect(added.body['hub']).toBe('delivered')
    const photoUrl = added.body['url']!
    await eventually(() =>
      expect(network.emsp.inbox('locations').at(-1)?.body).toMatchObject({
        id,
        images: [{ url: photoUrl, category: 'LOCATION', type: 'png' }],
      }),
    )
    const served = await fetch(photoUrl)
    expect(served.headers.get('content-type')).toBe('image/png')
    expect(Buffer.from(await served.arrayBuffer())).toEqual(PNG)

    expect((await upload(network, id, 'text/plain', Buffer.from('hello'), owner)).status).toBe(415)
    const disguised = await upload(network, id, 'image/jpeg', PNG, owner)
    expect(disguised.status).toBe(415)
    expect(disguised.body['message']).toMatch(/not a jpeg/)
    expect(
      (await upload(network, id, 'image/png', Buffer.concat([PNG, Buffer.alloc(1000)]), owner)).status,
    ).toBe(413)
    const stranger = await network.signUp('photo.stranger@example.org')
    expect((await upload(network, id, 'image/png', PNG, stranger)).status).toBe(404)
    const strangersView = await network.api('GET', `/listings/${id}/photos`, undefined, stranger)
    expect(strangersView.status).toBe(404)
    const listed = await network.api<{ id: string }[]>('GET', `/listings/${id}/photos`, undefined, owner)
    expect(listed.body.map((photo) => photo.id)).toEqual([added.body['id']])

    const strangerRemoves = await network.api(
      'DELETE',
      `/listings/${id}/photos/${added.body['id']}`,
      undefined,
      stranger,
    )
    expect(strangerRemoves.status).toBe(404)
    const removed = await network.api(
      'DELETE',
      `/listings/${id}/photos/${added.body['id']}`,
      undefined,
      owner,
    )
    expect(removed.status).toBe(204)
    await eventually(() => expect(network.emsp.inbox('locations').at(-1)?.body).not.toHaveProperty('images'))
    expect((await fetch(photoUrl)).status).toBe(404)
  })
})
