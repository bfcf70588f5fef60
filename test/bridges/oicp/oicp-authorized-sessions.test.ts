import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CommandResult } from '../../../src/modules/commands/commands.schema.ts'
import { aCdr } from '../../fixtures/cdrs.ts'
import { aLocation, anEvse } from '../../fixtures/locations.ts'
import { aSession } from '../../fixtures/sessions.ts'
import { envelope, type RecordedRequest } from '../../support/fake-platform.ts'
import { connectParty, eventually, routeHeaders, type ConnectedParty } from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { freePort, startTestHub, type TestHub } from '../../support/test-hub.ts'
import { HbsSimulator, oicpDocumentsMissing } from './hbs-simulator.ts'
import { BRIDGE_SETTINGS } from './oicp-fixtures.ts'

/**
 * A session HBS authorized for our OCPI CPO (eRoamingAuthorizeStart of a token no eMSP of the hub shared)
 * keeps HBS's SessionID: the CPO's Session and CDR reach HBS with it, and HBS's remote stop finds it.
 */
const missing = oicpDocumentsMissing()
if (missing) console.warn(`OICP authorized-session tests skipped: ${missing}`)

/** An RFID card of the OICP EMP DE*8EO (written for this test), which no eMSP of the hub shared. */
const CARD = '04A2B3C4D5E6F8'
const EMP = { country_code: 'DE', party_id: '8EO' }

