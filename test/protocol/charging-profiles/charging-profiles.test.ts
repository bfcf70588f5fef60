import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aChargingProfile, aSetChargingProfile } from '../../fixtures/charging-profiles.ts'
import { aSession } from '../../fixtures/sessions.ts'
import { envelope, type RecordedRequest } from '../../support/fake-platform.ts'
import {
  connectParty,
  routeHeaders,
  type ConnectedParty,
  trafficCounter,
} from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

const OUTBOUND_TIMEOUT_MS = 1000

const CALLBACK_URL =
  /^http:\/\/127\.0\.0\.1:\d+\/ocpi\/2\.3\.0\/sender\/chargingprofiles\/callbacks\/[0-9a-f-]{36}$/

const accepted = (timeout = 30) => envelope({ result: 'ACCEPTED', timeout })

/** What a platform received on its chargingprofiles interfaces and result URLs (handshake and other modules left out). */
function profileRequests(party: ConnectedParty): RecordedRequest[] {
  return party.platform.received.filter((r) => r.path.includes('/chargingprofiles'))
}

const anActiveChargingProfile = () => ({
  start_date_time: '2026-03-02T10:45:00Z',
  charging_profile: aChargingProfile({ charging_profile_period: [{ start_period: 0, limit: 7400 }] }),
})

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: ChargingProfiles through the hub`, () => {
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
      // CP1 runs SES-CP-1 for EM1 and SES-CP-2 for EM2; CP2 runs its own SES-CP-9 for EM1.
      for (const [owner, driverEmsp, id] of [
        [cpo, emsp, 'SES-CP-1'],
        [cpo, otherEmsp, 'SES-CP-2'],
        [otherCpo, emsp, 'SES-CP-9'],
      ] as const) {
        const pushed = await owner.call(`/receiver/sessions/NL/${owner.party.party_id}/${id}`, {
          method: 'PUT',
          body: aSession({ id }, owner.party, driverEmsp.party),
          headers: routeHeaders(owner.party, driverEmsp.party),
        })
        if (pushed.body.status_code !== 1000) throw new Error(`session push failed: ${pushed.text}`)
      }
      for (const party of [cpo, otherCpo]) {
        for (const method of ['GET', 'PUT', 'DELETE']) {
          for (const id of ['SES-CP-1', 'SES-CP-2', 'SES-CP-9']) {
            party.platform.answer(method, `/2.3.0/receiver/chargingprofiles/${id}`, () => ({
              status: 200,
              body: accepted(),
            }))
          }
        }
      }
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all((everyone ?? []).map((p) => p.platform.close()))
    })

    const { now: countsNow, expectOnly } = trafficCounter(
      () => everyone,
      (p) => profileRequests(p).length,
    )
    const resultUrl = (party: ConnectedParty, name: string) =>
      `${party.platform.url}/2.3.0/sender/chargingprofiles/results/${name}`
    const callbackPath = (url: string) => url.replace(/^.*\/ocpi\/2\.3\.0/, '')
    const lastTo = (party: ConnectedParty, method: string, sessionId: string) =>
      party.platform.requestsTo(method, `/2.3.0/receiver/chargingprofiles/${sessionId}`).at(-1)!
    const queryCallback = (request: RecordedRequest) =>
      new URLSearchParams(request.query).get('response_url') ?? ''

    it("[GET, open routing] reaches the session's CPO with duration kept and response_url rewritten; the ActiveChargingProfileResult reaches the original URL, its query included", async () => {
      const before = countsNow()
      const original = `${resultUrl(emsp, 'get-1')}?ref=a%20b`
      const response = await emsp.call(
        `/receiver/chargingprofiles/SES-CP-1?duration=900&response_url=${encodeURIComponent(original)}`,
        { headers: { 'x-correlation-id': 'cp-corr-get' } },
      )
      expect(response.status).toBe(200)
      expect(response.body.status_code).toBe(1000)
      expect(response.body.data).toEqual({ result: 'ACCEPTED', timeout: 30 })
      expect(response.headers.get('ocpi-from-party-id')).toBe('CP1')
      expect(response.headers.get('ocpi-to-party-id')).toBe('EM1')
      expect(response.headers.get('x-correlation-id')).toBe('cp-corr-get')

      const forwarded = lastTo(cpo, 'GET', 'SES-CP-1')
      const params = new URLSearchParams(forwarded.query)
      expect([...params.keys()]).toEqual(['duration', 'response_url'])
      expect(params.get('duration')).toBe('900')
      expect(queryCallback(forwarded)).toMatch(CALLBACK_URL)
      expect(forwarded.query).not.toContain(encodeURIComponent(emsp.platform.url))
      expect(forwarded.headers['ocpi-from-party-id']).toBe('EM1')
      expect(forwarded.headers['ocpi-to-party-id']).toBe('CP1')
      expect(forwarded.headers['x-correlation-id']).toBe('cp-corr-get')

      const result = { result: 'ACCEPTED', profile: anActiveChargingProfile() }
      const posted = await cpo.call(callbackPath(queryCallback(forwarded)), { method: 'POST', body: result })
      expect(posted.status).toBe(200)
      expect(posted.body.status_code).toBe(1000)
      expect(posted.headers.get('ocpi-from-party-id')).toBe('EM1')
      const delivered = emsp.platform.requestsTo('POST', '/2.3.0/sender/chargingprofiles/results/get-1')
      expect(delivered).toHaveLength(1)
      expect(delivered[0]!.query).toBe('?ref=a%20b')
      expect(delivered[0]!.body).toEqual(result)
      expect(delivered[0]!.headers['x-correlation-id']).toBe('cp-corr-get')
      expect(delivered[0]!.headers['ocpi-from-country-code']).toBe('NL')
      expect(delivered[0]!.headers['ocpi-from-party-id']).toBe('CP1')
      expect(delivered[0]!.headers['ocpi-to-country-code']).toBe('DE')
      expect(delivered[0]!.headers['ocpi-to-party-id']).toBe('EM1')
      await expectOnly(
        before,
        new Map([
          [cpo, 1],
          [emsp, 1],
        ]),
      )
    })

    it("[PUT] the SetChargingProfile reaches the CPO with a hub callback; the ChargingProfileResult comes back; the CPO's later ActiveChargingProfile PUT reaches the setter only", async () => {
      const before = countsNow()
      const set = aSetChargingProfile({ response_url: resultUrl(emsp, 'set-1') })
      const response = await emsp.call('/receiver/chargingprofiles/SES-CP-1', {
        method: 'PUT',
        body: set,
        headers: { 'x-correlation-id': 'cp-corr-set' },
      })
      expect(response.status).toBe(200)
      expect(response.body.data).toEqual({ result: 'ACCEPTED', timeout: 30 })
      const forwarded = lastTo(cpo, 'PUT', 'SES-CP-1')
      const callbackUrl = String((forwarded.body as { response_url: string }).response_url)
      expect(callbackUrl).toMatch(CALLBACK_URL)
      expect(forwarded.body).toEqual({ ...set, response_url: callbackUrl })

      const posted = await cpo.call(callbackPath(callbackUrl), {
        method: 'POST',
        body: { result: 'ACCEPTED' },
      })
      expect(posted.body.status_code).toBe(1000)
      const [result] = emsp.platform.requestsTo('POST', '/2.3.0/sender/chargingprofiles/results/set-1')
      expect(result?.body).toEqual({ result: 'ACCEPTED' })
      expect(result?.headers['x-correlation-id']).toBe('cp-corr-set')

      // Later the CPO's update, without TO headers: the hub remembers who set the profile.
      const update = anActiveChargingProfile()
      emsp.platform.answer('PUT', '/2.3.0/sender/chargingprofiles/SES-CP-1', () => ({
        status: 200,
        body: envelope(null, 1000, 'EM1 noted the new limits'),
      }))
      const pushed = await cpo.call('/sender/chargingprofiles/SES-CP-1', {
        method: 'PUT',
        body: update,
        headers: { 'x-correlation-id': 'cp-corr-update' },
      })
      expect(pushed.status).toBe(200)
      expect(pushed.body.status_code).toBe(1000)
      expect(pushed.body.status_message).toBe('EM1 noted the new limits')
      expect(pushed.headers.get('ocpi-from-party-id')).toBe('EM1')
      expect(pushed.headers.get('ocpi-to-party-id')).toBe('CP1')
      const updates = emsp.platform.requestsTo('PUT', '/2.3.0/sender/chargingprofiles/SES-CP-1')
      expect(updates).toHaveLength(1)
      expect(updates[0]!.body).toEqual(update)
      expect(updates[0]!.token).toBe(emsp.platform.tokenFromHub)
      expect(updates[0]!.headers['x-correlation-id']).toBe('cp-corr-update')
      expect(updates[0]!.headers['ocpi-from-party-id']).toBe('CP1')
      expect(updates[0]!.headers['ocpi-to-party-id']).toBe('EM1')
      await expectOnly(
        before,
        new Map([
          [cpo, 1],
          [emsp, 2],
        ]),
      )
    })

    it("[unsolicited PUT] refused with 2001 when nobody set a profile on the session, when the profile was refused, or for another CPO's session", async () => {
      const before = countsNow()
      // SES-CP-2: EM2's profile is REJECTED by CP1, so CP1 has nobody to send updates to.
      cpo.platform.answer('PUT', '/2.3.0/receiver/chargingprofiles/SES-CP-2', () => ({
        status: 200,
        body: envelope({ result: 'REJECTED', timeout: 0 }),
      }))
      const rejected = await otherEmsp.call('/receiver/chargingprofiles/SES-CP-2', {
        method: 'PUT',
        body: aSetChargingProfile({ response_url: resultUrl(otherEmsp, 'set-rejected') }),
      })
      expect(rejected.body.data).toEqual({ result: 'REJECTED', timeout: 0 })
      const rejectedCallback = String(
        (lastTo(cpo, 'PUT', 'SES-CP-2').body as { response_url: string }).response_url,
      )
      const late = await cpo.call(callbackPath(rejectedCallback), {
        method: 'POST',
        body: { result: 'REJECTED' },
      })
      expect(late.status).toBe(404)
      expect(late.body.status_code).toBe(2001)

      for (const [sender, sessionId] of [
        [cpo, 'SES-CP-2'],
        [otherCpo, 'SES-CP-9'],
        [otherCpo, 'SES-CP-1'],
      ] as const) {
        const pushed = await sender.call(`/sender/chargingprofiles/${sessionId}`, {
          method: 'PUT',
          body: anActiveChargingProfile(),
        })
        expect(pushed.status, sessionId).toBe(200)
        expect(pushed.body.status_code, sessionId).toBe(2001)
      }
      await expectOnly(before, new Map([[cpo, 1]]))
    })

    it("[DELETE] clears the profile through the hub: response_url query rewritten, the ClearProfileResult relayed to the setter's URL", async () => {
      const before = countsNow()
      const response = await emsp.call(
        `/receiver/chargingprofiles/SES-CP-1?response_url=${encodeURIComponent(resultUrl(emsp, 'clear-1'))}`,
        { method: 'DELETE' },
      )
      expect(response.status).toBe(200)
      expect(response.body.data).toEqual({ result: 'ACCEPTED', timeout: 30 })
      const forwarded = lastTo(cpo, 'DELETE', 'SES-CP-1')
      expect([...new URLSearchParams(forwarded.query).keys()]).toEqual(['response_url'])
      expect(queryCallback(forwarded)).toMatch(CALLBACK_URL)

      const posted = await cpo.call(callbackPath(queryCallback(forwarded)), {
        method: 'POST',
        body: { result: 'UNKNOWN' },
      })
      expect(posted.body.status_code).toBe(1000)
      const [cleared] = emsp.platform.requestsTo('POST', '/2.3.0/sender/chargingprofiles/results/clear-1')
      expect(cleared?.body).toEqual({ result: 'UNKNOWN' })
      expect(cleared?.headers['ocpi-from-party-id']).toBe('CP1')
      await expectOnly(
        before,
        new Map([
          [cpo, 1],
          [emsp, 1],
        ]),
      )
    })

    it("[another party's session] open routing only serves the session's own eMSP; with TO the request goes to the named CPO", async () => {
      const before = countsNow()
      const stranger = await otherEmsp.call(
        `/receiver/chargingprofiles/SES-CP-1?duration=60&response_url=${encodeURIComponent(resultUrl(otherEmsp, 'peek'))}`,
      )
      expect(stranger.status).toBe(200)
      expect(stranger.body.status_code).toBe(2001)
      expect(stranger.text).not.toContain('CP1')

      const named = await otherEmsp.call(
        `/receiver/chargingprofiles/SES-CP-9?duration=60&response_url=${encodeURIComponent(resultUrl(otherEmsp, 'named'))}`,
        { headers: routeHeaders(otherEmsp.party, otherCpo.party) },
      )
      expect(named.body.status_code).toBe(1000)
      expect(named.headers.get('ocpi-from-party-id')).toBe('CP2')
      const forwarded = lastTo(otherCpo, 'GET', 'SES-CP-9')
      expect(forwarded.headers['ocpi-from-party-id']).toBe('EM2')
      // The result of EM2's request goes to EM2, never to EM1 whose session it is.
      const posted = await otherCpo.call(callbackPath(queryCallback(forwarded)), {
        method: 'POST',
        body: { result: 'REJECTED' },
      })
      expect(posted.body.status_code).toBe(1000)
      expect(
        otherEmsp.platform.requestsTo('POST', '/2.3.0/sender/chargingprofiles/results/named'),
      ).toHaveLength(1)
      await expectOnly(
        before,
        new Map([
          [otherCpo, 1],
          [otherEmsp, 1],
        ]),
      )
    })

    it('[callbacks] one result per callback, only from its CPO; a Commands callback path does not serve it', async () => {
      const before = countsNow()
      const response = await emsp.call(
        `/receiver/chargingprofiles/SES-CP-1?duration=60&response_url=${encodeURIComponent(resultUrl(emsp, 'get-2'))}`,
      )
      expect(response.body.status_code).toBe(1000)
      const callback = callbackPath(queryCallback(lastTo(cpo, 'GET', 'SES-CP-1')))
      for (const [party, path] of [
        [otherCpo, callback],
        [emsp, callback],
        [cpo, callback.replace('/chargingprofiles/', '/commands/')],
        [cpo, '/sender/chargingprofiles/callbacks/not-a-callback'],
      ] as const) {
        const refused = await party.call(path, { method: 'POST', body: { result: 'ACCEPTED' } })
        expect(refused.status, path).toBe(404)
        expect(refused.body.status_code, path).toBe(2001)
      }
      const notAResult = await cpo.call(callback, { method: 'POST', body: { result: 'PERHAPS' } })
      expect(notAResult.body.status_code).toBe(2001)
      expect(
        (await cpo.call(callback, { method: 'POST', body: { result: 'ACCEPTED' } })).body.status_code,
      ).toBe(1000)
      const twice = await cpo.call(callback, { method: 'POST', body: { result: 'ACCEPTED' } })
      expect(twice.status).toBe(404)
      expect(twice.body.status_code).toBe(2001)
      await expectOnly(
        before,
        new Map([
          [cpo, 1],
          [emsp, 1],
        ]),
      )
    })

    it('[bad input] GET without duration, DELETE without response_url, a malformed response_url, an unknown session, a wrong role: 2001, nothing forwarded', async () => {
      const before = countsNow()
      const url = encodeURIComponent(resultUrl(emsp, 'bad'))
      const attempts: [string, string, unknown][] = [
        ['GET', `/receiver/chargingprofiles/SES-CP-1?response_url=${url}`, undefined],
        ['GET', `/receiver/chargingprofiles/SES-CP-1?duration=soon&response_url=${url}`, undefined],
        ['DELETE', '/receiver/chargingprofiles/SES-CP-1', undefined],
        ['DELETE', '/receiver/chargingprofiles/SES-CP-1?response_url=not-a-url', undefined],
        [
          'PUT',
          '/receiver/chargingprofiles/SES-CP-1',
          aSetChargingProfile({ response_url: 'mailto:ops@emsp.example.com' }),
        ],
        ['PUT', '/receiver/chargingprofiles/SES-CP-1', { response_url: resultUrl(emsp, 'bad') }],
        [
          'PUT',
          '/receiver/chargingprofiles/SES-UNKNOWN',
          aSetChargingProfile({ response_url: resultUrl(emsp, 'bad') }),
        ],
      ]
      for (const [method, path, body] of attempts) {
        const response = await emsp.call(path, { method, body })
        expect(response.status, `${method} ${path}`).toBe(200)
        expect(response.body.status_code, `${method} ${path}`).toBe(2001)
        expect(response.headers.get('ocpi-from-party-id'), `${method} ${path}`).toBe('HUB')
      }
      // Roles: a CPO does not set profiles at another CPO, an eMSP does not push ActiveChargingProfiles.
      const fromCpo = await otherCpo.call('/receiver/chargingprofiles/SES-CP-1', {
        method: 'PUT',
        body: aSetChargingProfile({ response_url: resultUrl(otherCpo, 'bad') }),
        headers: routeHeaders(otherCpo.party, cpo.party),
      })
      expect(fromCpo.body.status_code).toBe(2001)
      const fromEmsp = await otherEmsp.call('/sender/chargingprofiles/SES-CP-1', {
        method: 'PUT',
        body: anActiveChargingProfile(),
        headers: routeHeaders(otherEmsp.party, emsp.party),
      })
      expect(fromEmsp.body.status_code).toBe(2001)
      // Not an ActiveChargingProfile: refused before it is routed.
      const notAProfile = await cpo.call('/sender/chargingprofiles/SES-CP-1', {
        method: 'PUT',
        body: { start_date_time: '2026-03-02T10:45:00Z' },
      })
      expect(notAProfile.body.status_code).toBe(2001)
      expect(notAProfile.body.status_message).toBe('charging_profile: is required')
      await expectOnly(before, new Map())
    })

    it('[offline CPO, silent CPO] 4003 and 4002; the callback is closed', async () => {
      const before = countsNow()
      otherCpo.platform.setDown(true)
      try {
        const offline = await emsp.call('/receiver/chargingprofiles/SES-CP-9', {
          method: 'PUT',
          body: aSetChargingProfile({ response_url: resultUrl(emsp, 'offline') }),
        })
        expect(offline.body.status_code).toBe(4003)
      } finally {
        otherCpo.platform.setDown(false)
      }
      cpo.platform.hang('DELETE', '/2.3.0/receiver/chargingprofiles/SES-CP-1')
      const silent = await emsp.call(
        `/receiver/chargingprofiles/SES-CP-1?response_url=${encodeURIComponent(resultUrl(emsp, 'silent'))}`,
        { method: 'DELETE' },
      )
      expect(silent.body.status_code).toBe(4002)
      const late = await cpo.call(callbackPath(queryCallback(lastTo(cpo, 'DELETE', 'SES-CP-1'))), {
        method: 'POST',
        body: { result: 'ACCEPTED' },
      })
      expect(late.status).toBe(404)
      // The refused profile PUT left no setter behind: CP2 has nobody to update.
      const update = await otherCpo.call('/sender/chargingprofiles/SES-CP-9', {
        method: 'PUT',
        body: anActiveChargingProfile(),
      })
      expect(update.body.status_code).toBe(2001)
      await expectOnly(before, new Map([[cpo, 1]]))
    })
  })
}
