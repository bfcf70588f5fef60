import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aLocation, anEvse } from '../../fixtures/locations.ts'
import { connectParty, eventually, QUIET_MS, type ConnectedParty } from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'
import { HbsSimulator, oicpDocumentsMissing } from '../../bridges/oicp/hbs-simulator.ts'
import { bridgedHubEnv } from '../../bridges/oicp/oicp-fixtures.ts'

const missing = oicpDocumentsMissing()
if (missing) console.warn(`OICP agreement tests skipped: ${missing}`)

interface AgreementView {
  id: string
}

/** The hub at Hubject as hub operator and hub provider DE*OPH, representing our OCPI CPO NL*CP1. */
const SETTINGS = {
  enabled: true,
  operator_id: 'DE*OPH',
  operator_name: 'Open OCPI Hub',
  provider_id: 'DE-OPH',
  represented_cpos: [{ country_code: 'NL', party_id: 'CP1' }],
  default_hotline_phone: '+31201234567',
  language: 'en',
}
const PROVIDER = { country_code: 'DE', party_id: 'OPH' }

const quiet = () => new Promise((resolve) => setTimeout(resolve, QUIET_MS * 2))

/**
 * In agreements mode the OICP bridge's hub provider (its eMSP party) stands for every EMP at HBS, and each
 * virtual CPO for its OICP operator (decision 0023): without an agreement nothing crosses either way.
 */
for (const engine of STORE_VARIANTS) {
  describe.skipIf(missing !== undefined)(`${engine}: agreements across the OICP bridge`, () => {
    let hbs: HbsSimulator
    let hub: TestHub
    let cpo: ConnectedParty
    let emsp: ConnectedParty

    const pushedToHbs = (evseId: string) =>
      hbs.requestsTo('/evsepush/').filter((request) => JSON.stringify(request.body).includes(evseId))

    beforeAll(async () => {
      hbs = await HbsSimulator.start({ subOperators: ['NL*CP1', 'DE*OPH'] })
      hub = await startTestHub(
        engine,
        bridgedHubEnv(hbs, {
          HUB_ROAMING_MODE: 'agreements',
        }),
      )
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1')
      expect((await hub.admin('PUT', '/bridges/oicp', SETTINGS)).status).toBe(200)
      // The OCPI eMSP roams with our CPO: it shows when a push has been broadcast.
      const created = await hub.admin<AgreementView>('POST', '/agreements', {
        cpo: cpo.party,
        emsp: emsp.party,
      })
      expect((await hub.admin('POST', `/agreements/${created.body.id}/accept`)).status).toBe(200)
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo?.platform.close(), emsp?.platform.close(), hbs?.close()])
    })

    it('sends nothing of a represented CPO to HBS without an agreement with the hub provider, not even in a full push', async () => {
      const pushed = await cpo.call('/receiver/locations/NL/CP1/LOC-OA-1', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-OA-1', evses: [anEvse('E1', {}, cpo.party)] }, cpo.party),
      })
      expect(pushed.body.status_code).toBe(1000)
      await eventually(() =>
        expect(emsp.inbox('locations').some((r) => r.path.endsWith('/LOC-OA-1'))).toBe(true),
      )
      const sync = await hub.admin<{ pushed: { sent: number } }>('POST', '/bridges/oicp/sync', {
        full_push: true,
      })
      expect(sync.status).toBe(200)
      expect(sync.body.pushed.sent).toBe(0)
      await quiet()
      expect(pushedToHbs('NL*CP1*EE1')).toEqual([])
    })

    it('an agreement with the hub provider pushes the Location to HBS at once, and ending it deletes its EVSEs there', async () => {
      const created = await hub.admin<AgreementView>('POST', '/agreements', {
        cpo: cpo.party,
        emsp: PROVIDER,
      })
      expect(created.status).toBe(201)
      expect((await hub.admin('POST', `/agreements/${created.body.id}/accept`)).status).toBe(200)
      await eventually(() => expect(hbs.statuses.get('NL*CP1*EE1')).toBe('Available'))

      expect((await hub.admin('POST', `/agreements/${created.body.id}/end`)).status).toBe(200)
      await eventually(() =>
        expect(
          pushedToHbs('NL*CP1*EE1').filter((request) => request.body['ActionType'] === 'delete'),
        ).toHaveLength(1),
      )
      expect(hbs.violations).toEqual([])
    })

    it('publishes an OICP operator’s EVSE to no OCPI eMSP without an agreement with its virtual CPO', async () => {
      hbs.addForeignEvse(
        {
          EvseID: 'DE*XYZ*E7',
          OperatorID: 'DE*XYZ',
          OperatorName: 'XYZ Strom',
          ChargingPoolID: 'DE*XYZ*P7',
          ChargingStationNames: [{ lang: 'de', value: 'Am Hof' }],
          Address: {
            Country: 'DEU',
            City: 'Bonn',
            Street: 'Am Hof',
            PostalCode: '53113',
            HouseNum: '1',
            TimeZone: 'UTC+01:00',
          },
          GeoCoordinates: { DecimalDegree: { Latitude: '50.733', Longitude: '7.101' } },
          Plugs: ['Type 2 Outlet'],
          ChargingFacilities: [{ PowerType: 'AC_3_PHASE', Power: 11, Voltage: 400, Amperage: 16 }],
          RenewableEnergy: false,
          CalibrationLawDataAvailability: 'Not Available',
          AuthenticationModes: ['REMOTE'],
          PaymentOptions: ['Contract'],
          ValueAddedServices: ['None'],
          Accessibility: 'Free publicly accessible',
          HotlinePhoneNumber: '+492281234',
          IsOpen24Hours: true,
          IsHubjectCompatible: true,
          DynamicInfoAvailable: 'true',
        },
        'Available',
      )
      const sync = await hub.admin('POST', '/bridges/oicp/sync', {})
      expect(sync.status, sync.text).toBe(200)
      const bridge = await hub.admin<{ virtual_cpos: { party_id: string }[] }>('GET', '/bridges/oicp')
      expect(bridge.body.virtual_cpos.map((party) => party.party_id)).toContain('XYZ')
      await quiet()
      expect(emsp.inbox('locations').filter((r) => r.path.includes('/DE/XYZ/'))).toEqual([])
      const read = await emsp.call<{ data: { party_id: string }[] }>('/sender/locations')
      expect(read.body.data.map((location) => location.party_id)).not.toContain('XYZ')
    })
  })
}
