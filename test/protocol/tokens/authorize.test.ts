import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PartyRef } from '../../../src/core/party.ts'
import type { AuthorizationInfo, LocationReferences } from '../../../src/modules/tokens/tokens.schema.ts'
import { aToken } from '../../fixtures/tokens.ts'
import { envelope, type FakePlatform, type RecordedRequest } from '../../support/fake-platform.ts'
import {
  connectParty,
  HUB_PARTY,
  routeHeaders,
  trafficCounter,
  type ConnectedParty,
} from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

/** Short, as a hub operator would set it; far below OUTBOUND_TIMEOUT_MS so the 4002 test shows which one applied. */
const AUTHORIZATION_TIMEOUT_MS = 400
const OUTBOUND_TIMEOUT_MS = 3000

/** Requests a platform got on its SENDER interfaces: where an authorize lands (broadcast tokens go to RECEIVERs). */
function senderRequests(platform: FakePlatform): RecordedRequest[] {
  return platform.requestsUnder('/2.3.0/sender/')
}

function authorizePath(uid: string): string {
  return `/2.3.0/sender/tokens/${uid}/authorize`
}

function fromHeaders(party: PartyRef): Record<string, string> {
  return { 'ocpi-from-country-code': party.country_code, 'ocpi-from-party-id': party.party_id }
}

