import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aBooking, aBookingLocation, aBookingRequest } from '../../fixtures/bookings.ts'
import { envelope } from '../../support/fake-platform.ts'
import { connectParty, eventually, routeHeaders, type ConnectedParty } from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

/**
 * Bookings add-on (Booking 1.1), a booking end to end: an eMSP's BookingRequest reaches the CPO of the
 * BookingLocation, the CPO's Booking and its later updates reach only that eMSP (docs/modules/bookings.md).
 */

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: a booking through the hub`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let otherCpo: ConnectedParty
    let emsp: ConnectedParty
    let otherEmsp: ConnectedParty
    let emsp221: ConnectedParty

    beforeAll(async () => {
      hub = await startTestHub(engine, { DELIVERY_RETRY_BASE_MS: '50', DELIVERY_POLL_INTERVAL_MS: '50' })
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      otherCpo = await connectParty(hub, 'CPO', 'NL', 'CP2')
      emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1')
      otherEmsp = await connectParty(hub, 'EMSP', 'DE', 'EM2')
      emsp221 = await connectParty(hub, 'EMSP', 'DE', 'EM3', { version: '2.2.1' })
      const published = await cpo.call('/receiver/bookings/NL/CP1/booking_locations/BL1', {
        method: 'PUT',
        body: aBookingLocation({ id: 'BL1' }, cpo.party),
      })
      expect(published.body.status_code).toBe(1000)
      await eventually(() => expect(emsp.inbox('bookings')).toHaveLength(1))
      cpo.platform.answer('POST', '/2.3.0/sender/bookings', () => ({
        status: 200,
        body: envelope(aBooking(cpo.party, emsp.party)),
      }))
    })
    afterAll(async () => {
      await hub.close()
      await Promise.all([cpo, otherCpo, emsp, otherEmsp, emsp221].map((p) => p.platform.close()))
    })

    const bookingsSeenBy = (party: ConnectedParty) =>
      party.inbox('bookings').filter((r) => !r.path.includes('booking_locations'))

    it('the eMSP books: its request goes to the CPO of the BookingLocation, the Booking comes back', async () => {
      const request = aBookingRequest(emsp.party)
      const response = await emsp.call<{ data: unknown; status_code: number }>('/sender/bookings', {
        method: 'POST',
        body: request,
        headers: { 'x-correlation-id': 'booking-request-1' },
      })
      expect(response.status).toBe(200)
      expect(response.body.status_code).toBe(1000)
      expect(response.body.data).toEqual(aBooking(cpo.party, emsp.party))
      const [received] = cpo.platform.requestsTo('POST', '/2.3.0/sender/bookings')
      expect(received!.body).toEqual(request)
      expect(received!.headers['ocpi-from-party-id']).toBe('EM1')
      expect(received!.headers['ocpi-to-party-id']).toBe('CP1')
      expect(otherCpo.platform.requestsTo('POST', '/2.3.0/sender/bookings')).toEqual([])

      // The message log holds both legs, under the module's name (written in batches: wait for them).
      const logged = await eventually(async () => {
        const found = await hub.admin<{ messages: { direction: string; module: string; method: string }[] }>(
          'GET',
          '/messages?correlation_id=booking-request-1',
        )
        expect(found.body.messages).toHaveLength(2)
        return found.body.messages
      })
      expect(logged.map((m) => [m.direction, m.module, m.method]).sort()).toEqual([
        ['in', 'bookings', 'POST'],
        ['out', 'bookings', 'POST'],
      ])
    })

    it('the CPO PATCHes the booking to RESERVED and then PUTs it CANCELED: only the eMSP that asked gets them', async () => {
      const reserved = { reservation_status: 'RESERVED', last_updated: '2026-12-08T09:05:00Z' }
      const patch = await cpo.call('/receiver/bookings/NL/CP1/BK1', { method: 'PATCH', body: reserved })
      expect(patch.status).toBe(200)
      expect(patch.body.status_code).toBe(1000)
      const canceled = aBooking(cpo.party, emsp.party, {
        reservation_status: 'CANCELED',
        canceled: { cancellation_reason: 'POWER_OUTAGE', who_canceled: 'CPO' },
        last_updated: '2026-12-08T09:10:00Z',
      })
      const put = await cpo.call('/receiver/bookings/NL/CP1/BK1', { method: 'PUT', body: canceled })
      expect(put.body.status_code).toBe(1000)

      expect(bookingsSeenBy(emsp).map((r) => [r.method, r.path, r.body])).toEqual([
        ['PATCH', '/2.3.0/receiver/bookings/NL/CP1/BK1', reserved],
        ['PUT', '/2.3.0/receiver/bookings/NL/CP1/BK1', canceled],
      ])
      expect(bookingsSeenBy(emsp)[0]!.headers['ocpi-from-party-id']).toBe('CP1')
      expect(bookingsSeenBy(otherEmsp)).toEqual([])
      expect(emsp221.platform.received.filter((r) => /booking/i.test(r.path))).toEqual([])
    })

    it('the eMSP cancels with a request carrying `canceled`: it goes to the same CPO', async () => {
      const cancel = aBookingRequest(emsp.party, {
        canceled: { cancellation_reason: 'CANCELED', who_canceled: 'EMSP' },
      })
      const response = await emsp.call('/sender/bookings', { method: 'POST', body: cancel })
      expect(response.body.status_code).toBe(1000)
      expect(cpo.platform.requestsTo('POST', '/2.3.0/sender/bookings').map((r) => r.body)).toContainEqual(
        cancel,
      )
    })

    it('the eMSP lists its bookings at the CPO named in TO; without TO the hub says it keeps none', async () => {
      cpo.platform.answer('GET', '/2.3.0/sender/bookings', () => ({
        status: 200,
        body: envelope([aBooking(cpo.party, emsp.party)]),
        headers: { 'x-total-count': '1', 'x-limit': '50' },
      }))
      const listed = await emsp.call('/sender/bookings?limit=50', {
        headers: routeHeaders(emsp.party, cpo.party),
      })
      expect(listed.status, listed.text).toBe(200)
      expect(listed.body.status_code).toBe(1000)
      expect(listed.body.data).toEqual([aBooking(cpo.party, emsp.party)])
      const [asked] = (await cpo.platform.waitForRequests('/2.3.0/sender/bookings', 1)).filter(
        (r) => r.method === 'GET',
      )
      expect(asked!.query).toContain('limit=50')
      expect(asked!.headers['ocpi-from-party-id']).toBe('EM1')

      const untargeted = await emsp.call('/sender/bookings')
      expect(untargeted.body.status_code).not.toBe(1000)
      expect(untargeted.body.status_message).toMatch(/keeps no bookings/)
    })

    it("another eMSP's token is refused, as for commands; nothing reaches the CPO", async () => {
      const before = cpo.platform.requestsTo('POST', '/2.3.0/sender/bookings').length
      const foreignToken = aBookingRequest(emsp.party, {
        tokens: [{ ...aBookingRequest(otherEmsp.party).tokens![0]! }],
      })
      const refused = await emsp.call('/sender/bookings', { method: 'POST', body: foreignToken })
      expect(refused.body.status_code).toBe(2001)
      expect(refused.body.status_message).toMatch(/tokens: DE\*EM2 is not DE\*EM1/)
      const asAnother = await emsp.call('/sender/bookings', {
        method: 'POST',
        body: aBookingRequest(otherEmsp.party),
      })
      expect(asAnother.body.status_code).toBe(2001)
      expect(cpo.platform.requestsTo('POST', '/2.3.0/sender/bookings')).toHaveLength(before)
    })

    it('another CPO cannot push into the booking, and a booking the hub never routed needs TO', async () => {
      const foreign = await otherCpo.call('/receiver/bookings/NL/CP1/BK1', {
        method: 'PATCH',
        body: { reservation_status: 'NO_SHOW', last_updated: '2026-12-08T10:00:00Z' },
      })
      expect(foreign.status).toBe(404)
      const unknown = await otherCpo.call('/receiver/bookings/NL/CP2/BK1', {
        method: 'PATCH',
        body: { reservation_status: 'NO_SHOW', last_updated: '2026-12-08T10:00:00Z' },
      })
      expect(unknown.body.status_code).toBe(2001)
      expect(unknown.body.status_message).toMatch(/OCPI-to-\*/)
      const named = await otherCpo.call('/receiver/bookings/NL/CP2/BK1', {
        method: 'PATCH',
        body: { reservation_status: 'NO_SHOW', last_updated: '2026-12-08T10:00:00Z' },
        headers: routeHeaders(otherCpo.party, otherEmsp.party),
      })
      expect(named.body.status_code).toBe(1000)
      expect(bookingsSeenBy(otherEmsp).map((r) => r.path)).toEqual(['/2.3.0/receiver/bookings/NL/CP2/BK1'])
      expect(bookingsSeenBy(emsp)).toHaveLength(2)
    })
  })
}
