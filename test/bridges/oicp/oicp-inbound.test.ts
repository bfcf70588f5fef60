import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CommandResult } from '../../../src/modules/commands/commands.schema.ts'
import { aLocation, anEvse } from '../../fixtures/locations.ts'
import { aCdr } from '../../fixtures/cdrs.ts'
import { aSession } from '../../fixtures/sessions.ts'
import { aStartSession } from '../../fixtures/commands.ts'
import { Value } from '@sinclair/typebox/value'
import { Session } from '../../../src/modules/sessions/sessions.schema.ts'
import { Cdr } from '../../../src/modules/cdrs/cdrs.schema.ts'
import { aToken } from '../../fixtures/tokens.ts'
import {
  AuthorizationInfo as AuthorizationInfoSchema,
  type AuthorizationInfo,
} from '../../../src/modules/tokens/tokens.schema.ts'
import { envelope } from '../../support/fake-platform.ts'
import type { RecordedRequest } from '../../support/fake-platform.ts'
import { connectParty, eventually, routeHeaders, type ConnectedParty } from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { freePort, startTestHub, type TestHub } from '../../support/test-hub.ts'
import { HbsSimulator, oicpDocumentsMissing } from './hbs-simulator.ts'
import { BRIDGE_SETTINGS } from './oicp-fixtures.ts'

/**
 * HBS calling the hub (OICP_INBOUND_PORT): an OICP EMP's remote start and stop at our OCPI CPO's EVSE
 * become START_SESSION / STOP_SESSION from a virtual eMSP party, and the CPO's results HBS's answers.
 */
const missing = oicpDocumentsMissing()
if (missing) console.warn(`OICP inbound tests skipped: ${missing}`)

/** A driver of the OICP EMP DE*8EO (written for this test): its EvcoID names the EMP. */
const EVCO_ID = 'DE-8EO-CAET5E4XY-3'
const EMP = { country_code: 'DE', party_id: '8EO' }
const START_PATH = '/charging/v21/providers/DE*8EO/authorize-remote/start'
const STOP_PATH = '/charging/v21/providers/DE*8EO/authorize-remote/stop'
const RESERVE_PATH = '/reservation/v11/providers/DE*8EO/reservation-start-request'
const CANCEL_PATH = '/reservation/v11/providers/DE*8EO/reservation-stop-request'

function aRemoteStart(sessionId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    SessionID: sessionId,
    EMPPartnerSessionID: `emp-${sessionId.slice(0, 8)}`,
    ProviderID: 'DE*8EO',
    EvseID: 'NL*CP1*EE1',
    Identification: { RemoteIdentification: { EvcoID: EVCO_ID } },
    ...overrides,
  }
}

