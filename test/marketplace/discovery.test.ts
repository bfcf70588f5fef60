import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FoundLocation } from '../../marketplace/src/discovery/discovery.schema.ts'
import { aLocation, anEvse } from '../fixtures/locations.ts'
import { aTariff } from '../fixtures/tariffs.ts'
import { connectParty, eventually, type ConnectedParty } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { CHARGER, startHubAndMarketplace, type HubAndMarketplace, type ListingAnswer } from './support.ts'

const UTRECHT = { lat: 52.0907, lon: 5.1214 }
const AROUND_UTRECHT = 'min_lat=52&min_lon=5&max_lat=52.2&max_lon=5.3'

describe.each(STORE_VARIANTS)('discovery of chargers across the network (%s)', (engine) => {
  let running: HubAndMarketplace
  let cpo: ConnectedParty

  async function search(query: string) {
    return running.api<FoundLocation[]>('GET', `/discovery/locations?${query}`)
  }
  const ids = (found: FoundLocation[]) => found.map((location) => location.id)

  beforeAll(async () => {
    running = await startHubAndMarketplace(engine)
    cpo = await connectParty(running.hub, 'CPO', 'DE', 'DSC')
    const pushes = [
      ['/receiver/tariffs/DE/DSC/AC-STANDARD', aTariff({ id: 'AC-STANDARD' }, cpo.party)],
      ['/receiver/locations/DE/DSC/LOC-U', aLocation({ id: 'LOC-U' }, cpo.party)],
      [
        '/receiver/locations/DE/DSC/LOC-B',
        aLocation(
          {
            id: 'LOC-B',
            city: 'Berlin',
            coordinates: { latitude: '52.520008', longitude: '13.404954' },
            evses: [anEvse('EVSE-A', {}, cpo.party)],
          },
          cpo.party,
        ),
      ],
    ] as const
    for (const [path, body] of pushes) {
      const answer = await cpo.call(path, { method: 'PUT', body })
      expect(answer.body.status_code, answer.text).toBe(1000)
    }
    await eventually(async () => expect(ids((await search(AROUND_UTRECHT)).body)).toEqual(['LOC-U']))
    await eventually(async () => expect((await search(AROUND_UTRECHT)).body[0]?.typical_charge).toBeDefined())
  })

  afterAll(async () => {
    await cpo?.platform.close()
    await running?.close()
  })

  it('finds Locations by map bounds or by distance from a point, nearest first', async () => {
    const inBounds = await search(AROUND_UTRECHT)
    expect(inBounds.status, inBounds.text).toBe(200)
    expect(inBounds.body[0]).toMatchObject({
      country_code: 'DE',
      party_id: 'DSC',
      name: 'Fixture Square Charging',
      latitude: 52.090737,
      available_evses: 2,
      evses: [
        { uid: 'EVSE-A', status: 'AVAILABLE', connectors: [{ standard: 'IEC_62196_T2', max_power_kw: 22 }] },
        { uid: 'EVSE-B' },
      ],
    })
    const near = await search(`lat=${UTRECHT.lat}&lon=${UTRECHT.lon}&radius_km=10`)
    expect(ids(near.body)).toEqual(['LOC-U'])
    expect(near.body[0]!.distance_km).toBeLessThan(0.1)
    const far = await search(`lat=${UTRECHT.lat}&lon=${UTRECHT.lon}&radius_km=100`)
    expect(ids(far.body)).toEqual(['LOC-U'])
    const wide = await search('min_lat=50&min_lon=4&max_lat=54&max_lon=14')
    expect(ids(wide.body).sort()).toEqual(['LOC-B', 'LOC-U'])
  })

  it('filters by connector standard, power, availability and the price of a typical charge', async () => {
    const wide = 'min_lat=50&min_lon=4&max_lat=54&max_lon=14'
    expect(ids((await search(`${wide}&connector=CHADEMO`)).body)).toEqual(['LOC-U'])
    expect(ids((await search(`${wide}&connector=TESLA_S`)).body)).toEqual([])
    const fast = await search(`${wide}&min_power_kw=100`)
    expect(ids(fast.body)).toEqual(['LOC-U'])
    expect(fast.body[0]!.evses.map((evse) => evse.uid)).toEqual(['EVSE-B'])
    // 20 kWh at 22 kW on AC-STANDARD: 0.50 start + 20 × 0.39, plus 21 % VAT = 10.04.
    const [utrecht] = (await search(AROUND_UTRECHT)).body
    expect(utrecht!.typical_charge).toEqual({ energy_kwh: 20, currency: 'EUR', price: 10.04 })
    expect(ids((await search(`${AROUND_UTRECHT}&price_under=10.5`)).body)).toEqual(['LOC-U'])
    expect(ids((await search(`${AROUND_UTRECHT}&price_under=10`)).body)).toEqual([])

    const patched = await cpo.call('/receiver/locations/DE/DSC/LOC-U/EVSE-B', {
      method: 'PATCH',
      body: { status: 'CHARGING', last_updated: '2026-12-06T20:00:00Z' },
    })
    expect(patched.body.status_code, patched.text).toBe(1000)
    await eventually(async () =>
      expect(ids((await search(`${wide}&min_power_kw=100&available_now=true`)).body)).toEqual([]),
    )
    expect((await search(AROUND_UTRECHT)).body[0]!.available_evses).toBe(1)
  })

  it('refuses a search without an area, or with a wrong one, in words', async () => {
    const none = await running.api<{ message: string }>('GET', '/discovery/locations?connector=CHADEMO')
    expect(none.status).toBe(400)
    expect(none.body.message).toMatch(/min_lat.*radius_km/)
    const upsideDown = await running.api<{ message: string }>(
      'GET',
      '/discovery/locations?min_lat=53&min_lon=5&max_lat=52&max_lon=6',
    )
    expect(upsideDown.status).toBe(400)
    const tooFar = await running.api<{ message: string }>(
      'GET',
      '/discovery/locations?lat=52&lon=5&radius_km=5000',
    )
    expect(tooFar.status).toBe(400)
    expect(tooFar.body.message).toMatch(/radius_km/)
  })

  it('streams the EVSE status changes of the visible area as server-sent events', async () => {
    const response = await fetch(`${running.marketplaceUrl}/api/discovery/events?${AROUND_UTRECHT}`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/)
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    let received = ''
    // A change in Berlin first, outside the area, and once the catalogue has it one in Utrecht: the
    // stream's first event must be Utrecht's.
    const patch = (location: string, status: string) =>
      cpo.call(`/receiver/locations/DE/DSC/${location}/EVSE-A`, {
        method: 'PATCH',
        body: { status, last_updated: '2026-12-06T20:05:00Z' },
      })
    expect((await patch('LOC-B', 'OUTOFORDER')).body.status_code).toBe(1000)
    await eventually(async () =>
      expect(
        (await search('min_lat=52.4&min_lon=13&max_lat=52.6&max_lon=14')).body[0]?.evses[0]?.status,
      ).toBe('OUTOFORDER'),
    )
    expect((await patch('LOC-U', 'BLOCKED')).body.status_code).toBe(1000)
    while (!/event: evse_status\ndata: .*\n\n/.test(received)) {
      const { value, done } = await reader.read()
      if (done) break
      received += value
    }
    await reader.cancel()
    const [event] = received.split('\n\n').filter((block) => block.startsWith('event: evse_status'))
    expect(JSON.parse(event!.split('data: ')[1]!)).toEqual({
      country_code: 'DE',
      party_id: 'DSC',
      location_id: 'LOC-U',
      evse_uid: 'EVSE-A',
      status: 'BLOCKED',
      latitude: 52.090737,
      longitude: 5.12142,
    })
    const missing = await running.api<{ message: string }>('GET', '/discovery/events?min_lat=52')
    expect(missing.status).toBe(400)
  })

  it("finds the marketplace's own home chargers, with live status, price and rating", async () => {
    // In Groningen, away from the other tests' areas; the hub never sends the marketplace its own listings.
    const groningen = 'min_lat=53.1&min_lon=6.4&max_lat=53.3&max_lon=6.7'
    const owner = await running.signUp('groningen-owner@example.org')
    const created = await running.api<ListingAnswer>(
      'POST',
      '/listings',
      { ...CHARGER, city: 'Groningen', latitude: 53.2194, longitude: 6.5665 },
      owner,
    )
    expect(created.status, created.text).toBe(201)
    const found = await search(groningen)
    expect(found.status, found.text).toBe(200)
    expect(found.body).toMatchObject([
      {
        country_code: 'NL',
        party_id: 'SHR',
        id: created.body.id,
        city: 'Groningen',
        time_zone: CHARGER.time_zone,
        available_evses: 1,
        evses: [{ status: 'AVAILABLE', connectors: [{ standard: 'IEC_62196_T2', max_power_kw: 11 }] }],
        rating: { average: 0, count: 0 },
        // 20 kWh × 0.29, no VAT (owners are not VAT-registered).
        typical_charge: { energy_kwh: 20, currency: 'EUR', price: 5.8 },
      },
    ])
    // Unpublished, it leaves discovery as any CPO's Location would.
    const hidden = await running.api(
      'PUT',
      `/listings/${created.body.id}`,
      { ...CHARGER, city: 'Groningen', latitude: 53.2194, longitude: 6.5665, publish: false },
      owner,
    )
    expect(hidden.status, hidden.text).toBe(200)
    expect((await search(groningen)).body).toEqual([])
  })
})
