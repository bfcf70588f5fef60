import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PartyRef } from '../../../src/core/party.ts'
import { aBooking, aBookingLocation, aBookingRequest } from '../../fixtures/bookings.ts'
import { envelope } from '../../support/fake-platform.ts'
import { connectParty, eventually, routeHeaders, type ConnectedParty } from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

/**
 * A Booking 1.0 sender's BookingRequest (docs/modules/bookings.md): it names no BookingLocation and uses
 * 1.0's field names. The hub reads it as 1.1 and routes it, without TO headers, to the CPO of the one
 * BookingLocation at its Location (or EVSE).
 */

const SENDER = '/2.3.0/sender/bookings'
const BOOKABLE_PARKING_OPTION = {
  vehicle_types: ['PERSONAL_VEHICLE'],
  format: 'CABLE',
  restricted_to_type: false,
}

/** aBookingRequest() as a 1.0 sender writes it: no booking_location_id, 1.0 names. */
function a10Request(emsp: PartyRef, location_id: string, evse_uid?: string) {
  const { country_code, party_id, request_id, tokens, authorization_reference } = aBookingRequest(emsp)
  return {
    country_code,
    party_id,
    request_id,
    location_id,
    ...(evse_uid && { evse_uid, connector_id: '1' }),
    bookable_parking_option: BOOKABLE_PARKING_OPTION,
    tokens,
    period: { start_from: '2026-12-09T10:00:00Z', end_before: '2026-12-09T11:00:00Z', max_power: 11 },
    authorization_reference,
  }
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: Booking 1.0 requests`, () => {
    let hub: TestHub
    let cp1: ConnectedParty
    let cp2: ConnectedParty
    let emsp: ConnectedParty

    beforeAll(async () => {
      hub = await startTestHub(engine)
      cp1 = await connectParty(hub, 'CPO', 'NL', 'CP1')
      cp2 = await connectParty(hub, 'CPO', 'NL', 'CP2')
      emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1')
      const publish = async (cpo: ConnectedParty, id: string, location_id: string, evse_uid: string) => {
        const body = aBookingLocation({ id, location_id, booking_option: { evse_uid } }, cpo.party)
        const answer = await cpo.call(`/receiver/bookings/NL/${cpo.party.party_id}/booking_locations/${id}`, {
          method: 'PUT',
          body,
        })
        expect(answer.body.status_code).toBe(1000)
      }
      await publish(cp1, 'BL1', 'LOC1', 'EVSE-1')
      await publish(cp2, 'BL2', 'LOC2', 'EVSE-2')
      await publish(cp2, 'BL3', 'LOC2', 'EVSE-3')
      await eventually(() => expect(emsp.inbox('bookings')).toHaveLength(3))
      for (const cpo of [cp1, cp2]) {
        cpo.platform.answer('POST', SENDER, () => ({
          status: 200,
          body: envelope(aBooking(cpo.party, emsp.party)),
        }))
      }
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cp1, cp2, emsp].filter(Boolean).map((party) => party.platform.close()))
    })

    const book = (body: unknown, headers: Record<string, string> = {}) =>
      emsp.call('/sender/bookings', { method: 'POST', body, headers })

    it('reaches the CPO of the one BookingLocation at its Location without TO, with the 1.1 names', async () => {
      const sent = a10Request(emsp.party, 'loc1', 'EVSE-1')
      const answer = await book(sent)
      expect(answer.status, answer.text).toBe(200)
      expect(answer.body.status_code).toBe(1000)
      const [received] = cp1.platform.requestsTo('POST', SENDER)
      const { country_code, party_id, request_id, tokens, authorization_reference } = sent
      expect(received!.body).toEqual({
        country_code,
        party_id,
        request_id,
        location_id: 'loc1',
        booking_location_id: 'BL1',
        booking_option: { ...BOOKABLE_PARKING_OPTION, evse_uid: 'EVSE-1', connector_id: '1' },
        tokens,
        period: {
          start_date_time: '2026-12-09T10:00:00Z',
          end_date_time: '2026-12-09T11:00:00Z',
          max_power: 11,
        },
        authorization_reference,
      })
      expect(cp2.platform.requestsTo('POST', SENDER)).toEqual([])
    })

    it('where one CPO has several BookingLocations at the Location, its EVSE picks one; else the eMSP must say', async () => {
      expect((await book(a10Request(emsp.party, 'LOC2', 'EVSE-3'))).body.status_code).toBe(1000)
      const [received] = cp2.platform.requestsTo('POST', SENDER)
      expect(received!.body).toMatchObject({
        booking_location_id: 'BL3',
        booking_option: { evse_uid: 'EVSE-3' },
      })

      for (const unroutable of [a10Request(emsp.party, 'LOC2'), a10Request(emsp.party, 'LOC9', 'EVSE-1')]) {
        const refused = await book(unroutable)
        expect(refused.body.status_code).toBe(2001)
        expect(refused.body.status_message).toMatch(/no single BookingLocation at Location .*OCPI-to-\*/)
      }
      expect(cp2.platform.requestsTo('POST', SENDER)).toHaveLength(1)

      const named = await book(a10Request(emsp.party, 'LOC2'), routeHeaders(emsp.party, cp2.party))
      expect(named.body.status_code).toBe(1000)
      const [, second] = cp2.platform.requestsTo('POST', SENDER)
      expect(second!.body).not.toHaveProperty('booking_location_id')
      expect(second!.body).toHaveProperty('period.start_date_time', '2026-12-09T10:00:00Z')
    })
  })
}