for (const engine of STORE_VARIANTS) {
  describe.skipIf(missing !== undefined)(`${engine}: HBS calling the hub's OICP listener`, () => {
    let hbs: HbsSimulator
    let hub: TestHub
    let cpo: ConnectedParty
    let oicpUrl: string
    /** What the CPO's charge point does with the next command: its CommandResult, sent after the answer. */
    let nextResult: CommandResult['result'] = 'ACCEPTED'

    /** The CPO answers a command ACCEPTED, then POSTs `nextResult` to the hub callback it was given. */
    function answerCommands(name: string): void {
      cpo.platform.answer('POST', `/2.3.0/receiver/commands/${name}`, (request: RecordedRequest) => {
        const callback = new URL((request.body as { response_url: string }).response_url)
        const result = nextResult
        setImmediate(() => {
          void cpo.call(callback.pathname.replace('/ocpi/2.3.0', ''), {
            method: 'POST',
            body: { result },
          })
        })
        return { status: 200, body: envelope({ result: 'ACCEPTED', timeout: 30 }) }
      })
    }

    beforeAll(async () => {
      hbs = await HbsSimulator.start({ subOperators: ['NL*CP1'] })
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
      await cpo.call('/receiver/locations/NL/CP1/LOC-HBS-1', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-HBS-1', evses: [anEvse('E1', {}, cpo.party)] }, cpo.party),
      })
      // HBS holds the EVSE: the hub knows its EvseID.
      await eventually(() => expect(hbs.statuses.get('NL*CP1*EE1')).toBe('Available'))
      answerCommands('START_SESSION')
      answerCommands('STOP_SESSION')
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo?.platform.close(), hbs?.close()])
    })

    it('turns HBS’s eRoamingAuthorizeRemoteStart into START_SESSION at the CPO from the EMP’s virtual eMSP, answers HBS from the CommandResult, stops the session the CPO reported, and sends HBS its ChargingNotifications Start and End and its CDR', async () => {
      const sessionId = 'b2688855-7f00-0002-6d8e-48d883f6abb6'
      const session = {
        id: 'SES-HBS-1',
        authorization_reference: sessionId,
        location_id: 'LOC-HBS-1',
        evse_uid: 'E1',
        start_date_time: '2026-03-02T10:00:00Z',
        cdr_token: { ...EMP, uid: EVCO_ID, type: 'APP_USER' as const, contract_id: EVCO_ID },
      }
      const started = await hbs.forwardToHub(oicpUrl, START_PATH, aRemoteStart(sessionId))
      expect(started).toEqual({
        status: 200,
        body: {
          Result: true,
          StatusCode: { Code: '000' },
          SessionID: sessionId,
          EMPPartnerSessionID: 'emp-b2688855',
        },
      })
      const [command] = cpo.platform.requestsTo('POST', '/2.3.0/receiver/commands/START_SESSION')
      expect(command!.headers['ocpi-from-country-code']).toBe('DE')
      expect(command!.headers['ocpi-from-party-id']).toBe('8EO')
      expect(command!.body).toMatchObject({
        token: { ...EMP, uid: EVCO_ID, contract_id: EVCO_ID, type: 'APP_USER', valid: true },
        location_id: 'LOC-HBS-1',
        evse_uid: 'E1',
        authorization_reference: sessionId,
      })
      // The EMP's virtual eMSP is shown with the bridge; the hub provider (its own eMSP) is not.
      const bridge = await hub.admin<{ virtual_emsps: unknown[] }>('GET', '/bridges/oicp')
      expect(bridge.body.virtual_emsps).toEqual([{ ...EMP, status: 'CONNECTED' }])

      // Before the CPO reported the session, HBS cannot stop it by its OCPI id.
      const early = await hbs.forwardToHub(oicpUrl, STOP_PATH, {
        SessionID: sessionId,
        ProviderID: 'DE*8EO',
        EvseID: 'NL*CP1*EE1',
      })
      expect(early.body).toMatchObject({ Result: false, StatusCode: { Code: '400' } })

      const reported = await cpo.call('/receiver/sessions/NL/CP1/SES-HBS-1', {
        method: 'PUT',
        headers: routeHeaders(cpo.party, EMP),
        body: aSession(session, cpo.party, EMP),
      })
      expect(reported.body.status_code).toBe(1000)
      // HBS hears of the charge: a ChargingNotification Start, schema-valid.
      await eventually(() => expect(hbs.requestsTo('/charging-notifications')).toHaveLength(1))
      expect(hbs.requestsTo('/charging-notifications')[0]!.body).toEqual({
        Type: 'Start',
        SessionID: sessionId,
        EMPPartnerSessionID: 'emp-b2688855',
        CPOPartnerSessionID: 'SES-HBS-1',
        OperatorID: 'DE*OPH',
        EvseID: 'NL*CP1*EE1',
        Identification: { RemoteIdentification: { EvcoID: EVCO_ID } },
        ChargingStart: session.start_date_time,
        SessionStart: session.start_date_time,
      })
      await eventually(async () => {
        const stopped = await hbs.forwardToHub(oicpUrl, STOP_PATH, {
          SessionID: sessionId,
          ProviderID: 'DE*8EO',
          EvseID: 'NL*CP1*EE1',
        })
        expect(stopped.body).toEqual({ Result: true, StatusCode: { Code: '000' }, SessionID: sessionId })
      })
      const [stop] = cpo.platform.requestsTo('POST', '/2.3.0/receiver/commands/STOP_SESSION')
      expect(stop!.body).toMatchObject({ session_id: 'SES-HBS-1' })
      expect(stop!.headers['ocpi-from-party-id']).toBe('8EO')

      // The session ends: a ChargingNotification End once, then the CDR as eRoamingChargeDetailRecord.
      const ended = {
        ...session,
        status: 'COMPLETED' as const,
        end_date_time: '2026-03-02T11:00:00Z',
        kwh: 12.5,
      }
      // A PATCH names the session by its OCPI id only; the PUT after it sends no second End.
      const patched = await cpo.call('/receiver/sessions/NL/CP1/SES-HBS-1', {
        method: 'PATCH',
        headers: routeHeaders(cpo.party, EMP),
        body: {
          status: 'COMPLETED',
          end_date_time: ended.end_date_time,
          kwh: ended.kwh,
          last_updated: '2026-03-02T11:00:00Z',
        },
      })
      expect(patched.body.status_code).toBe(1000)
      await cpo.call('/receiver/sessions/NL/CP1/SES-HBS-1', {
        method: 'PUT',
        headers: routeHeaders(cpo.party, EMP),
        body: aSession({ ...ended, last_updated: '2026-03-02T11:00:05Z' }, cpo.party, EMP),
      })
      await eventually(() => expect(hbs.requestsTo('/charging-notifications')).toHaveLength(2))
      expect(hbs.requestsTo('/charging-notifications')[1]!.body).toMatchObject({
        Type: 'End',
        SessionID: sessionId,
        ChargingEnd: '2026-03-02T11:00:00Z',
        SessionEnd: '2026-03-02T11:00:00Z',
        ConsumedEnergy: 12.5,
      })
      const cdr = aCdr(
        {
          id: 'CDR-HBS-1',
          session_id: 'SES-HBS-1',
          authorization_reference: sessionId,
          cdr_token: session.cdr_token,
        },
        cpo.party,
        EMP,
      )
      const posted = await cpo.call('/receiver/cdrs', {
        method: 'POST',
        headers: routeHeaders(cpo.party, EMP),
        body: cdr,
      })
      expect(posted.body.status_code).toBe(1000)
      await eventually(() => expect(hbs.requestsTo('/charge-detail-record')).toHaveLength(1))
      expect(hbs.requestsTo('/charge-detail-record')[0]).toMatchObject({
        path: '/cdrmgmt/v22/operators/DE*OPH/charge-detail-record',
        body: {
          SessionID: sessionId,
          CPOPartnerSessionID: 'SES-HBS-1',
          EvseID: 'NL*CP1*EE1',
          Identification: { RemoteIdentification: { EvcoID: EVCO_ID } },
          SessionStart: cdr.start_date_time,
          SessionEnd: cdr.end_date_time,
          ConsumedEnergy: cdr.total_energy,
        },
      })
      // Prices stay at the hub: OICP's CDR is a metering record.
      expect(JSON.stringify(hbs.requestsTo('/charge-detail-record'))).not.toContain('EUR')
      expect(hbs.requestsTo('/charging-notifications')).toHaveLength(2)
      expect(hbs.violations).toEqual([])
    })

    it('answers HBS’s eRoamingAuthorizeStart for our eMSP’s RFID card with the eMSP’s real-time answer, asked by the OICP CPO’s virtual party, and NotAuthorized at once for a card no eMSP shared', async () => {
      const emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1')
      try {
        const uid = '04A1B2C3D4E581'
        const pushed = await emsp.call(`/receiver/tokens/DE/EM1/${uid}?type=RFID`, {
          method: 'PUT',
          body: aToken({ uid, whitelist: 'NEVER' }, emsp.party),
        })
        expect(pushed.body.status_code).toBe(1000)
        let allowed: AuthorizationInfo['allowed'] = 'ALLOWED'
        emsp.platform.answer('POST', `/2.3.0/sender/tokens/${uid}/authorize`, () => ({
          status: 200,
          body: envelope({ allowed, token: aToken({ uid, whitelist: 'NEVER' }, emsp.party) }),
        }))
        const authorizeStart = (cardUid: string) =>
          hbs.forwardToHub(oicpUrl, '/charging/v21/operators/DE*ABC/authorize/start', {
            SessionID: 'a1577744-6eff-0001-5c7d-37c772e59aa5',
            OperatorID: 'DE*ABC',
            EvseID: 'DE*ABC*E100',
            Identification: { RFIDMifareFamilyIdentification: { UID: cardUid } },
          })

        const authorized = await authorizeStart(uid)
        expect(authorized.body).toEqual({
          SessionID: 'a1577744-6eff-0001-5c7d-37c772e59aa5',
          ProviderID: 'DE*EM1',
          AuthorizationStatus: 'Authorized',
          StatusCode: { Code: '000' },
        })
        const [asked] = emsp.platform.requestsTo('POST', `/2.3.0/sender/tokens/${uid}/authorize`)
        expect(asked!.query).toBe('?type=RFID')
        expect(asked!.headers['ocpi-from-country-code']).toBe('DE')
        expect(asked!.headers['ocpi-from-party-id']).toBe('ABC')

        allowed = 'BLOCKED'
        expect((await authorizeStart(uid)).body).toMatchObject({
          AuthorizationStatus: 'NotAuthorized',
          StatusCode: { Code: '200' },
        })
        const asks = emsp.platform.requestsTo('POST', `/2.3.0/sender/tokens/${uid}/authorize`).length
        expect((await authorizeStart('0A0B0C0D')).body).toMatchObject({
          AuthorizationStatus: 'NotAuthorized',
          StatusCode: { Code: '102' },
        })
        expect(emsp.platform.requestsTo('POST', `/2.3.0/sender/tokens/${uid}/authorize`)).toHaveLength(asks)
        expect(hbs.violations).toEqual([])
      } finally {
        await emsp.platform.close()
      }
    })

    it('turns HBS’s ChargingNotifications Start and End of a session our eMSP started at an OICP CPO into that eMSP’s OCPI Session, ACTIVE then COMPLETED, and its ChargeDetailRecord into the eMSP’s unpriced OCPI CDR', async () => {
      const emsp = await connectParty(hub, 'EMSP', 'DE', 'EM2')
      try {
        hbs.addForeignEvse(
          {
            EvseID: 'DE*ABC*E200',
            OperatorID: 'DE*ABC',
            OperatorName: 'ABC Laden GmbH',
            ChargingPoolID: 'DE*ABC*P2',
            ChargingStationNames: [{ lang: 'de', value: 'Bahnhof' }],
            Address: {
              Country: 'DEU',
              City: 'Köln',
              Street: 'Bahnhofplatz',
              PostalCode: '50667',
              HouseNum: '1',
              TimeZone: 'UTC+01:00',
            },
            GeoCoordinates: { DecimalDegree: { Latitude: '50.942', Longitude: '6.958' } },
            Plugs: ['Type 2 Outlet'],
            ChargingFacilities: [{ PowerType: 'AC_3_PHASE', Power: 22, Voltage: 400, Amperage: 32 }],
            RenewableEnergy: false,
            CalibrationLawDataAvailability: 'Local',
            AuthenticationModes: ['REMOTE'],
            PaymentOptions: ['Contract'],
            ValueAddedServices: ['None'],
            Accessibility: 'Free publicly accessible',
            HotlinePhoneNumber: '+4922112345',
            IsOpen24Hours: true,
            IsHubjectCompatible: true,
            DynamicInfoAvailable: 'true',
          },
          'Available',
        )
        expect((await hub.admin('POST', '/bridges/oicp/sync', {})).status).toBe(200)
        await emsp.platform.waitForRequests('/2.3.0/receiver/locations/DE/ABC/DE*ABC*P2', 1)
        const resultPath = '/2.3.0/sender/commands/results/oicp-notified'
        emsp.platform.answer('POST', resultPath, () => ({ status: 200, body: envelope(null) }))
        const token = aToken({ contract_id: 'DE-EM2-C00000042-7' }, emsp.party)
        await emsp.call('/receiver/commands/START_SESSION', {
          method: 'POST',
          body: aStartSession(
            {
              response_url: `${emsp.platform.url}${resultPath}`,
              location_id: 'DE*ABC*P2',
              evse_uid: 'DE*ABC*E200',
              token,
            },
            emsp.party,
          ),
        })
        await emsp.platform.waitForRequests(resultPath, 1)
        const sessionId = [...hbs.remoteSessions].find(([, session]) => session.evseId === 'DE*ABC*E200')![0]
        const notify = (body: Record<string, unknown>) =>
          hbs.forwardToHub(oicpUrl, '/notificationmgmt/v11/charging-notifications', {
            SessionID: sessionId,
            EvseID: 'DE*ABC*E200',
            OperatorID: 'DE*ABC',
            ...body,
          })

        const started = await notify({
          Type: 'Start',
          Identification: { RemoteIdentification: { EvcoID: 'DE-EM2-C00000042-7' } },
          ChargingStart: '2026-12-06T21:00:00+01:00',
        })
        expect(started.body).toEqual({ Result: true, StatusCode: { Code: '000' }, SessionID: sessionId })
        const sessionPath = `/2.3.0/receiver/sessions/DE/ABC/${sessionId}`
        const [active] = emsp.platform.requestsTo('PUT', sessionPath)
        expect(Value.Errors(Session, active!.body).First()).toBeUndefined()
        expect(active!.body).toMatchObject({
          id: sessionId,
          status: 'ACTIVE',
          start_date_time: '2026-12-06T20:00:00.000Z',
          location_id: 'DE*ABC*P2',
          evse_uid: 'DE*ABC*E200',
          auth_method: 'COMMAND',
          cdr_token: { country_code: 'DE', party_id: 'EM2', contract_id: 'DE-EM2-C00000042-7' },
        })

        // No ChargingStart: Hubject's oneOf takes an End that has one for a Start too.
        const ended = await notify({
          Type: 'End',
          ChargingEnd: '2026-12-06T21:40:00+01:00',
          ConsumedEnergy: 14.2,
        })
        expect(ended.body).toMatchObject({ Result: true })
        const [completed] = emsp.platform.requestsTo('PATCH', sessionPath)
        expect(completed!.body).toMatchObject({
          status: 'COMPLETED',
          kwh: 14.2,
          end_date_time: '2026-12-06T20:40:00.000Z',
        })

        const stranger = await notify({
          SessionID: 'f7b333aa-2e55-0007-b2d3-931d38ebf10b',
          Type: 'Start',
          ChargingStart: '2026-12-06T21:00:00+01:00',
        })
        expect(stranger.body).toMatchObject({ Result: false, StatusCode: { Code: '400' } })
        expect(emsp.platform.requestsUnder('/2.3.0/receiver/sessions')).toHaveLength(2)

        // The OICP CPO's CDR, through HBS: the eMSP's OCPI CDR from the virtual CPO, unpriced.
        const record = (overrides: Record<string, unknown> = {}) =>
          hbs.forwardToHub(oicpUrl, '/cdrmgmt/v22/operators/DE*ABC/charge-detail-record', {
            SessionID: sessionId,
            EvseID: 'DE*ABC*E200',
            Identification: { RemoteIdentification: { EvcoID: 'DE-EM2-C00000042-7' } },
            SessionStart: '2026-12-06T20:57:00+01:00',
            ChargingStart: '2026-12-06T21:00:00+01:00',
            ChargingEnd: '2026-12-06T21:40:00+01:00',
            SessionEnd: '2026-12-06T21:43:00+01:00',
            ConsumedEnergy: 14.2,
            ...overrides,
          })
        const elsewhere = await record({ EvseID: 'DE*ABC*E999' })
        expect(elsewhere.body).toMatchObject({ Result: false, StatusCode: { Code: '400' } })
        const unknown = await record({ SessionID: 'f7b333aa-2e55-0007-b2d3-931d38ebf10b' })
        expect(unknown.body).toMatchObject({ Result: false, StatusCode: { Code: '400' } })
        expect(emsp.platform.requestsUnder('/2.3.0/receiver/cdrs')).toHaveLength(0)
        const recorded = await record()
        expect(recorded.body).toEqual({ Result: true, StatusCode: { Code: '000' }, SessionID: sessionId })
        const [cdr] = emsp.platform.requestsUnder('/2.3.0/receiver/cdrs')
        expect(cdr!.method).toBe('POST')
        expect(Value.Errors(Cdr, cdr!.body).First()).toBeUndefined()
        expect(cdr!.body).toMatchObject({
          country_code: 'DE',
          party_id: 'ABC',
          id: sessionId,
          session_id: sessionId,
          authorization_reference: sessionId,
          start_date_time: '2026-12-06T19:57:00.000Z',
          end_date_time: '2026-12-06T20:43:00.000Z',
          cdr_token: {
            country_code: 'DE',
            party_id: 'EM2',
            contract_id: 'DE-EM2-C00000042-7',
            type: 'APP_USER',
          },
          auth_method: 'COMMAND',
          cdr_location: {
            id: 'DE*ABC*P2',
            city: 'Köln',
            country: 'DEU',
            evse_uid: 'DE*ABC*E200',
            evse_id: 'DE*ABC*E200',
            connector_standard: 'IEC_62196_T2',
            connector_power_type: 'AC_3_PHASE',
          },
          currency: 'EUR',
          total_cost: { before_taxes: 0 },
          total_energy: 14.2,
          total_time: 0.7666666666666667,
          total_parking_time: 0.05,
          charging_periods: [
            {
              start_date_time: '2026-12-06T20:00:00.000Z',
              dimensions: [
                { type: 'ENERGY', volume: 14.2 },
                { type: 'TIME', volume: 0.6666666666666666 },
              ],
            },
            {
              start_date_time: '2026-12-06T20:40:00.000Z',
              dimensions: [{ type: 'PARKING_TIME', volume: 0.05 }],
            },
          ],
        })
        expect(hbs.violations).toEqual([])
      } finally {
        await emsp.platform.close()
      }
    })

    it('asks HBS with eRoamingAuthorizeStart about a token no eMSP of the hub shared, when our represented CPO authorizes it, and answers with what Hubject’s EMP said', async () => {
      hbs.authorizedIds.set('04A2B3C4D5E6F7', 'DE*8EO')
      const authorize = (uid: string) =>
        cpo.call(`/sender/tokens/${uid}/authorize?type=RFID`, {
          method: 'POST',
          body: { location_id: 'LOC-HBS-1', evse_uids: ['E1'] },
        })
      const allowed = await authorize('04A2B3C4D5E6F7')
      expect(allowed.body).toMatchObject({
        status_code: 1000,
        data: {
          allowed: 'ALLOWED',
          token: { country_code: 'DE', party_id: '8EO', uid: '04A2B3C4D5E6F7', type: 'RFID' },
        },
      })
      expect(
        Value.Errors(AuthorizationInfoSchema, (allowed.body as { data: unknown }).data).First(),
      ).toBeUndefined()
      const [asked] = hbs.requestsTo('/authorize/start')
      expect(asked!.body).toEqual({
        OperatorID: 'DE*OPH',
        EvseID: 'NL*CP1*EE1',
        Identification: { RFIDMifareFamilyIdentification: { UID: '04A2B3C4D5E6F7' } },
      })
      const unknown = await authorize('DEADBEEF')
      expect(unknown.body).toMatchObject({ status_code: 1000, data: { allowed: 'NOT_ALLOWED' } })
      expect(hbs.requestsTo('/authorize/start')).toHaveLength(2)
      expect(hbs.violations).toEqual([])
    })

    it('answers HBS Result false with the code and the reason: the CPO’s EVSE_OCCUPIED, an EVSE the hub does not represent, a body that is no remote start, a stop of a session it never started', async () => {
      nextResult = 'EVSE_OCCUPIED'
      try {
        const occupied = await hbs.forwardToHub(
          oicpUrl,
          START_PATH,
          aRemoteStart('c3799966-8a11-0003-7e9f-59e994a7bcc7'),
        )
        expect(occupied.body).toMatchObject({ Result: false, StatusCode: { Code: '602' } })
        expect(String((occupied.body['StatusCode'] as { AdditionalInfo: string }).AdditionalInfo)).toContain(
          'EVSE_OCCUPIED',
        )
      } finally {
        nextResult = 'ACCEPTED'
      }

      const commands = () => cpo.platform.requestsTo('POST', '/2.3.0/receiver/commands/START_SESSION').length
      const before = commands()
      const unknown = await hbs.forwardToHub(
        oicpUrl,
        START_PATH,
        aRemoteStart('d4800077-9b22-0004-8fa0-60fa05b8cdd8', { EvseID: 'NL*CP1*E404' }),
      )
      expect(unknown.body).toMatchObject({ Result: false, StatusCode: { Code: '603' } })
      expect(JSON.stringify(unknown.body)).toContain('NL*CP1*E404')

      const malformed = await hbs.forwardToHub(
        oicpUrl,
        START_PATH,
        { SessionID: 'not-a-guid', ProviderID: 'DE*8EO' },
        { unchecked: true },
      )
      expect(malformed.status).toBe(200)
      expect(malformed.body).toMatchObject({ Result: false, StatusCode: { Code: '022' } })
      expect(commands()).toBe(before)

      const stranger = await hbs.forwardToHub(oicpUrl, STOP_PATH, {
        SessionID: 'e5911188-0c33-0005-90b1-71fb16c9dee9',
        ProviderID: 'DE*8EO',
        EvseID: 'NL*CP1*EE1',
      })
      expect(stranger.body).toMatchObject({ Result: false, StatusCode: { Code: '400' } })
      expect(cpo.platform.requestsTo('POST', '/2.3.0/receiver/commands/STOP_SESSION')).toHaveLength(1)
      expect(hbs.violations).toEqual([])
    })

    /** A second Location of the CPO whose one EVSE R1 (NL*CP1*ER1) can be reserved, once HBS holds it. */
    async function pushReservableEvse(): Promise<void> {
      if (hbs.statuses.has('NL*CP1*ER1')) return
      await cpo.call('/receiver/locations/NL/CP1/LOC-HBS-2', {
        method: 'PUT',
        body: aLocation(
          {
            id: 'LOC-HBS-2',
            evses: [
              anEvse(
                'R1',
                { capabilities: ['RFID_READER', 'REMOTE_START_STOP_CAPABLE', 'RESERVABLE'] },
                cpo.party,
              ),
            ],
          },
          cpo.party,
        ),
      })
      await eventually(() => expect(hbs.statuses.get('NL*CP1*ER1')).toBe('Available'))
      answerCommands('RESERVE_NOW')
      answerCommands('CANCEL_RESERVATION')
    }

    it('turns HBS’s eRoamingAuthorizeRemoteReservationStart into RESERVE_NOW at the CPO from the EMP’s virtual eMSP (the SessionID as reservation_id, the Duration as expiry_date) and its ReservationStop into CANCEL_RESERVATION of the same reservation, answering HBS from the CommandResults', async () => {
      await pushReservableEvse()
      const sessionId = 'a7c1d2e3-1111-0008-9abc-0123456789ab'
      const reservation = {
        SessionID: sessionId,
        ProviderID: 'DE*8EO',
        EvseID: 'NL*CP1*ER1',
        Identification: { RemoteIdentification: { EvcoID: EVCO_ID } },
        Duration: 20,
      }
      const asked = Date.now()
      const reserved = await hbs.forwardToHub(oicpUrl, RESERVE_PATH, reservation)
      const answered = Date.now()
      expect(reserved).toEqual({
        status: 200,
        body: { Result: true, StatusCode: { Code: '000' }, SessionID: sessionId },
      })
      const [command] = cpo.platform.requestsTo('POST', '/2.3.0/receiver/commands/RESERVE_NOW')
      expect(command!.headers['ocpi-from-country-code']).toBe('DE')
      expect(command!.headers['ocpi-from-party-id']).toBe('8EO')
      const body = command!.body as { expiry_date: string }
      expect(body).toMatchObject({
        token: { ...EMP, uid: EVCO_ID, contract_id: EVCO_ID, type: 'APP_USER', valid: true },
        reservation_id: sessionId,
        location_id: 'LOC-HBS-2',
        evse_uid: 'R1',
        authorization_reference: sessionId,
      })
      // Twenty minutes from when the hub took the call.
      const expiry = Date.parse(body.expiry_date)
      expect(expiry).toBeGreaterThanOrEqual(asked + 20 * 60_000)
      expect(expiry).toBeLessThanOrEqual(answered + 20 * 60_000)

      // A stop naming another EVSE is not this reservation's.
      const elsewhere = await hbs.forwardToHub(oicpUrl, CANCEL_PATH, {
        SessionID: sessionId,
        ProviderID: 'DE*8EO',
        EvseID: 'NL*CP1*EE1',
      })
      expect(elsewhere.body).toMatchObject({ Result: false, StatusCode: { Code: '400' } })
      expect(cpo.platform.requestsTo('POST', '/2.3.0/receiver/commands/CANCEL_RESERVATION')).toHaveLength(0)

      const cancelled = await hbs.forwardToHub(oicpUrl, CANCEL_PATH, {
        SessionID: sessionId,
        ProviderID: 'DE*8EO',
        EvseID: 'NL*CP1*ER1',
      })
      expect(cancelled.body).toEqual({ Result: true, StatusCode: { Code: '000' }, SessionID: sessionId })
      const [cancel] = cpo.platform.requestsTo('POST', '/2.3.0/receiver/commands/CANCEL_RESERVATION')
      expect(cancel!.body).toMatchObject({ reservation_id: sessionId })
      expect(cancel!.headers['ocpi-from-party-id']).toBe('8EO')
      expect(hbs.violations).toEqual([])
    })

    it('answers HBS’s reservations Result false with the code and the reason: an EVSE that is not RESERVABLE, one the hub does not represent, the CPO’s REJECTED, a stop of a reservation it never made', async () => {
      await pushReservableEvse()
      const reserve = (sessionId: string, evseId: string) =>
        hbs.forwardToHub(oicpUrl, RESERVE_PATH, {
          SessionID: sessionId,
          ProviderID: 'DE*8EO',
          EvseID: evseId,
          Identification: { RemoteIdentification: { EvcoID: EVCO_ID } },
        })
      const commands = () => cpo.platform.requestsTo('POST', '/2.3.0/receiver/commands/RESERVE_NOW').length
      const before = commands()

      const notReservable = await reserve('b8d2e3f4-2222-0009-abcd-123456789abc', 'NL*CP1*EE1')
      expect(notReservable.body).toMatchObject({ Result: false, StatusCode: { Code: '320' } })
      const reason = (notReservable.body['StatusCode'] as { AdditionalInfo: string }).AdditionalInfo
      expect(reason).toContain('RESERVABLE')
      const unknown = await reserve('c9e3f405-3333-000a-bcde-23456789abcd', 'NL*CP1*E404')
      expect(unknown.body).toMatchObject({ Result: false, StatusCode: { Code: '603' } })
      expect(commands()).toBe(before)
      // The refusal's reason is in the message log, with HBS's call on the bridge's platform.
      const bridge = await hub.admin<{ platform_id: string }>('GET', '/bridges/oicp')
      await eventually(async () => {
        const log = await hub.admin<{ messages: { path: string; response_body: string | null }[] }>(
          'GET',
          `/messages?party=${bridge.body.platform_id}`,
        )
        const refusal = log.body.messages.find(
          (m) => m.path.endsWith('/reservation-start-request') && m.response_body?.includes('RESERVABLE'),
        )
        expect(refusal).toBeDefined()
      })

      nextResult = 'REJECTED'
      try {
        const rejected = await reserve('d0f40516-4444-000b-cdef-3456789abcde', 'NL*CP1*ER1')
        expect(rejected.body).toMatchObject({ Result: false, StatusCode: { Code: '602' } })
        expect(JSON.stringify(rejected.body)).toContain('REJECTED')
        expect(commands()).toBe(before + 1)
      } finally {
        nextResult = 'ACCEPTED'
      }

      const stranger = await hbs.forwardToHub(oicpUrl, CANCEL_PATH, {
        SessionID: 'e1051627-5555-000c-def0-456789abcdef',
        ProviderID: 'DE*8EO',
        EvseID: 'NL*CP1*ER1',
      })
      expect(stranger.body).toMatchObject({ Result: false, StatusCode: { Code: '400' } })
      expect(hbs.violations).toEqual([])
    })
  })
}
