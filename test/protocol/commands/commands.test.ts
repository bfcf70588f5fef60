import { setTimeout as pause } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  aCancelReservation,
  aCommandResponse,
  aCommandResult,
  aReserveNow,
  aStartSession,
  aStopSession,
  anUnlockConnector,
} from '../../fixtures/commands.ts'
import { aLocation } from '../../fixtures/locations.ts'
import { aSession } from '../../fixtures/sessions.ts'
import { envelope, type RecordedRequest } from '../../support/fake-platform.ts'
import type { OcpiEnvelopeBody } from '../../support/http.ts'
import {
  connectParty,
  routeHeaders,
  type ConnectedParty,
  trafficCounter,
} from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

/** Small, so the 4002 test stays fast, yet enough for the hub's calls during registration. */
const OUTBOUND_TIMEOUT_MS = 1000

const CALLBACK_URL = /^http:\/\/127\.0\.0\.1:\d+\/ocpi\/2\.3\.0\/sender\/commands\/callbacks\/[0-9a-f-]{36}$/

/** What a platform received on its commands interfaces (handshake and other modules left out). */
function commandRequests(party: ConnectedParty): RecordedRequest[] {
  return party.platform.received.filter(
    (r) => r.path.startsWith('/2.3.0/receiver/commands') || r.path.includes('/results/'),
  )
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: Commands through the hub`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let otherCpo: ConnectedParty
    let emsp: ConnectedParty
    let otherEmsp: ConnectedParty
    let everyone: ConnectedParty[]

    beforeAll(async () => {
      hub = await startTestHub(engine, {
        OUTBOUND_TIMEOUT_MS: String(OUTBOUND_TIMEOUT_MS),
        DELIVERY_RETRY_BASE_MS: '50',
        DELIVERY_POLL_INTERVAL_MS: '50',
        // A callback closes right at the CPO's announced timeout: the expiry test waits 1 s, not 61.
        COMMAND_RESULT_GRACE_SECONDS: '0',
      })
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      otherCpo = await connectParty(hub, 'CPO', 'NL', 'CP2')
      emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1')
      otherEmsp = await connectParty(hub, 'EMSP', 'DE', 'EM2')
      everyone = [cpo, otherCpo, emsp, otherEmsp]
      for (const party of [cpo, otherCpo]) {
        for (const command of [
          'START_SESSION',
          'STOP_SESSION',
          'RESERVE_NOW',
          'CANCEL_RESERVATION',
          'UNLOCK_CONNECTOR',
        ]) {
          party.platform.answer('POST', `/2.3.0/receiver/commands/${command}`, () => ({
            status: 200,
            body: envelope(aCommandResponse()),
          }))
        }
      }
      // CP2 publishes a location to everyone: open routing finds its CPO in the hub's Locations.
      const published = await otherCpo.call('/receiver/locations/NL/CP2/LOC-CP2', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-CP2' }, otherCpo.party),
      })
      if (published.body.status_code !== 1000) throw new Error(`location push failed: ${published.text}`)
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all((everyone ?? []).map((p) => p.platform.close()))
    })

    const { now: countsNow, expectOnly } = trafficCounter(
      () => everyone,
      (p) => commandRequests(p).length,
    )
    /** The eMSP's own response_url, on its fake platform: the hub must deliver the result exactly here. */
    const resultUrl = (party: ConnectedParty, name: string) =>
      `${party.platform.url}/2.3.0/sender/commands/results/${name}`
    /** Path of a hub callback URL relative to /ocpi/2.3.0, as a party calls it. */
    const callbackPath = (url: string) => url.replace(/^.*\/ocpi\/2\.3\.0/, '')
    const lastCommand = (party: ConnectedParty, command: string) =>
      party.platform.requestsTo('POST', `/2.3.0/receiver/commands/${command}`).at(-1)!
    const callbackOf = (request: RecordedRequest) =>
      String((request.body as { response_url: string }).response_url)

    it('[START_SESSION, TO] response_url becomes a hub callback; the CommandResponse is relayed; the CommandResult reaches the eMSP at its own URL with FROM=CPO, TO=eMSP, once', async () => {
      const before = countsNow()
      const command = aStartSession({ response_url: resultUrl(emsp, 'start-1') }, emsp.party)
      const cpoAnswer = envelope(aCommandResponse({ timeout: 30 }), 1000, 'on its way')
      cpo.platform.answer('POST', '/2.3.0/receiver/commands/START_SESSION', () => ({
        status: 200,
        body: cpoAnswer,
      }))

      const response = await emsp.call('/receiver/commands/START_SESSION', {
        method: 'POST',
        body: command,
        headers: { ...routeHeaders(emsp.party, cpo.party), 'x-correlation-id': 'cmd-corr-1' },
      })

      expect(response.status).toBe(200)
      expect(response.body).toEqual(cpoAnswer)
      expect(response.text).not.toContain('/callbacks/')
      expect(response.headers.get('x-correlation-id')).toBe('cmd-corr-1')
      expect(response.headers.get('ocpi-from-country-code')).toBe('NL')
      expect(response.headers.get('ocpi-from-party-id')).toBe('CP1')
      expect(response.headers.get('ocpi-to-country-code')).toBe('DE')
      expect(response.headers.get('ocpi-to-party-id')).toBe('EM1')

      const forwarded = lastCommand(cpo, 'START_SESSION')
      const callbackUrl = callbackOf(forwarded)
      expect(callbackUrl).toMatch(CALLBACK_URL)
      expect(callbackUrl.startsWith(hub.url)).toBe(true)
      expect(forwarded.body).toEqual({ ...command, response_url: callbackUrl })
      expect(JSON.stringify(forwarded.body)).not.toContain(emsp.platform.url)
      expect(forwarded.token).toBe(cpo.platform.tokenFromHub)
      expect(forwarded.headers['x-correlation-id']).toBe('cmd-corr-1')
      expect(forwarded.headers['ocpi-from-country-code']).toBe('DE')
      expect(forwarded.headers['ocpi-from-party-id']).toBe('EM1')
      expect(forwarded.headers['ocpi-to-country-code']).toBe('NL')
      expect(forwarded.headers['ocpi-to-party-id']).toBe('CP1')
      await expectOnly(before, new Map([[cpo, 1]]))

      // The CPO's asynchronous result, posted to the hub's callback.
      const result = aCommandResult()
      emsp.platform.answer('POST', '/2.3.0/sender/commands/results/start-1', () => ({
        status: 200,
        body: envelope(null, 1000, 'thanks from EM1'),
      }))
      const posted = await cpo.call(callbackPath(callbackUrl), {
        method: 'POST',
        body: result,
        headers: { ...routeHeaders(cpo.party, emsp.party), 'x-correlation-id': 'cpo-own-correlation' },
      })
      expect(posted.status).toBe(200)
      expect(posted.body.status_code).toBe(1000)
      expect(posted.body.status_message).toBe('thanks from EM1')
      expect(posted.headers.get('ocpi-from-party-id')).toBe('EM1')
      expect(posted.headers.get('ocpi-to-party-id')).toBe('CP1')

      const delivered = emsp.platform.requestsTo('POST', '/2.3.0/sender/commands/results/start-1')
      expect(delivered).toHaveLength(1)
      expect(delivered[0]!.body).toEqual(result)
      expect(delivered[0]!.token).toBe(emsp.platform.tokenFromHub)
      expect(delivered[0]!.headers['x-correlation-id']).toBe('cmd-corr-1')
      expect(delivered[0]!.headers['ocpi-from-country-code']).toBe('NL')
      expect(delivered[0]!.headers['ocpi-from-party-id']).toBe('CP1')
      expect(delivered[0]!.headers['ocpi-to-country-code']).toBe('DE')
      expect(delivered[0]!.headers['ocpi-to-party-id']).toBe('EM1')

      // A callback serves one result: a second POST is refused and reaches nobody.
      const again = await cpo.call(callbackPath(callbackUrl), { method: 'POST', body: result })
      expect(again.status).toBe(404)
      expect(again.body.status_code).toBe(2001)
      await expectOnly(
        before,
        new Map([
          [cpo, 1],
          [emsp, 1],
        ]),
      )
    })

    it('[START_SESSION, open routing] goes to the CPO that published the location, and its result comes back', async () => {
      const before = countsNow()
      const command = aStartSession(
        { location_id: 'LOC-CP2', response_url: resultUrl(emsp, 'start-open') },
        emsp.party,
      )

      const response = await emsp.call('/receiver/commands/START_SESSION', {
        method: 'POST',
        body: command,
        headers: { 'x-correlation-id': 'cmd-corr-open' },
      })

      expect(response.status).toBe(200)
      expect(response.body.status_code).toBe(1000)
      expect(response.body.data).toEqual(aCommandResponse())
      expect(response.headers.get('ocpi-from-party-id')).toBe('CP2')
      expect(response.headers.get('ocpi-to-party-id')).toBe('EM1')
      const forwarded = lastCommand(otherCpo, 'START_SESSION')
      expect(forwarded.headers['ocpi-to-party-id']).toBe('CP2')
      expect(forwarded.headers['ocpi-from-party-id']).toBe('EM1')
      expect(callbackOf(forwarded)).toMatch(CALLBACK_URL)
      expect(forwarded.body).toEqual({ ...command, response_url: callbackOf(forwarded) })

      const posted = await otherCpo.call(callbackPath(callbackOf(forwarded)), {
        method: 'POST',
        body: aCommandResult({ result: 'EVSE_OCCUPIED' }),
      })
      expect(posted.status).toBe(200)
      expect(posted.body.status_code).toBe(1000)
      const [delivered] = emsp.platform.requestsTo('POST', '/2.3.0/sender/commands/results/start-open')
      expect(delivered?.body).toEqual(aCommandResult({ result: 'EVSE_OCCUPIED' }))
      expect(delivered?.headers['x-correlation-id']).toBe('cmd-corr-open')
      expect(delivered?.headers['ocpi-from-party-id']).toBe('CP2')
      expect(delivered?.headers['ocpi-to-party-id']).toBe('EM1')
      await expectOnly(
        before,
        new Map([
          [otherCpo, 1],
          [emsp, 1],
        ]),
      )
    })

    it('[open routing, unknown or ambiguous location] the hub answers 404 + 2003 itself, or 2001 asking for TO; nothing is forwarded', async () => {
      const before = countsNow()
      const unknown = await emsp.call('/receiver/commands/START_SESSION', {
        method: 'POST',
        body: aStartSession(
          { location_id: 'LOC-NOBODY', response_url: resultUrl(emsp, 'nobody') },
          emsp.party,
        ),
      })
      expect(unknown.status).toBe(404)
      expect(unknown.body.status_code).toBe(2003)
      expect(unknown.body.status_message).toContain('LOC-NOBODY')
      expect(unknown.headers.get('ocpi-from-country-code')).toBe('XX')
      expect(unknown.headers.get('ocpi-from-party-id')).toBe('HUB')

      // Both CPOs publish a location with the same id: the hub cannot choose.
      for (const owner of [cpo, otherCpo]) {
        const pushed = await owner.call(
          `/receiver/locations/${owner.party.country_code}/${owner.party.party_id}/LOC-TWICE`,
          {
            method: 'PUT',
            body: aLocation({ id: 'LOC-TWICE' }, owner.party),
          },
        )
        expect(pushed.body.status_code).toBe(1000)
      }
      const ambiguous = await emsp.call('/receiver/commands/UNLOCK_CONNECTOR', {
        method: 'POST',
        body: anUnlockConnector({ location_id: 'LOC-TWICE', response_url: resultUrl(emsp, 'twice') }),
      })
      expect(ambiguous.status).toBe(200)
      expect(ambiguous.body.status_code).toBe(2001)
      expect(ambiguous.body.status_message).toContain('OCPI-to-*')
      await expectOnly(before, new Map())
    })

    it("[CPO answers 2003] the CPO's unknown-location answer is relayed unchanged and its callback is closed", async () => {
      const before = countsNow()
      const refusal = { status: 404, body: envelope(null, 2003, 'Unknown location LOC-GONE') }
      cpo.platform.answer('POST', '/2.3.0/receiver/commands/RESERVE_NOW', () => refusal)
      try {
        const response = await emsp.call('/receiver/commands/RESERVE_NOW', {
          method: 'POST',
          body: aReserveNow({ location_id: 'LOC-GONE', response_url: resultUrl(emsp, 'gone') }, emsp.party),
          headers: routeHeaders(emsp.party, cpo.party),
        })
        expect(response.status).toBe(404)
        expect(response.body).toEqual(refusal.body)
        expect(response.headers.get('ocpi-from-party-id')).toBe('CP1')

        const callbackUrl = callbackOf(lastCommand(cpo, 'RESERVE_NOW'))
        const late = await cpo.call(callbackPath(callbackUrl), { method: 'POST', body: aCommandResult() })
        expect(late.status).toBe(404)
        expect(late.body.status_code).toBe(2001)
        await expectOnly(before, new Map([[cpo, 1]]))
      } finally {
        cpo.platform.answer('POST', '/2.3.0/receiver/commands/RESERVE_NOW', () => ({
          status: 200,
          body: envelope(aCommandResponse()),
        }))
      }
    })

    it("[STOP_SESSION, open routing] goes to the session's CPO, only for that session's eMSP", async () => {
      const session = aSession({ id: 'SES-CMD-1' }, cpo.party, emsp.party)
      const pushed = await cpo.call('/receiver/sessions/NL/CP1/SES-CMD-1', {
        method: 'PUT',
        body: session,
        headers: routeHeaders(cpo.party, emsp.party),
      })
      expect(pushed.body.status_code).toBe(1000)
      const before = countsNow()

      const stop = aStopSession({ session_id: 'SES-CMD-1', response_url: resultUrl(emsp, 'stop-1') })
      const response = await emsp.call('/receiver/commands/STOP_SESSION', { method: 'POST', body: stop })
      expect(response.status).toBe(200)
      expect(response.body.status_code).toBe(1000)
      expect(response.headers.get('ocpi-from-party-id')).toBe('CP1')
      const forwarded = lastCommand(cpo, 'STOP_SESSION')
      expect(forwarded.body).toEqual({ ...stop, response_url: callbackOf(forwarded) })
      expect(callbackOf(forwarded)).toMatch(CALLBACK_URL)

      // Another eMSP naming the same session id learns nothing and reaches nobody.
      const stranger = await otherEmsp.call('/receiver/commands/STOP_SESSION', {
        method: 'POST',
        body: aStopSession({ session_id: 'SES-CMD-1', response_url: resultUrl(otherEmsp, 'stop-stranger') }),
      })
      expect(stranger.status).toBe(200)
      expect(stranger.body.status_code).toBe(2001)
      await expectOnly(before, new Map([[cpo, 1]]))
    })

    it('[RESERVE_NOW then CANCEL_RESERVATION] the cancellation finds the CPO that took the reservation, for its requester only', async () => {
      const before = countsNow()
      const reserve = aReserveNow(
        { reservation_id: 'RES-CMD-1', location_id: 'LOC-CP2', response_url: resultUrl(emsp, 'reserve-1') },
        emsp.party,
      )
      const reserved = await emsp.call('/receiver/commands/RESERVE_NOW', { method: 'POST', body: reserve })
      expect(reserved.body.status_code).toBe(1000)
      expect(reserved.headers.get('ocpi-from-party-id')).toBe('CP2')

      const stranger = await otherEmsp.call('/receiver/commands/CANCEL_RESERVATION', {
        method: 'POST',
        body: aCancelReservation({
          reservation_id: 'RES-CMD-1',
          response_url: resultUrl(otherEmsp, 'cancel-x'),
        }),
      })
      expect(stranger.body.status_code).toBe(2001)

      const cancel = aCancelReservation({
        reservation_id: 'RES-CMD-1',
        response_url: resultUrl(emsp, 'cancel-1'),
      })
      const cancelled = await emsp.call('/receiver/commands/CANCEL_RESERVATION', {
        method: 'POST',
        body: cancel,
      })
      expect(cancelled.status).toBe(200)
      expect(cancelled.body.status_code).toBe(1000)
      expect(cancelled.headers.get('ocpi-from-party-id')).toBe('CP2')
      const forwarded = lastCommand(otherCpo, 'CANCEL_RESERVATION')
      expect(forwarded.body).toEqual({ ...cancel, response_url: callbackOf(forwarded) })

      // The CPO cancels the reservation itself: CANCELED_RESERVATION on the ReserveNow callback.
      const reserveCallback = callbackOf(lastCommand(otherCpo, 'RESERVE_NOW'))
      const posted = await otherCpo.call(callbackPath(reserveCallback), {
        method: 'POST',
        body: aCommandResult({ result: 'CANCELED_RESERVATION' }),
      })
      expect(posted.body.status_code).toBe(1000)
      const [delivered] = emsp.platform.requestsTo('POST', '/2.3.0/sender/commands/results/reserve-1')
      expect(delivered?.body).toEqual(aCommandResult({ result: 'CANCELED_RESERVATION' }))
      await expectOnly(
        before,
        new Map([
          [otherCpo, 2],
          [emsp, 1],
        ]),
      )
    })

    it('[unknown command name] is passed through with TO, response_url rewritten and the rest untouched; without TO it is 2001', async () => {
      const before = countsNow()
      const command = { response_url: resultUrl(emsp, 'pause-1'), session_id: 'SES-CMD-1', pause_for: 300 }
      cpo.platform.answer('POST', '/2.3.0/receiver/commands/PAUSE_CHARGING', () => ({
        status: 200,
        body: envelope(aCommandResponse({ timeout: 10 })),
      }))

      const response = await emsp.call('/receiver/commands/PAUSE_CHARGING', {
        method: 'POST',
        body: command,
        headers: routeHeaders(emsp.party, cpo.party),
      })
      expect(response.status).toBe(200)
      expect(response.body.data).toEqual(aCommandResponse({ timeout: 10 }))
      const forwarded = lastCommand(cpo, 'PAUSE_CHARGING')
      expect(forwarded.body).toEqual({ ...command, response_url: callbackOf(forwarded) })
      expect(callbackOf(forwarded)).toMatch(CALLBACK_URL)
      const posted = await cpo.call(callbackPath(callbackOf(forwarded)), {
        method: 'POST',
        body: aCommandResult(),
      })
      expect(posted.body.status_code).toBe(1000)
      expect(emsp.platform.requestsTo('POST', '/2.3.0/sender/commands/results/pause-1')).toHaveLength(1)

      const unrouted = await emsp.call('/receiver/commands/PAUSE_CHARGING', { method: 'POST', body: command })
      expect(unrouted.status).toBe(200)
      expect(unrouted.body.status_code).toBe(2001)
      const withoutUrl = await emsp.call('/receiver/commands/PAUSE_CHARGING', {
        method: 'POST',
        body: { session_id: 'SES-CMD-1' },
        headers: routeHeaders(emsp.party, cpo.party),
      })
      expect(withoutUrl.body.status_code).toBe(2001)
      expect(withoutUrl.body.status_message).toBe('response_url: is required')
      await expectOnly(
        before,
        new Map([
          [cpo, 1],
          [emsp, 1],
        ]),
      )
    })

    it('[bad input] a malformed response_url, a connector_id without evse_uid, a body that is no object, a CPO as requester: 2001, nothing forwarded', async () => {
      const before = countsNow()
      const attempts: [string, unknown, string][] = [
        ['START_SESSION', aStartSession({ response_url: 'not-a-url' }, emsp.party), 'response_url'],
        ['STOP_SESSION', aStopSession({ response_url: 'ftp://emsp.example.com/results' }), 'response_url'],
        [
          'START_SESSION',
          aStartSession({ evse_uid: undefined, response_url: resultUrl(emsp, 'x') }, emsp.party),
          'evse_uid: is required',
        ],
        ['UNLOCK_CONNECTOR', [anUnlockConnector()], 'body'],
      ]
      for (const [command, body, complaint] of attempts) {
        const response = await emsp.call(`/receiver/commands/${command}`, {
          method: 'POST',
          body,
          headers: routeHeaders(emsp.party, cpo.party),
        })
        expect(response.status, command).toBe(200)
        expect(response.body.status_code, command).toBe(2001)
        expect(response.body.status_message, command).toContain(complaint)
      }
      // A CPO does not command another CPO's chargers.
      const fromCpo = await otherCpo.call('/receiver/commands/START_SESSION', {
        method: 'POST',
        body: aStartSession({ response_url: resultUrl(otherCpo, 'cpo') }),
        headers: routeHeaders(otherCpo.party, cpo.party),
      })
      expect(fromCpo.status).toBe(200)
      expect(fromCpo.body.status_code).toBe(2001)
      expect(fromCpo.headers.get('ocpi-from-party-id')).toBe('HUB')
      await expectOnly(before, new Map())
    })

    it('[callbacks] unknown, expired, or posted by anyone but the CPO: 404 + 2001, nothing delivered; the CPO can still use its own', async () => {
      const before = countsNow()
      cpo.platform.answer('POST', '/2.3.0/receiver/commands/UNLOCK_CONNECTOR', () => ({
        status: 200,
        body: envelope(aCommandResponse({ timeout: 1 })),
      }))
      const shortLived = await emsp.call('/receiver/commands/UNLOCK_CONNECTOR', {
        method: 'POST',
        body: anUnlockConnector({ response_url: resultUrl(emsp, 'unlock-expired') }),
        headers: routeHeaders(emsp.party, cpo.party),
      })
      expect(shortLived.body.status_code).toBe(1000)
      const expiredCallback = callbackOf(lastCommand(cpo, 'UNLOCK_CONNECTOR'))
      cpo.platform.answer('POST', '/2.3.0/receiver/commands/UNLOCK_CONNECTOR', () => ({
        status: 200,
        body: envelope(aCommandResponse()),
      }))
      const pending = await emsp.call('/receiver/commands/UNLOCK_CONNECTOR', {
        method: 'POST',
        body: anUnlockConnector({ response_url: resultUrl(emsp, 'unlock-pending') }),
        headers: routeHeaders(emsp.party, cpo.party),
      })
      expect(pending.body.status_code).toBe(1000)
      const pendingCallback = callbackOf(lastCommand(cpo, 'UNLOCK_CONNECTOR'))

      const refused = async (party: ConnectedParty, path: string) => {
        const response = await party.call(path, { method: 'POST', body: aCommandResult() })
        expect(response.status).toBe(404)
        expect(response.body.status_code).toBe(2001)
        expect(response.text).not.toContain('unlock-pending')
      }
      await refused(cpo, '/sender/commands/callbacks/00000000-0000-0000-0000-000000000000')
      // Only the CPO it was handed to may post to a callback: not the requester, nor anybody else.
      for (const intruder of [otherEmsp, emsp, otherCpo])
        await refused(intruder, callbackPath(pendingCallback))
      // A callback of the Commands module is not one of ChargingProfiles.
      await refused(cpo, callbackPath(pendingCallback).replace('/commands/', '/chargingprofiles/'))

      await pause(1200)
      await refused(cpo, callbackPath(expiredCallback))

      const posted = await cpo.call(callbackPath(pendingCallback), { method: 'POST', body: aCommandResult() })
      expect(posted.body.status_code).toBe(1000)
      expect(emsp.platform.requestsTo('POST', '/2.3.0/sender/commands/results/unlock-pending')).toHaveLength(
        1,
      )
      expect(emsp.platform.requestsTo('POST', '/2.3.0/sender/commands/results/unlock-expired')).toHaveLength(
        0,
      )

      // A result that is no CommandResult is refused before it uses up the callback.
      const noResult = await cpo.call(callbackPath(expiredCallback), {
        method: 'POST',
        body: { result: 'MAYBE' },
      })
      expect(noResult.body.status_code).toBe(2001)
      await expectOnly(
        before,
        new Map([
          [cpo, 2],
          [emsp, 1],
        ]),
      )
    })

    it('[offline CPO, silent CPO] 4003 and 4002, never retried, and their callbacks are closed', async () => {
      const before = countsNow()
      otherCpo.platform.setDown(true)
      try {
        const offline = await emsp.call('/receiver/commands/START_SESSION', {
          method: 'POST',
          body: aStartSession(
            { location_id: 'LOC-CP2', response_url: resultUrl(emsp, 'offline') },
            emsp.party,
          ),
        })
        expect(offline.status).toBe(200)
        expect(offline.body.status_code).toBe(4003)
      } finally {
        otherCpo.platform.setDown(false)
      }
      cpo.platform.hang('POST', '/2.3.0/receiver/commands/STOP_SESSION')
      const started = Date.now()
      const silent = await emsp.call<OcpiEnvelopeBody>('/receiver/commands/STOP_SESSION', {
        method: 'POST',
        body: aStopSession({ session_id: 'SES-CMD-1', response_url: resultUrl(emsp, 'silent') }),
        headers: { ...routeHeaders(emsp.party, cpo.party), 'x-correlation-id': 'cmd-corr-silent' },
      })
      expect(silent.status).toBe(200)
      expect(silent.body.status_code).toBe(4002)
      expect(silent.headers.get('x-correlation-id')).toBe('cmd-corr-silent')
      expect(Date.now() - started).toBeGreaterThanOrEqual(OUTBOUND_TIMEOUT_MS - 50)
      const hanging = cpo.platform.requestsTo('POST', '/2.3.0/receiver/commands/STOP_SESSION')
      const late = await cpo.call(callbackPath(callbackOf(hanging.at(-1)!)), {
        method: 'POST',
        body: aCommandResult(),
      })
      expect(late.status).toBe(404)
      expect(late.body.status_code).toBe(2001)
      await pause(OUTBOUND_TIMEOUT_MS)
      await expectOnly(before, new Map([[cpo, 1]]))
    })
  })
}
