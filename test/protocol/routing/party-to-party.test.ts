import { setTimeout as pause } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aLocation } from '../../fixtures/locations.ts'
import { aTariff } from '../../fixtures/tariffs.ts'
import { aToken } from '../../fixtures/tokens.ts'
import { envelope, type FakePlatform, type RecordedRequest } from '../../support/fake-platform.ts'
import { connectParty, routeHeaders, type ConnectedParty } from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

/** Long enough for a wrongly queued or forwarded message to reach a fake platform on loopback. */
const QUIET_MS = 250
/**
 * The hub's outbound timeout in this file: small, so the 4002 test stays fast, yet not so small that the
 * hub's calls during registration time out on a busy machine (parties are connected one at a time).
 */
const OUTBOUND_TIMEOUT_MS = 1000

/** Requests a platform got on its functional module interfaces (the handshake's are left out). */
function moduleRequests(platform: FakePlatform): RecordedRequest[] {
  return platform.received.filter(
    (r) => r.path.startsWith('/2.3.0/receiver/') || r.path.startsWith('/2.3.0/sender/'),
  )
}

/** The one URL of a `Link: <url>; rel="next"` header. */
function nextUrl(link: string | null): URL {
  const match = /^<([^>]+)>; rel="next"$/.exec(link ?? '')
  if (!match?.[1]) throw new Error(`not a next link: ${link}`)
  return new URL(match[1])
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: party-to-party routing through the hub`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let otherCpo: ConnectedParty
    let emsp: ConnectedParty
    let otherEmsp: ConnectedParty
    let nsp: ConnectedParty
    let everyone: ConnectedParty[]

    beforeAll(async () => {
      hub = await startTestHub(engine, {
        DELIVERY_RETRY_BASE_MS: '50',
        DELIVERY_POLL_INTERVAL_MS: '50',
        OUTBOUND_TIMEOUT_MS: String(OUTBOUND_TIMEOUT_MS),
      })
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      otherCpo = await connectParty(hub, 'CPO', 'NL', 'CP2')
      emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1')
      otherEmsp = await connectParty(hub, 'EMSP', 'DE', 'EM2')
      nsp = await connectParty(hub, 'NSP', 'BE', 'NS1')
      everyone = [cpo, otherCpo, emsp, otherEmsp, nsp]
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all((everyone ?? []).map((p) => p.platform.close()))
    })

    /** The outbound queue: a party-to-party push or a refused one must put nothing in it. */
    const queuedNow = async () =>
      (await hub.admin<{ deliveries: unknown[] }>('GET', '/deliveries')).body.deliveries

    /** Module requests each party has received so far, to compare with after a push. */
    const countsNow = () => everyone.map((p) => moduleRequests(p.platform).length)

    it('[locations PUT TO=eMSP] reaches that eMSP only, with new X-Request-ID, same X-Correlation-ID, FROM unchanged, and its answer relayed exactly', async () => {
      const before = countsNow()
      const location = aLocation({ id: 'LOC-P2P' }, cpo.party)
      const answer = { status: 201, body: envelope({ seen_by: 'EM1' }, 1000, 'stored at EM1, thanks') }
      emsp.platform.answer('PUT', '/2.3.0/receiver/locations/NL/CP1/LOC-P2P', () => answer)

      const response = await cpo.call('/receiver/locations/NL/CP1/LOC-P2P', {
        method: 'PUT',
        body: location,
        headers: {
          ...routeHeaders(cpo.party, emsp.party),
          'x-request-id': 'p2p-request-1',
          'x-correlation-id': 'p2p-correlation-1',
        },
      })

      expect(response.status).toBe(201)
      expect(response.body).toEqual(answer.body)
      expect(response.headers.get('x-request-id')).toBe('p2p-request-1')
      expect(response.headers.get('x-correlation-id')).toBe('p2p-correlation-1')
      expect(response.headers.get('ocpi-from-country-code')).toBe('DE')
      expect(response.headers.get('ocpi-from-party-id')).toBe('EM1')
      expect(response.headers.get('ocpi-to-country-code')).toBe('NL')
      expect(response.headers.get('ocpi-to-party-id')).toBe('CP1')

      const forwarded = emsp.platform.requestsTo('PUT', '/2.3.0/receiver/locations/NL/CP1/LOC-P2P')
      expect(forwarded).toHaveLength(1)
      expect(forwarded[0]!.body).toEqual(location)
      expect(forwarded[0]!.token).toBe(emsp.platform.tokenFromHub)
      expect(forwarded[0]!.headers['x-request-id']).toBeTruthy()
      expect(forwarded[0]!.headers['x-request-id']).not.toBe('p2p-request-1')
      expect(forwarded[0]!.headers['x-correlation-id']).toBe('p2p-correlation-1')
      expect(forwarded[0]!.headers['ocpi-from-country-code']).toBe('NL')
      expect(forwarded[0]!.headers['ocpi-from-party-id']).toBe('CP1')
      expect(forwarded[0]!.headers['ocpi-to-country-code']).toBe('DE')
      expect(forwarded[0]!.headers['ocpi-to-party-id']).toBe('EM1')

      expect(await queuedNow()).toEqual([])
      await pause(QUIET_MS)
      const after = countsNow()
      expect(after).toEqual(before.map((count, i) => (everyone[i] === emsp ? count + 1 : count)))
      // Meant for EM1 alone: another eMSP does not find it through the hub either.
      const visible = await otherEmsp.call<{ data: { id: string }[] }>('/sender/locations')
      expect(visible.body.data.map((l) => l.id)).not.toContain('LOC-P2P')
    })

    it("[tariffs PUT TO=eMSP] relays the eMSP's refusal unchanged, HTTP status included, and nobody else gets the tariff", async () => {
      const before = countsNow()
      const tariff = aTariff({ id: 'TARIFF-P2P' }, cpo.party)
      const refusal = { status: 404, body: envelope(null, 2001, 'EM2 does not take tariffs for NL*CP1 yet') }
      otherEmsp.platform.answer('PUT', '/2.3.0/receiver/tariffs/NL/CP1/TARIFF-P2P', () => refusal)

      const response = await cpo.call('/receiver/tariffs/NL/CP1/TARIFF-P2P', {
        method: 'PUT',
        body: tariff,
        headers: { ...routeHeaders(cpo.party, otherEmsp.party), 'x-correlation-id': 'p2p-correlation-2' },
      })

      expect(response.status).toBe(404)
      expect(response.body).toEqual(refusal.body)
      expect(response.headers.get('ocpi-from-party-id')).toBe('EM2')
      const [forwarded] = otherEmsp.platform.requestsTo('PUT', '/2.3.0/receiver/tariffs/NL/CP1/TARIFF-P2P')
      expect(forwarded?.body).toEqual(tariff)
      expect(forwarded?.headers['x-correlation-id']).toBe('p2p-correlation-2')
      expect(forwarded?.headers['ocpi-from-party-id']).toBe('CP1')
      expect(forwarded?.headers['ocpi-to-party-id']).toBe('EM2')

      expect(await queuedNow()).toEqual([])
      await pause(QUIET_MS)
      expect(countsNow()).toEqual(before.map((count, i) => (everyone[i] === otherEmsp ? count + 1 : count)))
    })

    it('[tokens PUT TO=CPO] an eMSP token reaches that CPO only, with ?type= and FROM unchanged', async () => {
      const before = countsNow()
      const token = aToken({ uid: 'P2P-TOKEN-1', type: 'APP_USER' }, emsp.party)
      const response = await emsp.call('/receiver/tokens/DE/EM1/P2P-TOKEN-1?type=APP_USER', {
        method: 'PUT',
        body: token,
        headers: { ...routeHeaders(emsp.party, otherCpo.party), 'x-correlation-id': 'p2p-correlation-3' },
      })

      expect(response.status).toBe(200)
      expect(response.body.status_code).toBe(1000)
      expect(response.headers.get('ocpi-from-party-id')).toBe('CP2')
      expect(response.headers.get('ocpi-to-party-id')).toBe('EM1')
      const forwarded = otherCpo.platform.requestsTo('PUT', '/2.3.0/receiver/tokens/DE/EM1/P2P-TOKEN-1')
      expect(forwarded).toHaveLength(1)
      expect(forwarded[0]!.query).toBe('?type=APP_USER')
      expect(forwarded[0]!.body).toEqual(token)
      expect(forwarded[0]!.headers['x-correlation-id']).toBe('p2p-correlation-3')
      expect(forwarded[0]!.headers['ocpi-from-country-code']).toBe('DE')
      expect(forwarded[0]!.headers['ocpi-from-party-id']).toBe('EM1')
      expect(forwarded[0]!.headers['ocpi-to-country-code']).toBe('NL')
      expect(forwarded[0]!.headers['ocpi-to-party-id']).toBe('CP2')

      expect(await queuedNow()).toEqual([])
      await pause(QUIET_MS)
      expect(countsNow()).toEqual(before.map((count, i) => (everyone[i] === otherCpo ? count + 1 : count)))
    })

    it('[TO unknown] a party nobody knows is 4001 and nothing goes anywhere', async () => {
      const before = countsNow()
      const response = await cpo.call('/receiver/locations/NL/CP1/LOC-NOBODY', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-NOBODY' }, cpo.party),
        headers: routeHeaders(cpo.party, { country_code: 'FR', party_id: 'XYZ' }),
      })
      expect(response.status).toBe(200)
      expect(response.body.status_code).toBe(4001)
      expect(await queuedNow()).toEqual([])
      await pause(QUIET_MS)
      expect(countsNow()).toEqual(before)
    })

    it('[TO unregistered] a party whose platform was unregistered by the operator is 4003', async () => {
      const gone = await connectParty(hub, 'EMSP', 'DE', 'EM9')
      try {
        const removal = await hub.admin('DELETE', `/platforms/${gone.platformId}`)
        expect(removal.status).toBe(200)
        const before = countsNow()

        const response = await cpo.call('/receiver/locations/NL/CP1/LOC-GONE', {
          method: 'PUT',
          body: aLocation({ id: 'LOC-GONE' }, cpo.party),
          headers: routeHeaders(cpo.party, gone.party),
        })
        expect(response.status).toBe(200)
        expect(response.body.status_code).toBe(4003)
        expect(await queuedNow()).toEqual([])
        await pause(QUIET_MS)
        expect(moduleRequests(gone.platform)).toEqual([])
        expect(countsNow()).toEqual(before)
      } finally {
        await gone.platform.close()
      }
    })

    it('[TO invited only] a party invited but not registered yet is 4003', async () => {
      const invitation = await hub.admin('POST', '/invitations', {
        name: 'EMSP DEEM8',
        roles: [{ role: 'EMSP', country_code: 'DE', party_id: 'EM8' }],
      })
      expect(invitation.status).toBe(201)
      const before = countsNow()

      const response = await cpo.call('/receiver/tariffs/NL/CP1/TARIFF-EARLY', {
        method: 'PUT',
        body: aTariff({ id: 'TARIFF-EARLY' }, cpo.party),
        headers: routeHeaders(cpo.party, { country_code: 'DE', party_id: 'EM8' }),
      })
      expect(response.status).toBe(200)
      expect(response.body.status_code).toBe(4003)
      expect(await queuedNow()).toEqual([])
      await pause(QUIET_MS)
      expect(countsNow()).toEqual(before)
    })

    it('[TO hangs] a party that does not answer in time is 4002, soon after the outbound timeout', async () => {
      const slow = await connectParty(hub, 'EMSP', 'DE', 'EM7')
      try {
        slow.platform.hang('PUT', '/2.3.0/receiver/locations/NL/CP1/LOC-SLOW')
        const started = Date.now()
        const response = await cpo.call('/receiver/locations/NL/CP1/LOC-SLOW', {
          method: 'PUT',
          body: aLocation({ id: 'LOC-SLOW' }, cpo.party),
          headers: routeHeaders(cpo.party, slow.party),
        })
        const took = Date.now() - started
        expect(response.status).toBe(200)
        expect(response.body.status_code).toBe(4002)
        expect(took).toBeGreaterThanOrEqual(OUTBOUND_TIMEOUT_MS - 50)
        expect(took).toBeLessThan(OUTBOUND_TIMEOUT_MS + 5000)
        expect(slow.platform.requestsTo('PUT', '/2.3.0/receiver/locations/NL/CP1/LOC-SLOW')).toHaveLength(1)
      } finally {
        await slow.platform.close()
      }
    })

    it('[TO down] a party whose server drops the connection is 4003', async () => {
      const away = await connectParty(hub, 'EMSP', 'DE', 'EM6')
      try {
        away.platform.setDown(true)
        const response = await cpo.call('/receiver/tariffs/NL/CP1/TARIFF-AWAY', {
          method: 'PUT',
          body: aTariff({ id: 'TARIFF-AWAY' }, cpo.party),
          headers: routeHeaders(cpo.party, away.party),
        })
        expect(response.status).toBe(200)
        expect(response.body.status_code).toBe(4003)
        expect(await queuedNow()).toEqual([])
      } finally {
        await away.platform.close()
      }
    })

    it("[locations GET TO=CPO] is forwarded to the CPO's SENDER with the query; X-Total-Count/X-Limit relayed and Link rewritten to a hub URL that works without routing headers", async () => {
      const pages = [
        [aLocation({ id: 'CPO-LOC-1' }, cpo.party), aLocation({ id: 'CPO-LOC-2' }, cpo.party)],
        [aLocation({ id: 'CPO-LOC-3' }, cpo.party)],
      ]
      cpo.platform.answer('GET', '/2.3.0/sender/locations', (request) => {
        const query = new URLSearchParams(request.query)
        const offset = Number(query.get('offset') ?? '0')
        const headers: Record<string, string> = { 'x-total-count': '3', 'x-limit': '2' }
        if (offset === 0) {
          const next = new URLSearchParams({
            date_from: query.get('date_from') ?? '',
            offset: '2',
            limit: '2',
          })
          headers['link'] = `<${cpo.platform.url}/2.3.0/sender/locations?${next.toString()}>; rel="next"`
        }
        return { status: 200, body: envelope(offset === 0 ? pages[0] : pages[1]), headers }
      })
      const before = cpo.platform.requestsTo('GET', '/2.3.0/sender/locations').length

      const first = await emsp.call<{ data: { id: string }[]; status_code: number }>(
        '/sender/locations?date_from=2026-01-01T00:00:00Z&limit=2',
        { headers: { ...routeHeaders(emsp.party, cpo.party), 'x-correlation-id': 'p2p-get-1' } },
      )

      expect(first.status).toBe(200)
      expect(first.body.status_code).toBe(1000)
      expect(first.body.data.map((l) => l.id)).toEqual(['CPO-LOC-1', 'CPO-LOC-2'])
      expect(first.headers.get('x-total-count')).toBe('3')
      expect(first.headers.get('x-limit')).toBe('2')
      expect(first.headers.get('ocpi-from-party-id')).toBe('CP1')
      expect(first.headers.get('ocpi-to-party-id')).toBe('EM1')
      const reached = cpo.platform.requestsTo('GET', '/2.3.0/sender/locations').slice(before)
      expect(reached).toHaveLength(1)
      const forwardedQuery = new URLSearchParams(reached[0]!.query)
      expect(Object.fromEntries(forwardedQuery)).toEqual({ date_from: '2026-01-01T00:00:00Z', limit: '2' })
      expect(reached[0]!.headers['x-correlation-id']).toBe('p2p-get-1')
      expect(reached[0]!.headers['ocpi-from-party-id']).toBe('EM1')
      expect(reached[0]!.headers['ocpi-to-party-id']).toBe('CP1')

      const link = nextUrl(first.headers.get('link'))
      expect(`${link.origin}${link.pathname}`).toBe(`${hub.url}/ocpi/2.3.0/sender/locations`)
      expect(Object.fromEntries(link.searchParams)).toEqual({
        date_from: '2026-01-01T00:00:00Z',
        offset: '2',
        limit: '2',
        route_to: 'NL-CP1',
      })

      const second = await emsp.call<{ data: { id: string }[] }>(
        `${link.pathname.replace('/ocpi/2.3.0', '')}${link.search}`,
      )
      expect(second.status).toBe(200)
      expect(second.body.data.map((l) => l.id)).toEqual(['CPO-LOC-3'])
      expect(second.headers.get('link')).toBeNull()
      const followed = cpo.platform.requestsTo('GET', '/2.3.0/sender/locations').slice(before + 1)
      expect(followed).toHaveLength(1)
      expect(Object.fromEntries(new URLSearchParams(followed[0]!.query))).toEqual({
        date_from: '2026-01-01T00:00:00Z',
        offset: '2',
        limit: '2',
      })
      expect(followed[0]!.headers['ocpi-to-party-id']).toBe('CP1')
      expect(otherCpo.platform.requestsUnder('/2.3.0/sender/locations')).toEqual([])
    })

    it('[locations GET object TO=CPO] is forwarded to that CPO and its answer relayed', async () => {
      const evse = aLocation({}, cpo.party).evses![0]!
      cpo.platform.answer('GET', '/2.3.0/sender/locations/CPO-LOC-9/EVSE-A', () => ({
        status: 200,
        body: envelope(evse),
      }))
      const response = await emsp.call('/sender/locations/CPO-LOC-9/EVSE-A', {
        headers: routeHeaders(emsp.party, cpo.party),
      })
      expect(response.status).toBe(200)
      expect(response.body.data).toEqual(evse)
      expect(cpo.platform.requestsTo('GET', '/2.3.0/sender/locations/CPO-LOC-9/EVSE-A')).toHaveLength(1)
    })
  })
}
