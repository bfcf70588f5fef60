import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Value } from '@sinclair/typebox/value'
import { Location } from '../../../src/modules/locations/locations.schema.ts'
import type { CommandResult } from '../../../src/modules/commands/commands.schema.ts'
import { aCancelReservation, aReserveNow, aStartSession, aStopSession } from '../../fixtures/commands.ts'
import { aLocation, anEvse } from '../../fixtures/locations.ts'
import { envelope } from '../../support/fake-platform.ts'
import { connectParty, eventually, type ConnectedParty } from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'
import { HbsSimulator, oicpDocumentsMissing } from './hbs-simulator.ts'
import { aForeignEvse, BRIDGE_SETTINGS as SETTINGS, bridgedHubEnv } from './oicp-fixtures.ts'

const missing = oicpDocumentsMissing()
if (missing) console.warn(`OICP bridge tests skipped: ${missing}`)

for (const engine of STORE_VARIANTS) {
  describe.skipIf(missing !== undefined)(`${engine}: the OICP bridge to Hubject`, () => {
    let hbs: HbsSimulator
    let hub: TestHub
    let cpo: ConnectedParty
    let emsp: ConnectedParty
    let bridgePlatformId: string

    beforeAll(async () => {
      hbs = await HbsSimulator.start({ subOperators: ['NL*CP1', 'DE*OPH'] })
      hub = await startTestHub(engine, bridgedHubEnv(hbs))
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1')
      const configured = await hub.admin<{ platform_id: string; status: string }>(
        'PUT',
        '/bridges/oicp',
        SETTINGS,
      )
      expect(configured.status).toBe(200)
      expect(configured.body.status).toBe('CONNECTED')
      bridgePlatformId = configured.body.platform_id
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo?.platform.close(), emsp?.platform.close(), hbs?.close()])
    })

    it('pushes an OCPI CPO’s EVSE to HBS as EVSE data and status, valid per Hubject’s schema, and refuses the EVSE without evse_id with its reason', async () => {
      const location = aLocation(
        {
          id: 'LOC-OICP-1',
          evses: [anEvse('E1', {}, cpo.party), anEvse('E2', { evse_id: undefined }, cpo.party)],
          help_phone: '+31 30 123 4567',
        },
        cpo.party,
      )
      const pushed = await cpo.call('/receiver/locations/NL/CP1/LOC-OICP-1', {
        method: 'PUT',
        body: location,
      })
      expect(pushed.body.status_code).toBe(1000)
      const correlationId = pushed.headers.get('x-correlation-id')!

      await eventually(() => expect(hbs.statuses.get('NL*CP1*EE1')).toBe('Available'))
      const [data] = hbs.requestsTo('/evsepush/v23/operators/DE*OPH/data-records')
      expect(data!.body).toMatchObject({
        ActionType: 'insert',
        OperatorEvseData: {
          OperatorID: 'DE*OPH',
          EvseDataRecord: [
            {
              EvseID: 'NL*CP1*EE1',
              ChargingStationID: 'LOC-OICP-1',
              Address: { Country: 'NLD', City: 'Utrecht', Street: 'Voorbeeldstraat', HouseNum: '12' },
              Plugs: ['Type 2 Outlet'],
              ChargingFacilities: [{ PowerType: 'AC_3_PHASE', Power: 22, Voltage: 230, Amperage: 32 }],
              HotlinePhoneNumber: '+31301234567',
              AuthenticationModes: ['NFC RFID Classic', 'REMOTE'],
              IsHubjectCompatible: true,
            },
          ],
        },
      })
      // The EVSE without evse_id never reached HBS, whole or in part.
      expect(JSON.stringify(hbs.requests)).not.toContain('"E2"')
      expect(hbs.violations).toEqual([])

      const bridge = await hub.admin<{ refusals: { id: string; reason: string; correlation_id: string }[] }>(
        'GET',
        '/bridges/oicp',
      )
      expect(bridge.body.refusals).toContainEqual(
        expect.objectContaining({ id: 'LOC-OICP-1/E2', correlation_id: correlationId }),
      )
      expect(bridge.body.refusals[0]!.reason).toContain('no evse_id')

      // The OICP calls are in the message log, on the bridge's platform, with the OCPI push's correlation.
      await eventually(async () => {
        const log = await hub.admin<{
          messages: { path: string; platform_id: string; note: string | null }[]
        }>('GET', `/messages?correlation_id=${correlationId}`)
        const oicpCall = log.body.messages.find((m) => m.path.startsWith(`${hbs.url}/evsepush/v23/`))
        expect(oicpCall).toMatchObject({ platform_id: bridgePlatformId })
        expect(oicpCall!.note).toContain('no evse_id')
      })
      // The OCPI eMSP got the Location as before.
      await eventually(() =>
        expect(emsp.inbox('locations').some((r) => r.path.endsWith('/LOC-OICP-1'))).toBe(true),
      )
    })

    it('sends a status PATCH as a status push only, and a later data change as an update', async () => {
      const dataCalls = hbs.requestsTo('/data-records').length
      await cpo.call('/receiver/locations/NL/CP1/LOC-OICP-1/E1', {
        method: 'PATCH',
        body: { status: 'CHARGING', last_updated: '2026-12-06T10:00:00Z' },
      })
      await eventually(() => expect(hbs.statuses.get('NL*CP1*EE1')).toBe('Occupied'))
      expect(hbs.requestsTo('/data-records')).toHaveLength(dataCalls)

      await cpo.call('/receiver/locations/NL/CP1/LOC-OICP-1/E1', {
        method: 'PATCH',
        body: { floor_level: '-1', last_updated: '2026-12-06T10:05:00Z' },
      })
      await eventually(() => expect(hbs.requestsTo('/data-records')).toHaveLength(dataCalls + 1))
      expect(hbs.requestsTo('/data-records').at(-1)!.body).toMatchObject({
        ActionType: 'update',
        OperatorEvseData: { EvseDataRecord: [{ EvseID: 'NL*CP1*EE1', Address: { Floor: '-1' } }] },
      })
      expect(hbs.violations).toEqual([])
    })

    it('keeps pushes for HBS queued while it is down and sends them when it is back', async () => {
      hbs.unavailable = true
      await cpo.call('/receiver/locations/NL/CP1/LOC-OICP-1/E1', {
        method: 'PATCH',
        body: { status: 'AVAILABLE', last_updated: '2026-12-06T11:00:00Z' },
      })
      await eventually(async () => {
        const bridge = await hub.admin<{ health: { queued_to_hbs: number } }>('GET', '/bridges/oicp')
        expect(bridge.body.health.queued_to_hbs).toBeGreaterThan(0)
      })
      expect(hbs.statuses.get('NL*CP1*EE1')).toBe('Occupied')
      hbs.unavailable = false
      await eventually(() => expect(hbs.statuses.get('NL*CP1*EE1')).toBe('Available'), 20_000)
      expect(hbs.violations).toEqual([])
    })

    it('pushes nothing of a CPO the bridge does not represent, and a full push sends every EVSE of the represented ones as a fullLoad', async () => {
      const other = await connectParty(hub, 'CPO', 'NL', 'CP2')
      try {
        await other.call('/receiver/locations/NL/CP2/LOC-NOT-AT-HUBJECT', {
          method: 'PUT',
          body: aLocation({ id: 'LOC-NOT-AT-HUBJECT', evses: [anEvse('E9', {}, other.party)] }, other.party),
        })
        await eventually(() =>
          expect(emsp.inbox('locations').some((r) => r.path.endsWith('/LOC-NOT-AT-HUBJECT'))).toBe(true),
        )
        const sync = await hub.admin<{ pushed: { sent: number; refused: number } }>(
          'POST',
          '/bridges/oicp/sync',
          {
            full_push: true,
          },
        )
        expect(sync.status).toBe(200)
        expect(sync.body.pushed).toEqual({ sent: 1, refused: 1 })
        const fullLoads = hbs.requestsTo('/evsepush/').filter((r) => r.body['ActionType'] === 'fullLoad')
        expect(fullLoads.map((r) => r.path)).toEqual([
          '/evsepush/v23/operators/DE*OPH/data-records',
          '/evsepush/v21/operators/DE*OPH/status-records',
        ])
        expect(fullLoads[0]!.body).toMatchObject({
          OperatorEvseData: { EvseDataRecord: [{ EvseID: 'NL*CP1*EE1' }] },
        })
        expect(JSON.stringify(hbs.requests)).not.toContain('NL*CP2')
        expect(hbs.violations).toEqual([])
      } finally {
        await other.platform.close()
      }
    })

    it('publishes an OICP CPO’s EVSE from HBS as a Location of a virtual CPO party, received by the OCPI eMSP', async () => {
      hbs.addForeignEvse(aForeignEvse('DE*ABC*E100'), 'Available')
      const sync = await hub.admin<{ pulled: { operators: string[]; mode: string } }>(
        'POST',
        '/bridges/oicp/sync',
        {},
      )
      expect(sync.status).toBe(200)
      // A delta pull: the first (full) one ran with the full push above.
      expect(sync.body.pulled).toMatchObject({ operators: ['DE*ABC'], mode: 'delta' })

      const [delivered] = await emsp.platform.waitForRequests('/2.3.0/receiver/locations/DE/ABC', 1)
      const location = delivered!.body as Location
      expect(Value.Errors(Location, location).First()).toBeUndefined()
      expect(location).toMatchObject({
        country_code: 'DE',
        party_id: 'ABC',
        id: 'DE*ABC*P1',
        address: 'Marktplatz 3',
        city: 'Köln',
        country: 'DEU',
        coordinates: { latitude: '50.937531', longitude: '6.960279' },
        time_zone: 'Etc/GMT-1',
        operator: { name: 'ABC Laden GmbH' },
        evses: [
          {
            uid: 'DE*ABC*E100',
            evse_id: 'DE*ABC*E100',
            status: 'AVAILABLE',
            capabilities: ['REMOTE_START_STOP_CAPABLE', 'RFID_READER'],
            connectors: [
              {
                id: '1',
                standard: 'IEC_62196_T2',
                format: 'SOCKET',
                power_type: 'AC_3_PHASE',
                max_electric_power: 22000,
              },
              {
                id: '2',
                standard: 'IEC_62196_T2_COMBO',
                format: 'CABLE',
                power_type: 'DC',
                max_electric_power: 150000,
              },
            ],
          },
        ],
      })
      // Our own CPO's EVSE, which HBS returns too, is not published back.
      expect(emsp.inbox('locations').filter((r) => r.path.includes('/DE/OPH/'))).toEqual([])
      // The OCPI partners learn the virtual CPO like any party.
      const bridge = await hub.admin<{ virtual_cpos: unknown[] }>('GET', '/bridges/oicp')
      expect(bridge.body.virtual_cpos).toEqual([{ country_code: 'DE', party_id: 'ABC', status: 'CONNECTED' }])
      expect(hbs.violations).toEqual([])
    })

    it('turns an HBS status change into an OCPI EVSE PATCH on the next (delta) pull, and an unchanged one into nothing', async () => {
      hbs.statuses.set('DE*ABC*E100', 'Occupied')
      const sync = await hub.admin<{ pulled: { mode: string } }>('POST', '/bridges/oicp/sync', {})
      expect(sync.body.pulled.mode).toBe('delta')
      const patches = await emsp.platform.waitForRequests(
        '/2.3.0/receiver/locations/DE/ABC/DE*ABC*P1/DE*ABC*E100',
        1,
      )
      expect(patches[0]).toMatchObject({ method: 'PATCH', body: { status: 'CHARGING' } })

      const before = emsp.inbox('locations').length
      await hub.admin('POST', '/bridges/oicp/sync', {})
      await new Promise((resolve) => setTimeout(resolve, 250))
      expect(emsp.inbox('locations')).toHaveLength(before)
      expect(hbs.violations).toEqual([])
    })
    /** The eMSP's own response_url for one command, on its fake platform, answering the result with 1000. */
    function resultUrl(name: string): { url: string; path: string } {
      const path = `/2.3.0/sender/commands/results/${name}`
      emsp.platform.answer('POST', path, () => ({ status: 200, body: envelope(null) }))
      return { url: `${emsp.platform.url}${path}`, path }
    }

    it('turns an OCPI eMSP’s START_SESSION at the OICP EVSE into a schema-valid eRoamingAuthorizeRemoteStart, and HBS’s acknowledgement into the CommandResult; STOP_SESSION of that session stops it at HBS', async () => {
      const start = resultUrl('oicp-start')
      const started = await emsp.call('/receiver/commands/START_SESSION', {
        method: 'POST',
        body: aStartSession(
          { response_url: start.url, location_id: 'DE*ABC*P1', evse_uid: 'DE*ABC*E100', connector_id: '1' },
          emsp.party,
        ),
      })
      expect(started.body).toMatchObject({ status_code: 1000, data: { result: 'ACCEPTED' } })
      const correlationId = started.headers.get('x-correlation-id')!

      const [startResult] = await emsp.platform.waitForRequests(start.path, 1)
      expect(startResult!.body).toMatchObject({ result: 'ACCEPTED' })
      expect(startResult!.headers['ocpi-from-party-id']).toBe('ABC')
      const [remoteStart] = hbs.requestsTo('/authorize-remote/start')
      expect(remoteStart).toMatchObject({
        path: '/charging/v21/providers/DE-OPH/authorize-remote/start',
        body: {
          ProviderID: 'DE-OPH',
          EvseID: 'DE*ABC*E100',
          EMPPartnerSessionID: 'AUTH-FIXTURE-1',
          Identification: { RemoteIdentification: { EvcoID: 'DE-EM1-C00000042-7' } },
        },
      })
      const sessionId = String(remoteStart!.body['SessionID'])
      expect(hbs.remoteSessions.get(sessionId)).toEqual({ evseId: 'DE*ABC*E100', state: 'started' })
      // The eMSP learns the session id (the OICP SessionID) from the result.
      expect(JSON.stringify(startResult!.body)).toContain(sessionId)
      // The call to HBS is in the message log with the command's correlation id.
      await eventually(async () => {
        const log = await hub.admin<{ messages: { path: string }[] }>(
          'GET',
          `/messages?correlation_id=${correlationId}`,
        )
        expect(log.body.messages.map((m) => m.path)).toContain(
          `${hbs.url}/charging/v21/providers/DE-OPH/authorize-remote/start`,
        )
      })

      // No TO: the hub remembered which CPO the session is at.
      const stop = resultUrl('oicp-stop')
      const stopped = await emsp.call('/receiver/commands/STOP_SESSION', {
        method: 'POST',
        body: aStopSession({ response_url: stop.url, session_id: sessionId }),
      })
      expect(stopped.body).toMatchObject({ status_code: 1000, data: { result: 'ACCEPTED' } })
      const [stopResult] = await emsp.platform.waitForRequests(stop.path, 1)
      expect(stopResult!.body).toEqual({ result: 'ACCEPTED' })
      expect(hbs.requestsTo('/authorize-remote/stop').at(-1)).toMatchObject({
        path: '/charging/v21/providers/DE-OPH/authorize-remote/stop',
        body: { SessionID: sessionId, ProviderID: 'DE-OPH', EvseID: 'DE*ABC*E100' },
      })
      expect(hbs.remoteSessions.get(sessionId)?.state).toBe('stopped')

      // The next driver starts at the same EVSE: a session of its own.
      const again = resultUrl('oicp-start-again')
      await emsp.call('/receiver/commands/START_SESSION', {
        method: 'POST',
        body: aStartSession(
          { response_url: again.url, location_id: 'DE*ABC*P1', evse_uid: 'DE*ABC*E100' },
          emsp.party,
        ),
      })
      const [againResult] = await emsp.platform.waitForRequests(again.path, 1)
      expect(againResult!.body).toMatchObject({ result: 'ACCEPTED' })
      expect([...hbs.remoteSessions.values()].map((session) => session.state)).toEqual(['stopped', 'started'])
      expect(hbs.violations).toEqual([])
    })

    it('reports HBS’s refusal of a remote start as a REJECTED CommandResult, refuses a contract id OICP cannot carry at once, and answers UNKNOWN_SESSION for a session it never started', async () => {
      hbs.remoteStartRefusal = { code: '602', info: 'EVSE is already in use' }
      try {
        const refused = resultUrl('oicp-refused')
        const answer = await emsp.call('/receiver/commands/START_SESSION', {
          method: 'POST',
          body: aStartSession(
            { response_url: refused.url, location_id: 'DE*ABC*P1', evse_uid: 'DE*ABC*E100' },
            emsp.party,
          ),
        })
        expect(answer.body).toMatchObject({ data: { result: 'ACCEPTED' } })
        const [result] = await emsp.platform.waitForRequests(refused.path, 1)
        const body = result!.body as CommandResult
        expect(body.result).toBe('REJECTED')
        expect(body.message![0]!.text).toContain('OICP 602')
      } finally {
        hbs.remoteStartRefusal = undefined
      }

      const remoteStarts = hbs.requestsTo('/authorize-remote/start').length
      const notEmaid = aStartSession(
        { response_url: resultUrl('oicp-not-emaid').url, location_id: 'DE*ABC*P1', evse_uid: 'DE*ABC*E100' },
        emsp.party,
      )
      const rejected = await emsp.call('/receiver/commands/START_SESSION', {
        method: 'POST',
        body: { ...notEmaid, token: { ...notEmaid.token, contract_id: 'EM1-CONTRACT-42' } },
      })
      expect(rejected.body).toMatchObject({ status_code: 1000, data: { result: 'REJECTED' } })
      expect(JSON.stringify(rejected.body)).toContain('not an EMAID')
      expect(hbs.requestsTo('/authorize-remote/start')).toHaveLength(remoteStarts)

      const unknown = await emsp.call('/receiver/commands/STOP_SESSION', {
        method: 'POST',
        headers: {
          'ocpi-to-country-code': 'DE',
          'ocpi-to-party-id': 'ABC',
          'ocpi-from-country-code': 'DE',
          'ocpi-from-party-id': 'EM1',
        },
        body: aStopSession({
          response_url: resultUrl('oicp-unknown').url,
          session_id: '00000000-0000-0000-0000-000000000000',
        }),
      })
      expect(unknown.body).toMatchObject({ data: { result: 'UNKNOWN_SESSION' } })
      expect(hbs.requestsTo('/authorize-remote/stop')).toHaveLength(1)
      expect(hbs.violations).toEqual([])
    })

    it('turns an OCPI eMSP’s RESERVE_NOW at the OICP EVSE into a schema-valid eRoamingAuthorizeRemoteReservationStart (expiry_date as Duration) and CANCEL_RESERVATION of it, routed without TO, into the ReservationStop of the same SessionID, each with HBS’s acknowledgement as the CommandResult', async () => {
      const reserve = resultUrl('oicp-reserve')
      const reserved = await emsp.call('/receiver/commands/RESERVE_NOW', {
        method: 'POST',
        body: aReserveNow(
          {
            response_url: reserve.url,
            location_id: 'DE*ABC*P1',
            evse_uid: 'DE*ABC*E100',
            reservation_id: 'RES-OICP-1',
            expiry_date: new Date(Date.now() + 30 * 60_000).toISOString(),
          },
          emsp.party,
        ),
      })
      expect(reserved.body).toMatchObject({ status_code: 1000, data: { result: 'ACCEPTED' } })
      const [reserveResult] = await emsp.platform.waitForRequests(reserve.path, 1)
      expect(reserveResult!.body).toEqual({ result: 'ACCEPTED' })
      expect(reserveResult!.headers['ocpi-from-party-id']).toBe('ABC')
      const [start] = hbs.requestsTo('/reservation-start-request')
      expect(start).toMatchObject({
        path: '/reservation/v11/providers/DE-OPH/reservation-start-request',
        body: {
          ProviderID: 'DE-OPH',
          EvseID: 'DE*ABC*E100',
          EMPPartnerSessionID: 'AUTH-FIXTURE-1',
          Identification: { RemoteIdentification: { EvcoID: 'DE-EM1-C00000042-7' } },
          Duration: 30,
        },
      })
      const sessionId = String(start!.body['SessionID'])
      expect(hbs.reservations.get(sessionId)).toEqual({
        evseId: 'DE*ABC*E100',
        duration: 30,
        state: 'reserved',
      })

      // No TO: the hub remembered which CPO holds the reservation, the bridge its SessionID.
      const cancel = resultUrl('oicp-cancel')
      const cancelled = await emsp.call('/receiver/commands/CANCEL_RESERVATION', {
        method: 'POST',
        body: aCancelReservation({ response_url: cancel.url, reservation_id: 'RES-OICP-1' }),
      })
      expect(cancelled.body).toMatchObject({ status_code: 1000, data: { result: 'ACCEPTED' } })
      const [cancelResult] = await emsp.platform.waitForRequests(cancel.path, 1)
      expect(cancelResult!.body).toEqual({ result: 'ACCEPTED' })
      expect(hbs.requestsTo('/reservation-stop-request')).toMatchObject([
        {
          path: '/reservation/v11/providers/DE-OPH/reservation-stop-request',
          body: { SessionID: sessionId, ProviderID: 'DE-OPH', EvseID: 'DE*ABC*E100' },
        },
      ])
      expect(hbs.reservations.get(sessionId)?.state).toBe('cancelled')
      expect(hbs.violations).toEqual([])
    })

    it('refuses a reservation OICP cannot hold (over 99 minutes) at once, reports HBS’s refusal as a REJECTED CommandResult, and rejects the cancel of a reservation it never made', async () => {
      const starts = hbs.requestsTo('/reservation-start-request').length
      const tooLong = await emsp.call('/receiver/commands/RESERVE_NOW', {
        method: 'POST',
        body: aReserveNow(
          {
            response_url: resultUrl('oicp-reserve-long').url,
            location_id: 'DE*ABC*P1',
            evse_uid: 'DE*ABC*E100',
            reservation_id: 'RES-OICP-2',
            expiry_date: new Date(Date.now() + 3 * 3600_000).toISOString(),
          },
          emsp.party,
        ),
      })
      expect(tooLong.body).toMatchObject({ status_code: 1000, data: { result: 'REJECTED' } })
      expect(JSON.stringify(tooLong.body)).toContain('at most 99')
      expect(hbs.requestsTo('/reservation-start-request')).toHaveLength(starts)

      hbs.reservationRefusal = { code: '601', info: 'EVSE is already reserved' }
      try {
        const refused = resultUrl('oicp-reserve-refused')
        const answer = await emsp.call('/receiver/commands/RESERVE_NOW', {
          method: 'POST',
          body: aReserveNow(
            {
              response_url: refused.url,
              location_id: 'DE*ABC*P1',
              evse_uid: 'DE*ABC*E100',
              reservation_id: 'RES-OICP-3',
              expiry_date: new Date(Date.now() + 15 * 60_000).toISOString(),
            },
            emsp.party,
          ),
        })
        expect(answer.body).toMatchObject({ data: { result: 'ACCEPTED' } })
        const [result] = await emsp.platform.waitForRequests(refused.path, 1)
        const body = result!.body as CommandResult
        expect(body.result).toBe('REJECTED')
        expect(body.message![0]!.text).toContain('OICP 601')
      } finally {
        hbs.reservationRefusal = undefined
      }

      const unknown = await emsp.call('/receiver/commands/CANCEL_RESERVATION', {
        method: 'POST',
        headers: {
          'ocpi-to-country-code': 'DE',
          'ocpi-to-party-id': 'ABC',
          'ocpi-from-country-code': 'DE',
          'ocpi-from-party-id': 'EM1',
        },
        body: aCancelReservation({
          response_url: resultUrl('oicp-cancel-unknown').url,
          reservation_id: 'RES-OICP-3',
        }),
      })
      expect(unknown.body).toMatchObject({ status_code: 1000, data: { result: 'REJECTED' } })
      expect(JSON.stringify(unknown.body)).toContain('no reservation RES-OICP-3')
      expect(hbs.requestsTo('/reservation-stop-request')).toHaveLength(1)
      expect(hbs.violations).toEqual([])
    })
  })
}
