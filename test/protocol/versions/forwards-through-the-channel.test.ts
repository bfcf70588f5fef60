import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aLocation } from '../../fixtures/locations.ts'
import { connectParty, eventually, routeHeaders, type ConnectedParty } from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

interface LoggedMessage {
  readonly direction: string
  readonly path: string
  readonly note: string | null
}

/**
 * A party-to-party forward goes out through the same partner channel as a queued delivery: the same
 * conversion, the same wire rules per version, and the same note in the message log.
 */
for (const engine of STORE_VARIANTS) {
  describe(`${engine}: forwards to partners of older versions`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let emsp221: ConnectedParty
    let emsp211: ConnectedParty

    beforeAll(async () => {
      hub = await startTestHub(engine)
      cpo = await connectParty(hub, 'CPO', 'NL', 'CPF')
      emsp221 = await connectParty(hub, 'EMSP', 'DE', 'EF2', { version: '2.2.1' })
      emsp211 = await connectParty(hub, 'EMSP', 'DE', 'EF3', {
        version: '2.1.1',
        modules: ['locations', 'tokens', 'sessions', 'cdrs', 'commands'],
      })
    })

    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo, emsp221, emsp211].map((party) => party?.platform.close()))
    })

    const outboundLog = async (correlationId: string) =>
      (
        await hub.admin<{ messages: LoggedMessage[] }>('GET', `/messages?correlation_id=${correlationId}`)
      ).body.messages.filter((m) => m.direction === 'out')

    it('a forwarded Location reaches a 2.2.1 eMSP converted; its answer and the message log both say what was lost', async () => {
      const put = await cpo.call('/receiver/locations/NL/CPF/LOC-FWD-1', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-FWD-1' }, cpo.party),
        headers: { ...routeHeaders(cpo.party, emsp221.party), 'x-correlation-id': 'forward-221' },
      })
      expect(put.body.status_code).toBe(1000)
      expect(put.body.status_message).toContain('Converted for OCPI 2.2.1')

      const [received] = emsp221.platform.requestsTo('PUT', '/2.2.1/receiver/locations/NL/CPF/LOC-FWD-1')
      expect(received!.body).not.toHaveProperty('parking_places')
      expect(received!.headers['ocpi-from-party-id']).toBe('CPF')
      expect(received!.headers['ocpi-to-party-id']).toBe('EF2')

      await eventually(async () => {
        const [out] = await outboundLog('forward-221')
        expect(out?.path).toContain('/2.2.1/receiver/locations/NL/CPF/LOC-FWD-1')
        expect(out?.note).toContain('OCPI 2.2.1')
        expect(out?.note).toContain('parking_places')
      })
    })

    it('a forward to a 2.1.1 eMSP goes to its one module URL with the raw token and no routing headers', async () => {
      const put = await cpo.call('/receiver/locations/NL/CPF/LOC-FWD-2', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-FWD-2' }, cpo.party),
        headers: { ...routeHeaders(cpo.party, emsp211.party), 'x-correlation-id': 'forward-211' },
      })
      expect(put.body.status_code).toBe(1000)

      const [received] = emsp211.platform.requestsTo('PUT', '/2.1.1/locations/NL/CPF/LOC-FWD-2')
      expect(received!.token).toBe(emsp211.platform.tokenFromHub)
      expect(received!.headers['ocpi-to-party-id']).toBeUndefined()
      expect(received!.headers['ocpi-from-party-id']).toBeUndefined()

      await eventually(async () => {
        const [out] = await outboundLog('forward-211')
        expect(out?.note).toContain('OCPI 2.1.1')
      })
    })
  })
}
