import { Value } from '@sinclair/typebox/value'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Cdr } from '../../src/modules/cdrs/cdrs.schema.ts'
import { Session } from '../../src/modules/sessions/sessions.schema.ts'
import { envelope } from '../support/fake-platform.ts'
import { eventually, routeHeaders } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import {
  CHARGER,
  simulatedCharger,
  startHubAndMarketplace,
  type ChargerAnswer,
  type HubAndMarketplace,
  type ListingAnswer,
  type SimulatedCharger,
} from './support.ts'

const MARKETPLACE_CPO = { country_code: 'NL', party_id: 'SHR' }
const DRIVER_EMSP = { country_code: 'DE', party_id: 'DRV' }
const HOUR = 3_600_000

/** A roaming driver's token of the eMSP DE*DRV. */
const ROAMING_TOKEN = {
  ...DRIVER_EMSP,
  uid: 'DRV-TOKEN-0123456789-ABCDEFGHIJ',
  type: 'APP_USER',
  contract_id: 'DE-DRV-C12345678-X',
  issuer: 'Driver eMSP',
  valid: true,
  whitelist: 'ALLOWED',
  last_updated: '2026-12-01T10:00:00Z',
}

describe.each(STORE_VARIANTS)('managed home chargers over OCPP 1.6J (%s)', (engine) => {
  let network: HubAndMarketplace
  let listingId: string
  let charger: SimulatedCharger
  let chargerAnswer: ChargerAnswer
  let owner: string
  /** Meter readings the charger sends for the transaction, in Wh, each an hour apart from the start. */
  const started = new Date(Date.now() - 3 * HOUR)

  /** Sends a command from the eMSP through the hub to the marketplace's CPO; its CommandResponse. */
  async function command(name: string, body: Record<string, unknown>, ref: string) {
    const response = await network.emsp.call<{ status_code: number; data?: { result: string } }>(
      `/receiver/commands/${name}`,
      {
        method: 'POST',
        body: { response_url: `${network.emsp.platform.url}/2.3.0/results/${ref}`, ...body },
        headers: routeHeaders(DRIVER_EMSP, MARKETPLACE_CPO),
      },
    )
    expect(response.body.status_code, response.text).toBe(1000)
    return response.body.data?.result
  }

  async function resultOf(ref: string): Promise<unknown> {
    const [result] = await network.emsp.platform.waitForRequests(`/2.3.0/results/${ref}`, 1)
    return result!.body
  }

  beforeAll(async () => {
    network = await startHubAndMarketplace(engine)
    owner = await network.signUp('charger.owner@example.org')
    const listing = await network.api<ListingAnswer>(
      'POST',
      '/listings',
      { ...CHARGER, price_per_kwh: 0.3, price_per_session: 1, idle_fee_per_hour: 2 },
      owner,
    )
    expect(listing.status, listing.text).toBe(201)
    listingId = listing.body.id
  })

  afterAll(async () => {
    await charger?.close({ force: true })
    await network?.close()
  })

  it('connects a charger to a listing with a password only its owner sees, and refuses others', async () => {
    const connected = await network.api<ChargerAnswer>(
      'PUT',
      `/listings/${listingId}/charger`,
      { identity: 'HOME-CP-1' },
      owner,
    )
    expect(connected.status, connected.text).toBe(200)
    chargerAnswer = connected.body
    expect(chargerAnswer.ocpp_url).toBe(`${network.marketplaceUrl.replace('http', 'ws')}/ocpp/HOME-CP-1`)
    expect(chargerAnswer.password.length).toBeGreaterThanOrEqual(16)

    const stranger = await network.signUp('charger.stranger@example.org')
    const theirs = await network.api('GET', `/listings/${listingId}/charger`, undefined, stranger)
    expect(theirs.status).toBe(404)
    const hijack = await network.api(
      'PUT',
      `/listings/${listingId}/charger`,
      { identity: 'HIJACK' },
      stranger,
    )
    expect(hijack.status).toBe(404)
    const strangersListing = await network.api<ListingAnswer>('POST', '/listings', CHARGER, stranger)
    const sameIdentity = await network.api(
      'PUT',
      `/listings/${strangersListing.body.id}/charger`,
      { identity: 'HOME-CP-1' },
      stranger,
    )
    expect(sameIdentity.status).toBe(409)

    const impostor = simulatedCharger(chargerAnswer, 'a wrong password of some length')
    await expect(impostor.connect()).rejects.toThrow()
  })

  it('boots the charger and sends its status to every eMSP as the EVSE status', async () => {
    charger = simulatedCharger(chargerAnswer)
    charger.handle('RemoteStartTransaction', ({ params }) => {
      // Accept first, then start as a charger does once the car is plugged in.
      setTimeout(() => {
        void charger
          .call('StartTransaction', {
            connectorId: 1,
            idTag: params['idTag'],
            meterStart: 1000,
            timestamp: started.toISOString(),
          })
          .then(async (answer) => {
            const transactionId = answer['transactionId']
            const reading = (hours: number, wh: number) => ({
              timestamp: new Date(started.getTime() + hours * HOUR).toISOString(),
              sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }],
            })
            await charger.call('StatusNotification', {
              connectorId: 1,
              errorCode: 'NoError',
              status: 'Charging',
            })
            await charger.call('MeterValues', {
              connectorId: 1,
              transactionId,
              meterValue: [reading(0.5, 5000)],
            })
            await charger.call('MeterValues', {
              connectorId: 1,
              transactionId,
              meterValue: [reading(1, 9000)],
            })
          })
      }, 10)
      return { status: 'Accepted' }
    })
    charger.handle('RemoteStopTransaction', ({ params }) => {
      setTimeout(() => {
        void charger.call('StopTransaction', {
          transactionId: params['transactionId'],
          meterStop: 9000,
          timestamp: new Date(started.getTime() + 2 * HOUR).toISOString(),
          reason: 'Remote',
        })
      }, 10)
      return { status: 'Accepted' }
    })
    charger.handle('UnlockConnector', () => ({ status: 'Unlocked' }))
    await charger.connect()
    const boot = await charger.call('BootNotification', {
      chargePointVendor: 'Simulated',
      chargePointModel: 'Home 11',
    })
    expect(boot['status']).toBe('Accepted')
    await charger.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' })

    const evsePath = `/2.3.0/receiver/locations/NL/SHR/${listingId}/${listingId}-1`
    const [patch] = await network.emsp.platform.waitForRequests(evsePath, 1)
    expect(patch!.method).toBe('PATCH')
    expect(patch!.body).toMatchObject({ status: 'AVAILABLE' })
    const view = await network.api<ChargerAnswer>('GET', `/listings/${listingId}/charger`, undefined, owner)
    expect(view.body).toMatchObject({ connected: true, evse_status: 'AVAILABLE' })
  })

  it('lets a roaming driver of another eMSP charge there: the eMSP gets the Session and the priced CDR', async () => {
    expect(
      await command(
        'START_SESSION',
        { token: ROAMING_TOKEN, location_id: listingId, evse_uid: `${listingId}-1` },
        'start',
      ),
    ).toBe('ACCEPTED')
    expect(await resultOf('start')).toEqual({ result: 'ACCEPTED' })

    const [sessionPut] = await network.emsp.platform.waitForRequests('/2.3.0/receiver/sessions/NL/SHR/', 1)
    expect(sessionPut!.method).toBe('PUT')
    expect(Value.Errors(Session, sessionPut!.body).First()).toBeUndefined()
    const session = sessionPut!.body as { id: string }
    expect(session).toMatchObject({
      status: 'ACTIVE',
      location_id: listingId,
      auth_method: 'COMMAND',
      cdr_token: { uid: ROAMING_TOKEN.uid, contract_id: ROAMING_TOKEN.contract_id, party_id: 'DRV' },
    })
    await eventually(() => expect(network.emsp.inbox('sessions').at(-1)?.body).toMatchObject({ kwh: 8 }))
    await eventually(() =>
      expect(network.emsp.inbox('locations').at(-1)?.body).toMatchObject({ status: 'CHARGING' }),
    )

    expect(await command('STOP_SESSION', { session_id: session.id }, 'stop')).toBe('ACCEPTED')
    expect(await resultOf('stop')).toEqual({ result: 'ACCEPTED' })
    const [cdrPost] = await network.emsp.platform.waitForRequests('/2.3.0/receiver/cdrs', 1)
    expect(Value.Errors(Cdr, cdrPost!.body).First()).toBeUndefined()
    // 8 kWh at 0.30, the session fee of 1, and the last hour idle (no energy) at 2 per hour.
    expect(cdrPost!.body).toMatchObject({
      session_id: session.id,
      total_energy: 8,
      total_parking_time: 1,
      total_cost: { before_taxes: 5.4 },
      total_energy_cost: { before_taxes: 2.4 },
      total_fixed_cost: { before_taxes: 1 },
      total_parking_cost: { before_taxes: 2 },
      cdr_location: { id: listingId, evse_uid: `${listingId}-1`, connector_id: '1' },
    })
    const sessionUpdates = network.emsp.inbox(`sessions/NL/SHR/${session.id}`)
    expect(sessionUpdates.at(-1)?.body).toMatchObject({ status: 'COMPLETED', kwh: 8 })
  })

  it('unlocks a connector, and rejects commands for a charger it does not have', async () => {
    expect(
      await command(
        'UNLOCK_CONNECTOR',
        { location_id: listingId, evse_uid: `${listingId}-1`, connector_id: '1' },
        'unlock',
      ),
    ).toBe('ACCEPTED')
    expect(await resultOf('unlock')).toEqual({ result: 'ACCEPTED' })
    expect(await command('STOP_SESSION', { session_id: 'no-such-session' }, 'unknown')).toBe(
      'UNKNOWN_SESSION',
    )
    const bare = await network.api<ListingAnswer>('POST', '/listings', CHARGER, owner)
    expect(await command('START_SESSION', { token: ROAMING_TOKEN, location_id: bare.body.id }, 'bare')).toBe(
      'REJECTED',
    )
  })

  it('accepts at the charger a token the hub sent, and refuses one nobody vouches for', async () => {
    const tokenUid = 'RFID-CARD-77'
    const pushed = await network.emsp.call(`/receiver/tokens/DE/DRV/${tokenUid}?type=RFID`, {
      method: 'PUT',
      body: { ...ROAMING_TOKEN, uid: tokenUid, type: 'RFID', whitelist: 'ALWAYS' },
      headers: { 'ocpi-from-country-code': 'DE', 'ocpi-from-party-id': 'DRV' },
    })
    expect(pushed.body.status_code, pushed.text).toBe(1000)
    await eventually(async () =>
      expect((await charger.call('Authorize', { idTag: tokenUid }))['idTagInfo']).toEqual({
        status: 'Accepted',
      }),
    )
    const unknown = await charger.call('Authorize', { idTag: 'NOBODYS-CARD' })
    expect(unknown['idTagInfo']).not.toEqual({ status: 'Accepted' })
  })

  it("asks the token's eMSP through the hub when the token may not be used without asking", async () => {
    const tokenUid = 'ASK-FIRST-CARD'
    const token = { ...ROAMING_TOKEN, uid: tokenUid, type: 'RFID', whitelist: 'NEVER' }
    const pushed = await network.emsp.call(`/receiver/tokens/DE/DRV/${tokenUid}?type=RFID`, {
      method: 'PUT',
      body: token,
      headers: { 'ocpi-from-country-code': 'DE', 'ocpi-from-party-id': 'DRV' },
    })
    expect(pushed.body.status_code, pushed.text).toBe(1000)
    network.emsp.platform.answer('POST', `/2.3.0/sender/tokens/${tokenUid}/authorize`, () => ({
      status: 200,
      body: envelope({ allowed: 'ALLOWED', token, authorization_reference: 'AUTH-REF-1' }),
    }))
    const before = network.emsp.inbox('sessions').length
    await eventually(async () => {
      const answer = await charger.call('StartTransaction', {
        connectorId: 1,
        idTag: tokenUid,
        meterStart: 20000,
        timestamp: new Date().toISOString(),
      })
      expect(answer['idTagInfo']).toEqual({ status: 'Accepted' })
    })
    await eventually(() =>
      expect(network.emsp.inbox('sessions').slice(before).at(0)?.body).toMatchObject({
        auth_method: 'AUTH_REQUEST',
        authorization_reference: 'AUTH-REF-1',
        cdr_token: { uid: tokenUid, type: 'RFID' },
      }),
    )
  })
})
