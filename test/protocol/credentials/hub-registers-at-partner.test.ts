import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aRole, FakePlatform } from '../../support/fake-platform.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

interface PlatformView {
  id: string
  name: string
  status: string
  initiated_by: string
  version: string
  roles: { role: string; country_code: string; party_id: string; status: string }[]
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: credentials, the hub registers at a partner`, () => {
    let hub: TestHub
    const platforms: FakePlatform[] = []

    async function fakePartner(options: Partial<ConstructorParameters<typeof Object>[0]> = {}) {
      const platform = await FakePlatform.start({ roles: [aRole('CPO', 'FR', 'CPX')], ...options })
      platforms.push(platform)
      return platform
    }

    async function platformCount() {
      return (await hub.admin<{ platforms: unknown[] }>('GET', '/platforms')).body.platforms.length
    }

    beforeAll(async () => {
      hub = await startTestHub(engine)
    })
    afterAll(async () => {
      await Promise.all(platforms.map((p) => p.close()))
      await hub.close()
    })

    it('[credentials registration] GET versions, GET details, POST credentials with token B, keeps token C', async () => {
      const partner = await fakePartner()
      const response = await hub.admin<PlatformView>('POST', '/connections', {
        versions_url: partner.versionsUrl,
        token_a: partner.tokenA,
        name: 'French CPO',
      })

      expect(response.status).toBe(201)
      expect(response.body).toMatchObject({
        name: 'French CPO',
        status: 'CONNECTED',
        initiated_by: 'hub',
        version: '2.3.0',
      })
      expect(response.body.roles).toEqual([
        expect.objectContaining({ role: 'CPO', country_code: 'FR', party_id: 'CPX', status: 'CONNECTED' }),
      ])

      // 1. versions and details were read with token A; 2. the POST carried token A and a fresh token B.
      expect(partner.requestsTo('GET', '/versions')[0]?.token).toBe(partner.tokenA)
      expect(partner.requestsTo('GET', '/2.3.0')[0]?.token).toBe(partner.tokenA)
      const [post] = partner.requestsTo('POST', '/2.3.0/credentials')
      expect(post?.token).toBe(partner.tokenA)
      expect(post?.body).toMatchObject({
        url: hub.versionsUrl,
        hub_party_id: 'XXHUB',
        token: partner.tokenToHub,
      })
      expect((post?.body as { roles: unknown[] }).roles).toContainEqual(
        expect.objectContaining({ role: 'OTHER', party_id: 'HUB' }),
      )
      // 3. The partner could call the hub with token B while answering, and still can.
      expect((await hub.ocpi('/versions', { token: partner.tokenToHub! })).status).toBe(200)
      // 4. From now on the hub presents token C: seen when the operator unregisters the platform.
      const tokenC = partner.tokenFromHub
      const removal = await hub.admin<{ partner_notified: boolean; platform: PlatformView }>(
        'DELETE',
        `/platforms/${response.body.id}`,
      )
      expect(removal.status).toBe(200)
      expect(removal.body.partner_notified).toBe(true)
      expect(removal.body.platform.status).toBe('SUSPENDED')
      expect(partner.requestsTo('DELETE', '/2.3.0/credentials')[0]?.token).toBe(tokenC)
      expect((await hub.ocpi('/versions', { token: partner.tokenToHub! })).status).toBe(401)
    })

    it('the partner cannot be reached → 502 naming the versions step, nothing stored', async () => {
      const gone = await fakePartner()
      await gone.close()
      const before = await platformCount()
      const response = await hub.admin('POST', '/connections', {
        versions_url: gone.versionsUrl,
        token_a: gone.tokenA,
        name: 'Gone',
      })
      expect(response.status).toBe(502)
      expect(response.body).toMatchObject({ step: 'versions', title: 'ADMIN_PARTNER_FAILED' })
      expect(String(response.body['detail'])).toContain('could not be reached')
      expect(await platformCount()).toBe(before)
    })

    it('no common version → 502 naming the versions step and what the partner offers', async () => {
      const old = await fakePartner({ versions: [{ version: '2.0', url: '{base}/2.0' }] })
      const response = await hub.admin('POST', '/connections', {
        versions_url: old.versionsUrl,
        token_a: old.tokenA,
        name: 'Old',
      })
      expect(response.status).toBe(502)
      expect(response.body['step']).toBe('versions')
      expect(String(response.body['detail'])).toContain('2.0')
    })

    it('a wrong token A → 502 naming the versions step with the partner answer', async () => {
      const partner = await fakePartner()
      const response = await hub.admin('POST', '/connections', {
        versions_url: partner.versionsUrl,
        token_a: 'wrong',
        name: 'X',
      })
      expect(response.status).toBe(502)
      expect(String(response.body['detail'])).toContain('HTTP 401')
    })

    it('the partner refuses the credentials POST → 502 naming the credentials step, nothing stored', async () => {
      const partner = await fakePartner()
      partner.failNext('POST', '/2.3.0/credentials', 200, {
        status_code: 3003,
        status_message: 'no tokens endpoint',
        timestamp: new Date().toISOString(),
      })
      const before = await platformCount()
      const response = await hub.admin('POST', '/connections', {
        versions_url: partner.versionsUrl,
        token_a: partner.tokenA,
        name: 'X',
      })
      expect(response.status).toBe(502)
      expect(response.body['step']).toBe('credentials')
      expect(String(response.body['detail'])).toContain('status_code 3003 (no tokens endpoint)')
      expect(await platformCount()).toBe(before)
    })

    it('the partner claims roles another platform holds → 409, and the hub withdraws its registration', async () => {
      const first = await fakePartner({ roles: [aRole('CPO', 'FR', 'DUP')] })
      expect(
        (
          await hub.admin('POST', '/connections', {
            versions_url: first.versionsUrl,
            token_a: first.tokenA,
            name: 'First',
          })
        ).status,
      ).toBe(201)
      const second = await fakePartner({ roles: [aRole('CPO', 'FR', 'DUP')] })
      const response = await hub.admin('POST', '/connections', {
        versions_url: second.versionsUrl,
        token_a: second.tokenA,
        name: 'Second',
      })
      expect(response.status).toBe(409)
      expect(response.body['step']).toBe('roles')
      expect(second.requestsTo('DELETE', '/2.3.0/credentials')).toHaveLength(1)
    })
  })

  describe(`${engine}: the private-address guard`, () => {
    let hub: TestHub
    let partner: FakePlatform

    beforeAll(async () => {
      hub = await startTestHub(engine, { HUB_ALLOW_PRIVATE_PEERS: 'false' })
      partner = await FakePlatform.start({ roles: [aRole('CPO', 'FR', 'PRV')] })
    })
    afterAll(async () => {
      await partner.close()
      await hub.close()
    })

    it('refuses to call a partner on a loopback address and says how to allow it', async () => {
      for (const versionsUrl of [
        partner.versionsUrl,
        partner.versionsUrl.replace('127.0.0.1', 'localhost'),
      ]) {
        const response = await hub.admin('POST', '/connections', {
          versions_url: versionsUrl,
          token_a: partner.tokenA,
          name: 'Local',
        })
        expect(response.status, versionsUrl).toBe(502)
        expect(String(response.body['detail'])).toContain('HUB_ALLOW_PRIVATE_PEERS=true')
      }
      expect(partner.received).toEqual([])
    })

    it('refuses a registering partner whose versions URL is private → 3001', async () => {
      const invitation = await hub.admin<{ token_a: string }>('POST', '/invitations', {
        name: 'Local CPO',
        roles: [{ role: 'CPO', country_code: 'FR', party_id: 'PRV' }],
      })
      const response = await hub.ocpi('/2.3.0/credentials', {
        method: 'POST',
        token: invitation.body.token_a,
        body: { token: 'token-b', url: partner.versionsUrl, roles: partner.options.roles },
      })
      expect(response.body.status_code).toBe(3001)
      // The partner is told that the address is refused, not where it points (issue 11, D9).
      expect(response.body.status_message).toContain('its address is not allowed')
      expect(response.body.status_message).not.toContain('HUB_ALLOW_PRIVATE_PEERS')
      expect(partner.received).toEqual([])
    })
  })
}
