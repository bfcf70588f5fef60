import { setTimeout as pause } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Session } from '../../../src/modules/sessions/sessions.schema.ts'
import { aSession } from '../../fixtures/sessions.ts'
import { envelope, type FakePlatform, type RecordedRequest } from '../../support/fake-platform.ts'
import {
  connectParty,
  HUB_PARTY,
  routeHeaders,
  type ConnectedParty,
  trafficCounter,
} from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

/** Small, so the 4002 test stays fast; large enough for registration on a busy machine. */
const OUTBOUND_TIMEOUT_MS = 1000

/**
 * Requests a platform got on its functional module interfaces. Left out: the handshake's, and the hub's
 * own ClientInfo pushes, which follow every registration at their own pace.
 */
function moduleRequests(platform: FakePlatform): RecordedRequest[] {
  return platform.received.filter(
    (r) =>
      (r.path.startsWith('/2.3.0/receiver/') || r.path.startsWith('/2.3.0/sender/')) &&
      !r.path.includes('/hubclientinfo'),
  )
}

function nextUrl(link: string | null): URL {
  const match = /^<([^>]+)>; rel="next"$/.exec(link ?? '')
  if (!match?.[1]) throw new Error(`not a next link: ${link}`)
  return new URL(match[1])
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: Sessions through the hub`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let otherCpo: ConnectedParty
    let emsp: ConnectedParty
    let otherEmsp: ConnectedParty
    let everyone: ConnectedParty[]

    beforeAll(async () => {
      hub = await startTestHub(engine, { OUTBOUND_TIMEOUT_MS: String(OUTBOUND_TIMEOUT_MS) })
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      otherCpo = await connectParty(hub, 'CPO', 'NL', 'CP2')
      emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1')
      otherEmsp = await connectParty(hub, 'EMSP', 'DE', 'EM2')
      everyone = [cpo, otherCpo, emsp, otherEmsp]
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all((everyone ?? []).map((p) => p.platform.close()))
    })

    const { now: countsNow, expectOnly } = trafficCounter(
      () => everyone,
      (p) => moduleRequests(p.platform).length,
    )
    /** Session messages in the outbound queue: there must never be any (the hub's own ClientInfo pushes aside). */
    const queuedSessions = async () =>
      (await hub.admin<{ deliveries: { module: string }[] }>('GET', '/deliveries')).body.deliveries.filter(
        (d) => d.module === 'sessions',
      )

    it('[PUT TO=eMSP] reaches that eMSP only, unchanged, with FROM/TO and X-Correlation-ID kept, and its answer is relayed', async () => {
      const before = countsNow()
      const session = aSession({ id: 'SES-TO-1' }, cpo.party, emsp.party)
      const answer = { status: 201, body: envelope(null, 1000, 'session stored at EM1') }
      emsp.platform.answer('PUT', '/2.3.0/receiver/sessions/NL/CP1/SES-TO-1', () => answer)

      const response = await cpo.call('/receiver/sessions/NL/CP1/SES-TO-1', {
        method: 'PUT',
        body: session,
        headers: {
          ...routeHeaders(cpo.party, emsp.party),
          'x-request-id': 'ses-req-1',
          'x-correlation-id': 'ses-corr-1',
        },
      })

      expect(response.status).toBe(201)
      expect(response.body).toEqual(answer.body)
      expect(response.headers.get('x-request-id')).toBe('ses-req-1')
      expect(response.headers.get('x-correlation-id')).toBe('ses-corr-1')
      expect(response.headers.get('ocpi-from-country-code')).toBe('DE')
      expect(response.headers.get('ocpi-from-party-id')).toBe('EM1')
      expect(response.headers.get('ocpi-to-country-code')).toBe('NL')
      expect(response.headers.get('ocpi-to-party-id')).toBe('CP1')

      const [forwarded, ...more] = emsp.platform.requestsTo('PUT', '/2.3.0/receiver/sessions/NL/CP1/SES-TO-1')
      expect(more).toEqual([])
      expect(forwarded!.body).toEqual(session)
      expect(forwarded!.token).toBe(emsp.platform.tokenFromHub)
      expect(forwarded!.headers['x-request-id']).not.toBe('ses-req-1')
      expect(forwarded!.headers['x-correlation-id']).toBe('ses-corr-1')
      expect(forwarded!.headers['ocpi-from-party-id']).toBe('CP1')
      expect(forwarded!.headers['ocpi-to-country-code']).toBe('DE')
      expect(forwarded!.headers['ocpi-to-party-id']).toBe('EM1')
      expect(await queuedSessions()).toEqual([])
      await expectOnly(before, emsp)
    })

    it('[open routing] PUT goes to the cdr_token eMSP; PATCH and GET without TO follow it; PUT and PATCH bodies pass unchanged', async () => {
      const before = countsNow()
      const path = '/2.3.0/receiver/sessions/NL/CP1/SES-OPEN-1'
      // A PUT replaces the periods: an empty list must arrive as an empty list, not be dropped or merged.
      const put = aSession(
        { id: 'SES-OPEN-1', charging_periods: [], status: 'PENDING' },
        cpo.party,
        otherEmsp.party,
      )
      const putResponse = await cpo.call('/receiver/sessions/NL/CP1/SES-OPEN-1', {
        method: 'PUT',
        body: put,
        headers: { 'x-correlation-id': 'ses-open-corr' },
      })
      expect(putResponse.status).toBe(200)
      expect(putResponse.body.status_code).toBe(1000)
      expect(putResponse.headers.get('ocpi-from-party-id')).toBe('EM2')
      expect(putResponse.headers.get('ocpi-to-party-id')).toBe('CP1')
      const [putForwarded] = otherEmsp.platform.requestsTo('PUT', path)
      expect(putForwarded!.body).toEqual(put)
      expect(putForwarded!.headers['ocpi-from-party-id']).toBe('CP1')
      expect(putForwarded!.headers['ocpi-to-party-id']).toBe('EM2')

      // PATCHes append periods at the eMSP: the hub passes each one as it is, without merging.
      const patches = [
        {
          status: 'ACTIVE',
          kwh: 2,
          charging_periods: [
            { start_date_time: '2026-03-02T10:00:00Z', dimensions: [{ type: 'ENERGY', volume: 2 }] },
          ],
          last_updated: '2026-03-02T10:10:00Z',
        },
        {
          kwh: 5,
          charging_periods: [
            { start_date_time: '2026-03-02T10:10:00Z', dimensions: [{ type: 'ENERGY', volume: 3 }] },
          ],
          last_updated: '2026-03-02T10:20:00Z',
        },
      ]
      for (const patch of patches) {
        const response = await cpo.call('/receiver/sessions/NL/CP1/SES-OPEN-1', {
          method: 'PATCH',
          body: patch,
        })
        expect(response.status).toBe(200)
        expect(response.body.status_code).toBe(1000)
        expect(response.headers.get('ocpi-from-party-id')).toBe('EM2')
      }
      expect(otherEmsp.platform.requestsTo('PATCH', path).map((r) => r.body)).toEqual(patches)
      expect(otherEmsp.platform.requestsTo('PATCH', path)[0]!.headers['ocpi-to-party-id']).toBe('EM2')

      const copy = { ...put, status: 'ACTIVE', kwh: 5 }
      otherEmsp.platform.answer('GET', path, () => ({ status: 200, body: envelope(copy) }))
      const read = await cpo.call<{ data: Session; status_code: number }>(
        '/receiver/sessions/NL/CP1/SES-OPEN-1',
      )
      expect(read.status).toBe(200)
      expect(read.body.data).toEqual(copy)
      expect(read.headers.get('ocpi-from-party-id')).toBe('EM2')
      expect(otherEmsp.platform.requestsTo('GET', path)[0]!.headers['ocpi-from-party-id']).toBe('CP1')
      await expectOnly(before, otherEmsp, 4)
    })

    it('[PATCH open routing] without a known PUT, the cdr_token in the PATCH names the eMSP', async () => {
      const before = countsNow()
      const patch = {
        cdr_token: aSession({}, cpo.party, emsp.party).cdr_token,
        kwh: 1,
        last_updated: '2026-03-02T11:00:00Z',
      }
      const response = await cpo.call('/receiver/sessions/NL/CP1/SES-PATCH-ONLY', {
        method: 'PATCH',
        body: patch,
      })
      expect(response.body.status_code).toBe(1000)
      expect(
        emsp.platform
          .requestsTo('PATCH', '/2.3.0/receiver/sessions/NL/CP1/SES-PATCH-ONLY')
          .map((r) => r.body),
      ).toEqual([patch])
      await expectOnly(before, emsp)
    })

    it('[PATCH, GET open routing] with no TO, no cdr_token and no PUT seen: 2001 saying what is missing, nothing sent', async () => {
      const before = countsNow()
      const patch = await cpo.call('/receiver/sessions/NL/CP1/SES-UNKNOWN', {
        method: 'PATCH',
        body: { kwh: 1, last_updated: '2026-03-02T11:00:00Z' },
      })
      expect(patch.status).toBe(200)
      expect(patch.body.status_code).toBe(2001)
      expect(patch.body.status_message).toMatch(/OCPI-to-\*.*cdr_token.*PUT/)
      const get = await cpo.call('/receiver/sessions/NL/CP1/SES-UNKNOWN')
      expect(get.body.status_code).toBe(2001)
      expect(get.body.status_message).toMatch(/OCPI-to-\*/)
      await expectOnly(before, undefined)
    })

    it('[sender list] routed to the CPO in TO with the query, X-Total-Count/X-Limit relayed and Link rewritten to the hub', async () => {
      const before = countsNow()
      const sessions = [
        aSession({ id: 'L1' }, cpo.party, emsp.party),
        aSession({ id: 'L2' }, cpo.party, emsp.party),
      ]
      cpo.platform.answer('GET', '/2.3.0/sender/sessions', (request) => {
        const offset = new URLSearchParams(request.query).get('offset') ?? '0'
        return {
          status: 200,
          body: envelope(offset === '0' ? sessions : []),
          headers: {
            'x-total-count': '2',
            'x-limit': '2',
            ...(offset === '0'
              ? {
                  link: `<${cpo.platform.url}/2.3.0/sender/sessions?date_from=2026-03-01T00%3A00%3A00Z&offset=2&limit=2>; rel="next"`,
                }
              : {}),
          },
        }
      })

      const first = await emsp.call<{ data: Session[]; status_code: number }>(
        '/sender/sessions?date_from=2026-03-01T00:00:00Z&limit=2',
        { headers: { ...routeHeaders(emsp.party, cpo.party), 'x-correlation-id': 'ses-list-corr' } },
      )
      expect(first.status).toBe(200)
      expect(first.body.data).toEqual(sessions)
      expect(first.headers.get('x-total-count')).toBe('2')
      expect(first.headers.get('x-limit')).toBe('2')
      expect(first.headers.get('ocpi-from-party-id')).toBe('CP1')
      expect(first.headers.get('ocpi-to-party-id')).toBe('EM1')
      const next = nextUrl(first.headers.get('link'))
      expect(`${next.origin}${next.pathname}`).toBe(`${hub.url}/ocpi/2.3.0/sender/sessions`)
      expect(Object.fromEntries(next.searchParams)).toEqual({
        date_from: '2026-03-01T00:00:00Z',
        offset: '2',
        limit: '2',
        route_to: 'NL-CP1',
      })
      const [listed] = cpo.platform.requestsTo('GET', '/2.3.0/sender/sessions')
      expect(Object.fromEntries(new URLSearchParams(listed!.query))).toEqual({
        date_from: '2026-03-01T00:00:00Z',
        limit: '2',
      })
      expect(listed!.headers['x-correlation-id']).toBe('ses-list-corr')
      expect(listed!.headers['ocpi-from-party-id']).toBe('EM1')

      // Following the hub's Link, without routing headers, reaches the same CPO.
      const second = await emsp.call<{ data: Session[] }>(
        `${next.pathname.replace('/ocpi/2.3.0', '')}${next.search}`,
      )
      expect(second.status).toBe(200)
      expect(second.body.data).toEqual([])
      expect(second.headers.get('link')).toBeNull()
      const followed = cpo.platform.requestsTo('GET', '/2.3.0/sender/sessions')[1]
      expect(new URLSearchParams(followed!.query).get('offset')).toBe('2')
      expect(new URLSearchParams(followed!.query).has('route_to')).toBe(false)
      await expectOnly(before, cpo, 2)
    })

    it('[sender list] without date_from, without TO, or with TO = the hub: 2001 and nothing forwarded', async () => {
      const before = countsNow()
      const noDate = await emsp.call('/sender/sessions', { headers: routeHeaders(emsp.party, cpo.party) })
      expect(noDate.status).toBe(200)
      expect(noDate.body.status_code).toBe(2001)
      expect(noDate.body.status_message).toContain('date_from')
      const badDate = await emsp.call('/sender/sessions?date_from=yesterday', {
        headers: routeHeaders(emsp.party, cpo.party),
      })
      expect(badDate.body.status_code).toBe(2001)
      const noTo = await emsp.call('/sender/sessions?date_from=2026-03-01T00:00:00Z')
      expect(noTo.body.status_code).toBe(2001)
      expect(noTo.body.status_message).toContain('OCPI-to-*')
      const toHub = await emsp.call('/sender/sessions?date_from=2026-03-01T00:00:00Z', {
        headers: routeHeaders(emsp.party, HUB_PARTY),
      })
      expect(toHub.body.status_code).toBe(2001)
      await expectOnly(before, undefined)
    })

    it("[charging_preferences] the session's eMSP reaches its CPO without TO; the answer (also HTTP 404 + 2001) is relayed", async () => {
      await cpo.call('/receiver/sessions/NL/CP1/SES-PREF', {
        method: 'PUT',
        body: aSession({ id: 'SES-PREF' }, cpo.party, emsp.party),
      })
      const before = countsNow()
      const path = '/2.3.0/sender/sessions/SES-PREF/charging_preferences'
      const preferences = { profile_type: 'FAST', departure_time: '2026-03-02T18:00:00Z', energy_need: 30 }
      cpo.platform.answer('PUT', path, () => ({ status: 200, body: envelope('ACCEPTED') }))

      const accepted = await emsp.call('/sender/sessions/SES-PREF/charging_preferences', {
        method: 'PUT',
        body: preferences,
        headers: { 'x-correlation-id': 'pref-corr' },
      })
      expect(accepted.status).toBe(200)
      expect(accepted.body.data).toBe('ACCEPTED')
      expect(accepted.headers.get('ocpi-from-party-id')).toBe('CP1')
      expect(accepted.headers.get('ocpi-to-party-id')).toBe('EM1')
      const [forwarded] = cpo.platform.requestsTo('PUT', path)
      expect(forwarded!.body).toEqual(preferences)
      expect(forwarded!.headers['ocpi-from-party-id']).toBe('EM1')
      expect(forwarded!.headers['ocpi-to-party-id']).toBe('CP1')
      expect(forwarded!.headers['x-correlation-id']).toBe('pref-corr')

      const notCapable = {
        status: 404,
        body: envelope(null, 2001, 'EVSE is not CHARGING_PREFERENCES_CAPABLE'),
      }
      cpo.platform.answer('PUT', path, () => notCapable)
      const refused = await emsp.call('/sender/sessions/SES-PREF/charging_preferences', {
        method: 'PUT',
        body: preferences,
        headers: routeHeaders(emsp.party, cpo.party),
      })
      expect(refused.status).toBe(404)
      expect(refused.body).toEqual(notCapable.body)
      await expectOnly(before, cpo, 2)
    })

    it('[charging_preferences] a party the session was not sent to cannot reach its CPO by open routing; a bad body is 2001', async () => {
      const before = countsNow()
      const stranger = await otherEmsp.call('/sender/sessions/SES-PREF/charging_preferences', {
        method: 'PUT',
        body: { profile_type: 'CHEAP' },
      })
      expect(stranger.status).toBe(200)
      expect(stranger.body.status_code).toBe(2001)
      const badBody = await emsp.call('/sender/sessions/SES-PREF/charging_preferences', {
        method: 'PUT',
        body: { profile_type: 'TURBO' },
      })
      expect(badBody.body.status_code).toBe(2001)
      expect(badBody.body.status_message).toContain('profile_type')
      await expectOnly(before, undefined)
    })

    it('[bad input] PATCH without last_updated, mismatching ids, pushes under another party id: clear 2001, nothing sent', async () => {
      const before = countsNow()
      const headers = routeHeaders(cpo.party, emsp.party)
      const noLastUpdated = await cpo.call('/receiver/sessions/NL/CP1/SES-TO-1', {
        method: 'PATCH',
        body: { kwh: 3 },
        headers,
      })
      expect(noLastUpdated.status).toBe(200)
      expect(noLastUpdated.body.status_code).toBe(2001)
      expect(noLastUpdated.body.status_message).toBe('last_updated: is required')

      const idMismatch = await cpo.call('/receiver/sessions/NL/CP1/SES-OTHER', {
        method: 'PUT',
        body: aSession({ id: 'SES-TO-1' }, cpo.party, emsp.party),
        headers,
      })
      expect(idMismatch.body.status_code).toBe(2001)
      expect(idMismatch.body.status_message).toContain('id in the body')

      // Under its own URL, but the body is another CPO's session.
      const bodyOfOther = await cpo.call('/receiver/sessions/NL/CP1/SES-X', {
        method: 'PUT',
        body: aSession({ id: 'SES-X' }, otherCpo.party, emsp.party),
        headers,
      })
      expect(bodyOfOther.body.status_code).toBe(2001)

      // Under another CPO's id in the URL.
      const underOther = await cpo.call('/receiver/sessions/NL/CP2/SES-X', {
        method: 'PUT',
        body: aSession({ id: 'SES-X' }, otherCpo.party, emsp.party),
        headers,
      })
      expect(underOther.status).toBe(404)
      expect(underOther.body.status_code).toBe(2001)
      const patchUnderOther = await cpo.call('/receiver/sessions/NL/CP2/SES-X', {
        method: 'PATCH',
        body: { kwh: 2, last_updated: '2026-03-02T11:00:00Z' },
        headers,
      })
      expect(patchUnderOther.status).toBe(404)

      // An eMSP owns no sessions, not even under its own id.
      const byEmsp = await emsp.call('/receiver/sessions/DE/EM1/SES-X', {
        method: 'PUT',
        body: aSession({ id: 'SES-X', country_code: 'DE', party_id: 'EM1' }, cpo.party, otherEmsp.party),
        headers: routeHeaders(emsp.party, otherEmsp.party),
      })
      expect(byEmsp.status).toBe(404)
      expect(byEmsp.body.status_code).toBe(2001)
      // FROM must be one of the caller's own parties.
      const spoofed = await cpo.call('/receiver/sessions/NL/CP1/SES-X', {
        method: 'PUT',
        body: aSession({ id: 'SES-X' }, cpo.party, emsp.party),
        headers: routeHeaders(otherCpo.party, emsp.party),
      })
      expect(spoofed.body.status_code).toBe(2001)
      // A session goes to the driver's eMSP, never to another CPO.
      const toCpo = await cpo.call('/receiver/sessions/NL/CP1/SES-X', {
        method: 'PUT',
        body: aSession({ id: 'SES-X' }, cpo.party, emsp.party),
        headers: routeHeaders(cpo.party, otherCpo.party),
      })
      expect(toCpo.body.status_code).toBe(2001)
      expect(toCpo.body.status_message).toContain('NL*CP2 is not a party of role EMSP/SCSP/OTHER')
      // …and sessions are read from a CPO by the parties they are for, not by another CPO.
      const cpoReads = await otherCpo.call('/sender/sessions?date_from=2026-03-01T00:00:00Z', {
        headers: routeHeaders(otherCpo.party, cpo.party),
      })
      expect(cpoReads.body.status_code).toBe(2001)
      const fromEmspToEmsp = await emsp.call('/sender/sessions?date_from=2026-03-01T00:00:00Z', {
        headers: routeHeaders(emsp.party, otherEmsp.party),
      })
      expect(fromEmspToEmsp.body.status_code).toBe(2001)
      await expectOnly(before, undefined)
    })

    it('[reads] nobody reads a session that is not theirs: another eMSP or CPO gets 404/2001 and nothing is routed', async () => {
      const before = countsNow()
      const byOtherEmsp = await otherEmsp.call('/receiver/sessions/NL/CP1/SES-TO-1')
      expect(byOtherEmsp.status).toBe(404)
      expect(byOtherEmsp.body.status_code).toBe(2001)
      const byOtherCpo = await otherCpo.call('/receiver/sessions/NL/CP1/SES-TO-1', {
        headers: routeHeaders(otherCpo.party, emsp.party),
      })
      expect(byOtherCpo.status).toBe(404)
      // Its own URL, but the hub only knows CP1's session of that id: no destination to guess.
      const ownUrl = await otherCpo.call('/receiver/sessions/NL/CP2/SES-TO-1')
      expect(ownUrl.body.status_code).toBe(2001)
      await expectOnly(before, undefined)
    })

    it('[routing failures] an unreachable eMSP is 4003, a silent one 4002, an unknown one 4001', async () => {
      const session = aSession({ id: 'SES-FAIL' }, cpo.party, emsp.party)
      emsp.platform.setDown(true)
      try {
        const down = await cpo.call('/receiver/sessions/NL/CP1/SES-FAIL', { method: 'PUT', body: session })
        expect(down.status).toBe(200)
        expect(down.body.status_code).toBe(4003)
      } finally {
        emsp.platform.setDown(false)
      }

      emsp.platform.answer('PATCH', '/2.3.0/receiver/sessions/NL/CP1/SES-FAIL', async () => {
        await pause(OUTBOUND_TIMEOUT_MS + 500)
        return { status: 200, body: envelope(null) }
      })
      const started = Date.now()
      const slow = await cpo.call('/receiver/sessions/NL/CP1/SES-FAIL', {
        method: 'PATCH',
        body: { kwh: 11, last_updated: '2026-03-02T11:00:00Z' },
        headers: routeHeaders(cpo.party, emsp.party),
      })
      expect(slow.body.status_code).toBe(4002)
      expect(Date.now() - started).toBeLessThan(OUTBOUND_TIMEOUT_MS + 450)

      const unknown = await cpo.call('/receiver/sessions/NL/CP1/SES-FAIL', {
        method: 'PUT',
        body: aSession({ id: 'SES-FAIL' }, cpo.party, { country_code: 'FR', party_id: 'XYZ' }),
      })
      expect(unknown.body.status_code).toBe(4001)
    })
  })
}
