import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PartyRef } from '../../../src/core/party.ts'
import { invitePlatform } from '../../../src/modules/credentials/invitations.service.ts'
import { locationWrite } from '../../../src/modules/locations/locations.writes.ts'
import { patchSession, putSession } from '../../../src/modules/sessions/sessions.service.ts'
import type { MessageSource } from '../../../src/routing/hub-answer.ts'
import { pushOwnedObject } from '../../../src/routing/owner-push.ts'
import { aLocation } from '../../fixtures/locations.ts'
import { aSession } from '../../fixtures/sessions.ts'
import { aRole, envelope, FakePlatform } from '../../support/fake-platform.ts'
import { connectParty, HUB_PARTY, type ConnectedParty } from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

/**
 * The domain services called as a bridge or a console would: with plain values, no HTTP request to the
 * hub. What they send still reaches real partners over HTTP on loopback.
 */
for (const engine of STORE_VARIANTS) {
  describe(`${engine}: hub services used without HTTP`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let emsp: ConnectedParty
    let platforms: FakePlatform[]

    beforeAll(async () => {
      hub = await startTestHub(engine, { DELIVERY_RETRY_BASE_MS: '50', DELIVERY_POLL_INTERVAL_MS: '50' })
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1')
      platforms = [cpo.platform, emsp.platform]
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all((platforms ?? []).map((platform) => platform.close()))
    })

    /** The CPO's platform as a bridge names it: its id and the party it speaks for, open routing. */
    function asCpo(correlationId: string, to?: PartyRef): MessageSource {
      return {
        requester: { platformId: cpo.platformId, parties: [{ role: 'CPO', ...cpo.party }] },
        routing: { from: undefined, to },
        correlationId,
        log: hub.hub.context.log,
      }
    }

    it('[store and broadcast a Location] is stored, answered by the hub, and delivered to the eMSP', async () => {
      const location = aLocation({ id: 'LOC-BRIDGE-1' }, cpo.party)
      const answer = await pushOwnedObject(
        hub.hub.context,
        asCpo('bridge-location-1'),
        locationWrite('PUT', cpo.party, ['LOC-BRIDGE-1'], location),
      )
      expect(answer.httpStatus).toBe(201)
      expect(answer.envelope.status_code).toBe(1000)
      expect(answer.from).toEqual(HUB_PARTY)
      expect(answer.to).toEqual(cpo.party)

      const [delivered] = await emsp.platform.waitForRequests('/2.3.0/receiver/locations', 1)
      expect(delivered).toMatchObject({
        method: 'PUT',
        path: '/2.3.0/receiver/locations/NL/CP1/LOC-BRIDGE-1',
        body: location,
      })
      expect(delivered!.headers['x-correlation-id']).toBe('bridge-location-1')
      expect(delivered!.headers['ocpi-to-party-id']).toBe('EM1')
      const read = await emsp.call<{ data: unknown }>('/sender/locations/LOC-BRIDGE-1')
      expect(read.body.data).toEqual(location)
      expect(cpo.inbox('locations')).toEqual([])
    })

    it('[store and broadcast] refuses a Location of a party the caller does not hold, and sends nothing', async () => {
      const stranger = { country_code: 'NL', party_id: 'XXX' }
      await expect(
        pushOwnedObject(
          hub.hub.context,
          asCpo('bridge-location-2'),
          locationWrite('PUT', stranger, ['LOC-BRIDGE-2'], aLocation({ id: 'LOC-BRIDGE-2' }, stranger)),
        ),
      ).rejects.toMatchObject({ hubCode: 'HUB_ERR_NOT_OWNER' })
      const read = await emsp.call('/sender/locations/LOC-BRIDGE-2')
      expect(read.body.status_code).not.toBe(1000)
    })

    it("[route a Session] goes to the eMSP of its cdr_token, the eMSP's answer comes back, and a PATCH follows it", async () => {
      const path = '/2.3.0/receiver/sessions/NL/CP1/SES-BRIDGE-1'
      emsp.platform.answer('PUT', path, () => ({ status: 201, body: envelope(null, 1000, 'stored at EM1') }))
      const session = aSession({ id: 'SES-BRIDGE-1' }, cpo.party, emsp.party)

      const put = await putSession(hub.hub.context, asCpo('bridge-session-1'), {
        owner: cpo.party,
        sessionId: 'SES-BRIDGE-1',
        session,
      })
      expect(put.httpStatus).toBe(201)
      expect(put.envelope).toMatchObject({ status_code: 1000, status_message: 'stored at EM1' })
      expect(put.from).toEqual(emsp.party)
      expect(put.to).toEqual(cpo.party)
      const [forwarded] = emsp.platform.requestsTo('PUT', path)
      expect(forwarded!.body).toEqual(session)
      expect(forwarded!.headers['ocpi-from-party-id']).toBe('CP1')
      expect(forwarded!.headers['x-correlation-id']).toBe('bridge-session-1')

      const patch = { kwh: 12, last_updated: '2026-03-02T10:20:00Z' }
      const patched = await patchSession(hub.hub.context, asCpo('bridge-session-2'), {
        owner: cpo.party,
        sessionId: 'SES-BRIDGE-1',
        patch,
      })
      expect(patched.envelope.status_code).toBe(1000)
      const [patchForwarded] = emsp.platform.requestsTo('PATCH', path)
      expect(patchForwarded!.body).toEqual(patch)
      expect(patchForwarded!.headers['ocpi-to-party-id']).toBe('EM1')
    })

    it('[invite] a platform invited through the service registers over HTTP with its token A', async () => {
      const invited = await invitePlatform(hub.hub.context, {
        name: 'eMSP FR*INV',
        roles: [{ role: 'EMSP', country_code: 'FR', party_id: 'INV' }],
        correlationId: 'console-invite-1',
      })
      const platform = await FakePlatform.start({
        name: 'eMSP FR*INV',
        roles: [aRole('EMSP', 'FR', 'INV')],
        endpoints: [{ identifier: 'credentials', role: 'SENDER', url: '{base}/2.3.0/credentials' }],
      })
      platforms.push(platform)
      const registration = await platform.registerAt(invited.versionsUrl, invited.tokenA)
      expect(registration.response.body.status_code).toBe(1000)
      const view = await hub.admin<{ status: string }>('GET', `/platforms/${invited.platformId}`)
      expect(view.body.status).toBe('CONNECTED')
    })
  })
}