const AT_LOC_1: LocationReferences = { location_id: 'LOC-AUTH-1', evse_uids: ['EVSE-1', 'EVSE-2'] }

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: real-time token authorization through the hub`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let otherCpo: ConnectedParty
    let emsp: ConnectedParty
    let otherEmsp: ConnectedParty
    let everyone: ConnectedParty[]

    beforeAll(async () => {
      hub = await startTestHub(engine, {
        AUTHORIZATION_TIMEOUT_MS: String(AUTHORIZATION_TIMEOUT_MS),
        OUTBOUND_TIMEOUT_MS: String(OUTBOUND_TIMEOUT_MS),
        DELIVERY_POLL_INTERVAL_MS: '50',
      })
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

    /** After a request: only the named party got one more request of this kind, nobody else any. */
    const { now: countsNow, expectOnly: expectOnlyReached } = trafficCounter(
      () => everyone,
      (p) => senderRequests(p.platform).length,
    )

    /** An eMSP broadcasts a token (no TO): the hub stores it, which fills its token index. */
    async function broadcastToken(owner: ConnectedParty, uid: string, type = 'RFID'): Promise<void> {
      const token = aToken({ uid, type, whitelist: 'NEVER' }, owner.party)
      const response = await owner.call(
        `/receiver/tokens/${owner.party.country_code}/${owner.party.party_id}/${uid}?type=${type}`,
        { method: 'PUT', body: token },
      )
      expect(response.status).toBe(201)
      expect(response.body.status_code).toBe(1000)
    }

    function authorizationInfo(
      owner: PartyRef,
      uid: string,
      allowed: AuthorizationInfo['allowed'],
    ): AuthorizationInfo {
      return {
        allowed,
        token: aToken({ uid, whitelist: 'NEVER' }, owner),
        location: { location_id: 'LOC-AUTH-1', evse_uids: ['EVSE-2'] },
        authorization_reference: `REF-${uid}`,
      }
    }

    it('[TO = eMSP] forwards to that eMSP only, with the LocationReferences, ?type=, routing headers and correlation id, and relays its AuthorizationInfo unchanged', async () => {
      const before = countsNow()
      const answer = envelope(authorizationInfo(emsp.party, 'TOK-TO-1', 'ALLOWED'), 1000, 'enjoy')
      emsp.platform.answer('POST', authorizePath('TOK-TO-1'), () => ({ status: 200, body: answer }))

      const response = await cpo.call('/sender/tokens/TOK-TO-1/authorize?type=RFID', {
        method: 'POST',
        body: AT_LOC_1,
        headers: {
          ...routeHeaders(cpo.party, emsp.party),
          'x-request-id': 'auth-request-1',
          'x-correlation-id': 'auth-correlation-1',
        },
      })

      expect(response.status).toBe(200)
      expect(response.body).toEqual(answer)
      expect(response.headers.get('x-request-id')).toBe('auth-request-1')
      expect(response.headers.get('x-correlation-id')).toBe('auth-correlation-1')
      expect(response.headers.get('ocpi-from-country-code')).toBe('DE')
      expect(response.headers.get('ocpi-from-party-id')).toBe('EM1')
      expect(response.headers.get('ocpi-to-country-code')).toBe('NL')
      expect(response.headers.get('ocpi-to-party-id')).toBe('CP1')

      const forwarded = emsp.platform.requestsTo('POST', authorizePath('TOK-TO-1'))
      expect(forwarded).toHaveLength(1)
      expect(forwarded[0]!.query).toBe('?type=RFID')
      expect(forwarded[0]!.body).toEqual(AT_LOC_1)
      expect(forwarded[0]!.token).toBe(emsp.platform.tokenFromHub)
      expect(forwarded[0]!.headers['x-request-id']).toBeTruthy()
      expect(forwarded[0]!.headers['x-request-id']).not.toBe('auth-request-1')
      expect(forwarded[0]!.headers['x-correlation-id']).toBe('auth-correlation-1')
      expect(forwarded[0]!.headers['ocpi-from-country-code']).toBe('NL')
      expect(forwarded[0]!.headers['ocpi-from-party-id']).toBe('CP1')
      expect(forwarded[0]!.headers['ocpi-to-country-code']).toBe('DE')
      expect(forwarded[0]!.headers['ocpi-to-party-id']).toBe('EM1')
      await expectOnlyReached(before, emsp)
    })

    it('[token index] without TO, the eMSP that broadcast the token (uid case-insensitive, ?type= kept) is asked, and its BLOCKED is relayed as a success', async () => {
      await broadcastToken(otherEmsp, 'IDX-APP-1', 'APP_USER')
      const before = countsNow()
      const answer = envelope(authorizationInfo(otherEmsp.party, 'IDX-APP-1', 'BLOCKED'))
      otherEmsp.platform.answer('POST', authorizePath('idx-app-1'), () => ({ status: 200, body: answer }))

      const response = await cpo.call('/sender/tokens/idx-app-1/authorize?type=APP_USER', {
        method: 'POST',
        headers: { 'x-correlation-id': 'auth-correlation-2' },
      })

      expect(response.status).toBe(200)
      expect(response.body).toEqual(answer)
      expect(response.headers.get('x-correlation-id')).toBe('auth-correlation-2')
      expect(response.headers.get('ocpi-from-party-id')).toBe('EM2')
      expect(response.headers.get('ocpi-to-party-id')).toBe('CP1')
      const forwarded = otherEmsp.platform.requestsTo('POST', authorizePath('idx-app-1'))
      expect(forwarded).toHaveLength(1)
      expect(forwarded[0]!.query).toBe('?type=APP_USER')
      expect(forwarded[0]!.body).toBeUndefined()
      expect(forwarded[0]!.headers['x-correlation-id']).toBe('auth-correlation-2')
      // The hub filled in the destination it found; FROM is the CPO, which sent no routing headers at all.
      expect(forwarded[0]!.headers['ocpi-from-country-code']).toBe('NL')
      expect(forwarded[0]!.headers['ocpi-from-party-id']).toBe('CP1')
      expect(forwarded[0]!.headers['ocpi-to-country-code']).toBe('DE')
      expect(forwarded[0]!.headers['ocpi-to-party-id']).toBe('EM2')
      await expectOnlyReached(before, otherEmsp)
    })

    it('[token index] without ?type= the token is an RFID token: found as RFID and forwarded with ?type=RFID', async () => {
      await broadcastToken(emsp, 'IDX-RFID-1')
      const before = countsNow()
      const answer = envelope(authorizationInfo(emsp.party, 'IDX-RFID-1', 'ALLOWED'))
      emsp.platform.answer('POST', authorizePath('IDX-RFID-1'), () => ({ status: 200, body: answer }))

      const response = await otherCpo.call('/sender/tokens/IDX-RFID-1/authorize', {
        method: 'POST',
        body: AT_LOC_1,
        headers: fromHeaders(otherCpo.party),
      })

      expect(response.status).toBe(200)
      expect(response.body).toEqual(answer)
      const forwarded = emsp.platform.requestsTo('POST', authorizePath('IDX-RFID-1'))
      expect(forwarded).toHaveLength(1)
      expect(forwarded[0]!.query).toBe('?type=RFID')
      expect(forwarded[0]!.headers['ocpi-from-party-id']).toBe('CP2')
      await expectOnlyReached(before, emsp)

      // The same uid as an APP_USER token is another token, which nobody shared.
      const otherType = await otherCpo.call('/sender/tokens/IDX-RFID-1/authorize?type=APP_USER', {
        method: 'POST',
      })
      expect(otherType.status).toBe(404)
      expect(otherType.body.status_code).toBe(2004)
      await expectOnlyReached(
        before.map((c, i) => (everyone[i] === emsp ? c + 1 : c)),
        undefined,
      )
    })

    it("[eMSP: unknown token] the eMSP's HTTP 404 + 2004 goes back to the CPO as it is", async () => {
      const before = countsNow()
      const refusal = envelope(null, 2004, 'EM1 never issued this token')
      emsp.platform.answer('POST', authorizePath('TOK-UNKNOWN-AT-EMSP'), () => ({
        status: 404,
        body: refusal,
      }))

      const response = await cpo.call('/sender/tokens/TOK-UNKNOWN-AT-EMSP/authorize', {
        method: 'POST',
        body: AT_LOC_1,
        headers: routeHeaders(cpo.party, emsp.party),
      })

      expect(response.status).toBe(404)
      expect(response.body).toEqual(refusal)
      expect(response.headers.get('ocpi-from-party-id')).toBe('EM1')
      expect(response.headers.get('ocpi-to-party-id')).toBe('CP1')
      await expectOnlyReached(before, emsp)
    })

    it('[eMSP: not enough information] a 2002 from the eMSP is relayed unchanged too', async () => {
      const before = countsNow()
      const refusal = envelope(null, 2002, 'send LocationReferences')
      emsp.platform.answer('POST', authorizePath('TOK-NEEDS-LOC'), () => ({ status: 200, body: refusal }))

      const response = await cpo.call('/sender/tokens/TOK-NEEDS-LOC/authorize', {
        method: 'POST',
        headers: routeHeaders(cpo.party, emsp.party),
      })

      expect(response.status).toBe(200)
      expect(response.body).toEqual(refusal)
      await expectOnlyReached(before, emsp)
    })

    it('[hub: unknown token] a token in no index and without TO is HTTP 404 + 2004 from the hub, and nobody is asked', async () => {
      const before = countsNow()
      const response = await cpo.call('/sender/tokens/NOBODY-HAS-THIS/authorize?type=RFID', {
        method: 'POST',
        body: AT_LOC_1,
        headers: { 'x-correlation-id': 'auth-correlation-unknown' },
      })

      expect(response.status).toBe(404)
      expect(response.body.status_code).toBe(2004)
      expect(response.body.data).toBeUndefined()
      expect(response.body.status_message).toContain('NOBODY-HAS-THIS')
      expect(response.headers.get('x-correlation-id')).toBe('auth-correlation-unknown')
      expect(response.headers.get('ocpi-from-country-code')).toBe(HUB_PARTY.country_code)
      expect(response.headers.get('ocpi-from-party-id')).toBe(HUB_PARTY.party_id)
      await expectOnlyReached(before, undefined)
    })

    it('[hub: unknown receiver] TO naming a party the hub does not know is 4001, nobody is asked', async () => {
      const before = countsNow()
      const response = await cpo.call('/sender/tokens/TOK-TO-1/authorize', {
        method: 'POST',
        headers: routeHeaders(cpo.party, { country_code: 'FR', party_id: 'XYZ' }),
      })
      expect(response.status).toBe(200)
      expect(response.body.status_code).toBe(4001)
      await expectOnlyReached(before, undefined)
    })

    it('[two eMSPs, same uid] open routing cannot choose: 2001, nobody is asked; with TO the named one is', async () => {
      await broadcastToken(emsp, 'SHARED-UID-1')
      await broadcastToken(otherEmsp, 'SHARED-UID-1')
      const before = countsNow()

      const ambiguous = await cpo.call('/sender/tokens/SHARED-UID-1/authorize', {
        method: 'POST',
        body: AT_LOC_1,
      })
      expect(ambiguous.status).toBe(200)
      expect(ambiguous.body.status_code).toBe(2001)
      expect(ambiguous.body.status_message).toContain('OCPI-to-*')
      await expectOnlyReached(before, undefined)

      const answer = envelope(authorizationInfo(otherEmsp.party, 'SHARED-UID-1', 'ALLOWED'))
      otherEmsp.platform.answer('POST', authorizePath('SHARED-UID-1'), () => ({ status: 200, body: answer }))
      const named = await cpo.call('/sender/tokens/SHARED-UID-1/authorize', {
        method: 'POST',
        body: AT_LOC_1,
        headers: routeHeaders(cpo.party, otherEmsp.party),
      })
      expect(named.status).toBe(200)
      expect(named.body).toEqual(answer)
      expect(emsp.platform.requestsTo('POST', authorizePath('SHARED-UID-1'))).toHaveLength(0)
      expect(otherEmsp.platform.requestsTo('POST', authorizePath('SHARED-UID-1'))).toHaveLength(1)
      await expectOnlyReached(before, otherEmsp)
    })

    it('[timeout] an eMSP that does not answer within AUTHORIZATION_TIMEOUT_MS is 4002, well before OUTBOUND_TIMEOUT_MS', async () => {
      await broadcastToken(emsp, 'TOK-SLOW-1')
      const before = countsNow()
      emsp.platform.hang('POST', authorizePath('TOK-SLOW-1'))

      const started = Date.now()
      const response = await cpo.call('/sender/tokens/TOK-SLOW-1/authorize', {
        method: 'POST',
        body: AT_LOC_1,
      })
      const elapsed = Date.now() - started

      expect(response.status).toBe(200)
      expect(response.body.status_code).toBe(4002)
      expect(elapsed).toBeGreaterThanOrEqual(AUTHORIZATION_TIMEOUT_MS - 50)
      expect(elapsed).toBeLessThan(OUTBOUND_TIMEOUT_MS - 500)
      expect(emsp.platform.requestsTo('POST', authorizePath('TOK-SLOW-1'))).toHaveLength(1)
      await expectOnlyReached(before, emsp)
    })

    it('[offline eMSP] an eMSP whose server is away is 4003', async () => {
      const away = await connectParty(hub, 'EMSP', 'DE', 'EM3')
      try {
        await broadcastToken(away, 'TOK-AWAY-1')
        const before = countsNow()
        away.platform.setDown(true)

        const response = await cpo.call('/sender/tokens/TOK-AWAY-1/authorize', {
          method: 'POST',
          body: AT_LOC_1,
        })

        expect(response.status).toBe(200)
        expect(response.body.status_code).toBe(4003)
        expect(away.platform.requestsTo('POST', authorizePath('TOK-AWAY-1'))).toHaveLength(0)
        await expectOnlyReached(before, undefined)
      } finally {
        away.platform.setDown(false)
        await away.platform.close()
      }
    })

    it('[wrong role] an eMSP cannot ask for an authorization through the hub, neither by TO nor by index: 2001', async () => {
      await broadcastToken(otherEmsp, 'TOK-EMSP-ASKS')
      const before = countsNow()

      const byTo = await emsp.call('/sender/tokens/TOK-EMSP-ASKS/authorize', {
        method: 'POST',
        body: AT_LOC_1,
        headers: routeHeaders(emsp.party, otherEmsp.party),
      })
      expect(byTo.status).toBe(200)
      expect(byTo.body.status_code).toBe(2001)
      expect(byTo.body.status_message).toContain('CPO')

      const byIndex = await emsp.call('/sender/tokens/TOK-EMSP-ASKS/authorize', {
        method: 'POST',
        body: AT_LOC_1,
      })
      expect(byIndex.status).toBe(200)
      expect(byIndex.body.status_code).toBe(2001)
      await expectOnlyReached(before, undefined)
    })

    it('[bad input] LocationReferences without location_id, or TO = the hub, are 2001 and nobody is asked', async () => {
      const before = countsNow()
      const badBody = await cpo.call('/sender/tokens/TOK-TO-1/authorize', {
        method: 'POST',
        body: { evse_uids: ['EVSE-1'] },
        headers: routeHeaders(cpo.party, emsp.party),
      })
      expect(badBody.status).toBe(200)
      expect(badBody.body.status_code).toBe(2001)
      expect(badBody.body.status_message).toContain('location_id')

      const toHub = await cpo.call('/sender/tokens/TOK-TO-1/authorize', {
        method: 'POST',
        body: AT_LOC_1,
        headers: routeHeaders(cpo.party, HUB_PARTY),
      })
      expect(toHub.status).toBe(200)
      expect(toHub.body.status_code).toBe(2001)

      const tooLong = await cpo.call(`/sender/tokens/${'U'.repeat(37)}/authorize`, {
        method: 'POST',
        headers: routeHeaders(cpo.party, emsp.party),
      })
      expect(tooLong.status).toBe(200)
      expect(tooLong.body.status_code).toBe(2001)
      await expectOnlyReached(before, undefined)
    })
  })
}
