import { afterEach, describe, expect, it } from 'vitest'
import { envelope } from '../support/fake-platform.ts'
import { connectParty } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { startTestHub } from '../support/test-hub.ts'

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: POST /admin/platforms/{id}/rotate-token`, () => {
    const cleanups: (() => Promise<void>)[] = []
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    })

    it("PUTs new credentials at the partner, keeps the partner's new token, and the old inbound token stops working", async () => {
      const hub = await startTestHub(engine)
      cleanups.push(() => hub.close())
      const cpo = await connectParty(hub, 'CPO', 'NL', 'CPO')
      cleanups.push(() => cpo.platform.close())
      const oldInbound = cpo.platform.tokenToHub!
      const oldOutbound = cpo.platform.tokenFromHub!

      const rotated = await hub.admin<{ rotated: boolean }>(
        'POST',
        `/platforms/${cpo.platformId}/rotate-token`,
      )
      expect(rotated.status, rotated.text).toBe(200)
      expect(rotated.body.rotated).toBe(true)
      expect(rotated.text).not.toContain(cpo.platform.tokenToHub!)

      const put = cpo.platform.requestsTo('PUT', '/2.3.0/credentials')
      expect(put).toHaveLength(1)
      expect(put[0]!.headers['authorization']).toBe(`Token ${Buffer.from(oldOutbound).toString('base64')}`)
      const newInbound = cpo.platform.tokenToHub!
      expect(newInbound).not.toBe(oldInbound)

      // The old token is refused, the new one works.
      expect((await hub.ocpi('/2.3.0/sender/locations', { token: oldInbound })).status).toBe(401)
      expect((await hub.ocpi('/2.3.0/sender/locations', { token: newInbound })).status).toBe(200)
      // The hub now presents the partner's new token: the partner still accepts the hub's calls.
      expect(cpo.platform.tokenFromHub).not.toBe(oldOutbound)
      const unregistered = await hub.admin<{ partner_notified: boolean }>(
        'DELETE',
        `/platforms/${cpo.platformId}`,
      )
      expect(unregistered.body.partner_notified).toBe(true)
    })

    it('names the failed step when the partner refuses, and keeps the old tokens', async () => {
      const hub = await startTestHub(engine)
      cleanups.push(() => hub.close())
      const cpo = await connectParty(hub, 'CPO', 'NL', 'CPO')
      cleanups.push(() => cpo.platform.close())
      const oldInbound = cpo.platform.tokenToHub!
      cpo.platform.failNext('PUT', '/2.3.0/credentials', 200, envelope(null, 2000, 'no rotation today'))

      const refused = await hub.admin<{ title: string; detail: string; step: string }>(
        'POST',
        `/platforms/${cpo.platformId}/rotate-token`,
      )
      expect(refused.status).toBe(502)
      expect(refused.body.title).toBe('ADMIN_PARTNER_FAILED')
      expect(refused.body.step).toBe('credentials')
      expect(refused.body.detail).toMatch(
        /token rotation failed at step credentials: PUT .* \(no rotation today\)/,
      )
      expect((await hub.ocpi('/2.3.0/sender/locations', { token: oldInbound })).status).toBe(200)

      const unknown = await hub.admin('POST', '/platforms/00000000-0000-4000-8000-000000000000/rotate-token')
      expect(unknown.status).toBe(404)
      await hub.admin('DELETE', `/platforms/${cpo.platformId}`)
      const suspended = await hub.admin<{ step: string }>('POST', `/platforms/${cpo.platformId}/rotate-token`)
      expect(suspended.status).toBe(409)
      expect(suspended.body.step).toBe('state')
    })
  })
}