for (const engine of STORE_VARIANTS) {
  describe.skipIf(missing !== undefined)(`${engine}: sessions HBS authorized for our CPO`, () => {
    let hbs: HbsSimulator
    let hub: TestHub
    let cpo: ConnectedParty
    let oicpUrl: string

    beforeAll(async () => {
      hbs = await HbsSimulator.start({ subOperators: ['NL*CP1'] })
      hbs.authorizedIds.set(CARD, 'DE*8EO')
      const port = await freePort()
      oicpUrl = `http://127.0.0.1:${port}`
      hub = await startTestHub(engine, {
        OICP_BASE_URL: hbs.url,
        OICP_INBOUND_PORT: String(port),
        OICP_PULL_INTERVAL_SECONDS: '0',
        DELIVERY_POLL_INTERVAL_MS: '50',
      })
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      expect((await hub.admin('PUT', '/bridges/oicp', BRIDGE_SETTINGS)).status).toBe(200)
      await cpo.call('/receiver/locations/NL/CP1/LOC-AUTH-1', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-AUTH-1', evses: [anEvse('E1', {}, cpo.party)] }, cpo.party),
      })
      await eventually(() => expect(hbs.statuses.get('NL*CP1*EE1')).toBe('Available'))
      // The CPO accepts a STOP_SESSION, then reports its result to the hub callback it was given.
      cpo.platform.answer('POST', '/2.3.0/receiver/commands/STOP_SESSION', (request: RecordedRequest) => {
        const callback = new URL((request.body as { response_url: string }).response_url)
        const result: CommandResult = { result: 'ACCEPTED' }
        setImmediate(() => {
          void cpo.call(callback.pathname.replace('/ocpi/2.3.0', ''), { method: 'POST', body: result })
        })
        return { status: 200, body: envelope({ result: 'ACCEPTED', timeout: 30 }) }
      })
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo?.platform.close(), hbs?.close()])
    })

    const authorize = (location_id: string, evseUid: string) =>
      cpo.call<{
        data: { allowed: string; authorization_reference?: string; token: Record<string, unknown> }
      }>(`/sender/tokens/${CARD}/authorize?type=RFID`, {
        method: 'POST',
        body: { location_id, evse_uids: [evseUid] },
      })

    it('names the EVSE to HBS also when the CPO writes its ids in lower case', async () => {
      const asked = hbs.requestsTo('/authorize/start').length
      const answer = await authorize('loc-auth-1', 'e1')
      expect(answer.body.data.allowed).toBe('ALLOWED')
      expect(hbs.requestsTo('/authorize/start')).toHaveLength(asked + 1)
      expect(hbs.requestsTo('/authorize/start').at(-1)!.body).toMatchObject({ EvseID: 'NL*CP1*EE1' })
      expect(hbs.violations).toEqual([])
    })

    it('sends the Session’s ChargingNotifications and its CDR with the SessionID HBS named, and HBS’s remote stop of that SessionID reaches the CPO', async () => {
      const answer = await authorize('LOC-AUTH-1', 'E1')
      const sessionId = hbs.grantedSessionIds.at(-1)!
      expect(answer.body.data).toMatchObject({
        allowed: 'ALLOWED',
        authorization_reference: sessionId,
        token: { ...EMP, uid: CARD, type: 'RFID' },
      })
      const session = {
        id: 'SES-AUTH-1',
        authorization_reference: sessionId,
        location_id: 'LOC-AUTH-1',
        evse_uid: 'E1',
        start_date_time: '2026-12-06T10:00:00Z',
        auth_method: 'AUTH_REQUEST' as const,
        cdr_token: { ...EMP, uid: CARD, type: 'RFID' as const, contract_id: CARD },
      }
      const reported = await cpo.call('/receiver/sessions/NL/CP1/SES-AUTH-1', {
        method: 'PUT',
        headers: routeHeaders(cpo.party, EMP),
        body: aSession(session, cpo.party, EMP),
      })
      expect(reported.body.status_code).toBe(1000)
      await eventually(() => expect(hbs.requestsTo('/charging-notifications')).toHaveLength(1))
      expect(hbs.requestsTo('/charging-notifications')[0]!.body).toEqual({
        Type: 'Start',
        SessionID: sessionId,
        EMPPartnerSessionID: `emp-${sessionId.slice(0, 8)}`,
        CPOPartnerSessionID: 'SES-AUTH-1',
        OperatorID: 'DE*OPH',
        EvseID: 'NL*CP1*EE1',
        Identification: { RFIDMifareFamilyIdentification: { UID: CARD } },
        ChargingStart: session.start_date_time,
        SessionStart: session.start_date_time,
      })

      const stopped = await hbs.forwardToHub(
        oicpUrl,
        '/charging/v21/providers/DE*8EO/authorize-remote/stop',
        {
          SessionID: sessionId,
          ProviderID: 'DE*8EO',
          EvseID: 'NL*CP1*EE1',
        },
      )
      expect(stopped.body).toMatchObject({ Result: true, SessionID: sessionId })
      const [stop] = cpo.platform.requestsTo('POST', '/2.3.0/receiver/commands/STOP_SESSION')
      expect(stop!.body).toMatchObject({ session_id: 'SES-AUTH-1' })

      await cpo.call('/receiver/sessions/NL/CP1/SES-AUTH-1', {
        method: 'PUT',
        headers: routeHeaders(cpo.party, EMP),
        body: aSession(
          {
            ...session,
            status: 'COMPLETED',
            end_date_time: '2026-12-06T11:00:00Z',
            kwh: 9.5,
            last_updated: '2026-12-06T11:00:05Z',
          },
          cpo.party,
          EMP,
        ),
      })
      await eventually(() => expect(hbs.requestsTo('/charging-notifications')).toHaveLength(2))
      expect(hbs.requestsTo('/charging-notifications')[1]!.body).toMatchObject({
        Type: 'End',
        SessionID: sessionId,
        ConsumedEnergy: 9.5,
      })
      const posted = await cpo.call('/receiver/cdrs', {
        method: 'POST',
        headers: routeHeaders(cpo.party, EMP),
        body: aCdr(
          {
            id: 'CDR-AUTH-1',
            session_id: 'SES-AUTH-1',
            authorization_reference: sessionId,
            cdr_token: session.cdr_token,
          },
          cpo.party,
          EMP,
        ),
      })
      expect(posted.body.status_code).toBe(1000)
      await eventually(() => expect(hbs.requestsTo('/charge-detail-record')).toHaveLength(1))
      expect(hbs.requestsTo('/charge-detail-record')[0]!.body).toMatchObject({
        SessionID: sessionId,
        EMPPartnerSessionID: `emp-${sessionId.slice(0, 8)}`,
        CPOPartnerSessionID: 'SES-AUTH-1',
        EvseID: 'NL*CP1*EE1',
        Identification: { RFIDMifareFamilyIdentification: { UID: CARD } },
      })
      expect(hbs.violations).toEqual([])
    })

    it('keeps the SessionID of an authorization that named no EVSE: the Session’s EVSE completes it, and its notifications, CDR and HBS’s remote stop carry it', async () => {
      const answer = await cpo.call<{ data: { allowed: string; authorization_reference?: string } }>(
        `/sender/tokens/${CARD}/authorize?type=RFID`,
        { method: 'POST' },
      )
      expect(hbs.requestsTo('/authorize/start').at(-1)!.body).not.toHaveProperty('EvseID')
      const sessionId = hbs.grantedSessionIds.at(-1)!
      expect(answer.body.data).toMatchObject({ allowed: 'ALLOWED', authorization_reference: sessionId })
      const notified = hbs.requestsTo('/charging-notifications').length
      const session = {
        id: 'SES-AUTH-2',
        authorization_reference: sessionId,
        // The CPO's own spelling of the ids: matched case-insensitively.
        location_id: 'loc-auth-1',
        evse_uid: 'e1',
        start_date_time: '2026-12-07T10:00:00Z',
        auth_method: 'AUTH_REQUEST' as const,
        cdr_token: { ...EMP, uid: CARD, type: 'RFID' as const, contract_id: CARD },
      }
      const reported = await cpo.call('/receiver/sessions/NL/CP1/SES-AUTH-2', {
        method: 'PUT',
        headers: routeHeaders(cpo.party, EMP),
        body: aSession(session, cpo.party, EMP),
      })
      expect(reported.body.status_code).toBe(1000)
      await eventually(() => expect(hbs.requestsTo('/charging-notifications')).toHaveLength(notified + 1))
      expect(hbs.requestsTo('/charging-notifications').at(-1)!.body).toMatchObject({
        Type: 'Start',
        SessionID: sessionId,
        EMPPartnerSessionID: `emp-${sessionId.slice(0, 8)}`,
        CPOPartnerSessionID: 'SES-AUTH-2',
        EvseID: 'NL*CP1*EE1',
      })

      const stopped = await hbs.forwardToHub(
        oicpUrl,
        '/charging/v21/providers/DE*8EO/authorize-remote/stop',
        { SessionID: sessionId, ProviderID: 'DE*8EO', EvseID: 'NL*CP1*EE1' },
      )
      expect(stopped.body).toMatchObject({ Result: true, SessionID: sessionId })
      const stop = cpo.platform.requestsTo('POST', '/2.3.0/receiver/commands/STOP_SESSION').at(-1)
      expect(stop!.body).toMatchObject({ session_id: 'SES-AUTH-2' })

      const cdrs = hbs.requestsTo('/charge-detail-record').length
      const posted = await cpo.call('/receiver/cdrs', {
        method: 'POST',
        headers: routeHeaders(cpo.party, EMP),
        body: aCdr(
          {
            id: 'CDR-AUTH-2',
            session_id: 'SES-AUTH-2',
            authorization_reference: sessionId,
            cdr_token: session.cdr_token,
          },
          cpo.party,
          EMP,
        ),
      })
      expect(posted.body.status_code).toBe(1000)
      await eventually(() => expect(hbs.requestsTo('/charge-detail-record')).toHaveLength(cdrs + 1))
      expect(hbs.requestsTo('/charge-detail-record').at(-1)!.body).toMatchObject({
        SessionID: sessionId,
        CPOPartnerSessionID: 'SES-AUTH-2',
        EvseID: 'NL*CP1*EE1',
      })
      expect(hbs.violations).toEqual([])
    })
  })
}
