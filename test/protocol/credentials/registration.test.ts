import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aRole, FakePlatform } from '../../support/fake-platform.ts'
import { call } from '../../support/http.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

interface Invitation {
  id: string
  token_a: string
  versions_url: string
}

interface PlatformView {
  id: string
  status: string
  version: string | null
  roles: { role: string; country_code: string; party_id: string; status: string; business_details: unknown }[]
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: credentials registration, partner registers at the hub`, () => {
    let hub: TestHub
    const platforms: FakePlatform[] = []

    async function invite(roles: { role: string; country_code: string; party_id: string }[]) {
      const response = await hub.admin<Invitation>('POST', '/invitations', { name: 'Partner', roles })
      expect(response.status).toBe(201)
      return response.body
    }

    async function fakePartner(country_code: string, party_id: string, role: 'CPO' | 'EMSP' = 'CPO') {
      const platform = await FakePlatform.start({ roles: [aRole(role, country_code, party_id)] })
      platforms.push(platform)
      return platform
    }

    beforeAll(async () => {
      hub = await startTestHub(engine)
    })
    afterAll(async () => {
      await Promise.all(platforms.map((p) => p.close()))
      await hub.close()
    })

    it('[credentials POST] registers with token A: the hub reads the partner versions with token B, then issues token C', async () => {
      const partner = await fakePartner('NL', 'ABC')
      const invitation = await invite([{ role: 'CPO', country_code: 'NL', party_id: 'ABC' }])
      expect(invitation.versions_url).toBe(hub.versionsUrl)

      const { response, tokenB } = await partner.registerAt(invitation.versions_url, invitation.token_a)

      expect(response.status).toBe(200)
      expect(response.body.status_code).toBe(1000)
      const credentials = response.body.data as Record<string, unknown>
      expect(credentials['url']).toBe(hub.versionsUrl)
      expect(credentials['hub_party_id']).toBe('XXHUB')
      expect(credentials['token']).toMatch(/^[\x21-\x7E]{1,64}$/)
      expect(credentials['token']).not.toBe(invitation.token_a)
      expect(credentials['roles']).toContainEqual(
        expect.objectContaining({ role: 'OTHER', country_code: 'XX', party_id: 'HUB' }),
      )
      // Before answering, the hub called the partner's versions and 2.3.0 details with token B.
      expect(partner.requestsTo('GET', '/versions').map((r) => r.token)).toEqual([tokenB])
      expect(partner.requestsTo('GET', '/2.3.0').map((r) => r.token)).toEqual([tokenB])

      const view = await hub.admin<PlatformView>('GET', `/platforms/${invitation.id}`)
      expect(view.body).toMatchObject({ status: 'CONNECTED', version: '2.3.0' })
      expect(view.body.roles).toEqual([
        expect.objectContaining({
          role: 'CPO',
          country_code: 'NL',
          party_id: 'ABC',
          status: 'CONNECTED',
          business_details: { name: 'CPO NLABC' },
        }),
      ])
      expect(JSON.stringify(view.body)).not.toContain(String(credentials['token']))
    })

    it('[credentials POST] a partner whose versions answer lacks only `timestamp` can still register', async () => {
      const partner = await fakePartner('NL', 'NTS')
      const invitation = await invite([{ role: 'CPO', country_code: 'NL', party_id: 'NTS' }])
      const base = partner.versionsUrl.replace(/\/versions$/, '')
      partner.failNext('GET', '/versions', 200, {
        data: [{ version: '2.3.0', url: `${base}/2.3.0` }],
        status_code: 1000,
      })
      const { response } = await partner.registerAt(invitation.versions_url, invitation.token_a)
      expect(response.body.status_code).toBe(1000)
      const view = await hub.admin<PlatformView>('GET', `/platforms/${invitation.id}`)
      expect(view.body).toMatchObject({ status: 'CONNECTED', version: '2.3.0' })
    })

    it('[credentials POST] token A stops working once registration completes; token C opens the versions', async () => {
      const partner = await fakePartner('NL', 'ABD')
      const invitation = await invite([{ role: 'CPO', country_code: 'NL', party_id: 'ABD' }])
      await partner.registerAt(invitation.versions_url, invitation.token_a)

      const withTokenA = await hub.ocpi('/versions', { token: invitation.token_a })
      expect(withTokenA.status).toBe(401)
      expect(withTokenA.body.status_code).toBe(2000)

      const withTokenC = await hub.ocpi('/versions', { token: partner.tokenToHub! })
      expect(withTokenC.status).toBe(200)
      expect(withTokenC.body.data).toEqual(
        ['2.3.0', '2.2.1', '2.1.1'].map((version) => ({ version, url: `${hub.url}/ocpi/${version}` })),
      )
    })

    it('[credentials GET] returns the hub credentials with the token the partner uses', async () => {
      const partner = await fakePartner('NL', 'ABE')
      const invitation = await invite([{ role: 'CPO', country_code: 'NL', party_id: 'ABE' }])
      await partner.registerAt(invitation.versions_url, invitation.token_a)

      const response = await hub.ocpi('/2.3.0/credentials', { token: partner.tokenToHub! })
      expect(response.status).toBe(200)
      expect(response.body.data).toMatchObject({
        token: partner.tokenToHub,
        url: hub.versionsUrl,
        hub_party_id: 'XXHUB',
      })
    })

    it('[credentials roles] the hub lists the parties reachable through it, not the caller itself', async () => {
      const cpo = await fakePartner('DE', 'CP1')
      const cpoInvitation = await invite([{ role: 'CPO', country_code: 'DE', party_id: 'CP1' }])
      await cpo.registerAt(cpoInvitation.versions_url, cpoInvitation.token_a)
      const emsp = await fakePartner('DE', 'MS1', 'EMSP')
      const emspInvitation = await invite([{ role: 'EMSP', country_code: 'DE', party_id: 'MS1' }])

      const { response } = await emsp.registerAt(emspInvitation.versions_url, emspInvitation.token_a)

      const roles = (
        response.body.data as { roles: { role: string; country_code: string; party_id: string }[] }
      ).roles
      expect(roles).toContainEqual(
        expect.objectContaining({
          role: 'CPO',
          country_code: 'DE',
          party_id: 'CP1',
          business_details: { name: 'CPO DECP1' },
        }),
      )
      expect(roles).not.toContainEqual(expect.objectContaining({ party_id: 'MS1' }))
    })

    it('[credentials POST] a second POST by a registered partner is refused with HTTP 405', async () => {
      const partner = await fakePartner('NL', 'ABF')
      const invitation = await invite([{ role: 'CPO', country_code: 'NL', party_id: 'ABF' }])
      await partner.registerAt(invitation.versions_url, invitation.token_a)

      const again = await hub.ocpi('/2.3.0/credentials', {
        method: 'POST',
        token: partner.tokenToHub!,
        body: { token: 'another-token-b', url: partner.versionsUrl, roles: partner.options.roles },
      })
      expect(again.status).toBe(405)
      expect(again.body.status_code).toBe(2000)
      // The partner is still registered with its token.
      expect((await hub.ocpi('/versions', { token: partner.tokenToHub! })).status).toBe(200)
    })

    it('[credentials PUT] rotates the token: the hub re-reads the endpoints, the old token stops working', async () => {
      const partner = await fakePartner('NL', 'ABG')
      const invitation = await invite([{ role: 'CPO', country_code: 'NL', party_id: 'ABG' }])
      await partner.registerAt(invitation.versions_url, invitation.token_a)
      const oldToken = partner.tokenToHub!
      const versionCallsBefore = partner.requestsTo('GET', '/versions').length
      partner.tokenFromHub = 'B-rotated-token'

      const response = await hub.ocpi('/2.3.0/credentials', {
        method: 'PUT',
        token: oldToken,
        body: { token: 'B-rotated-token', url: partner.versionsUrl, roles: partner.options.roles },
      })

      expect(response.status).toBe(200)
      expect(response.body.status_code).toBe(1000)
      const newToken = (response.body.data as { token: string }).token
      expect(newToken).not.toBe(oldToken)
      expect(partner.requestsTo('GET', '/versions').length).toBe(versionCallsBefore + 1)
      expect(partner.requestsTo('GET', '/versions').at(-1)?.token).toBe('B-rotated-token')
      expect((await hub.ocpi('/versions', { token: oldToken })).status).toBe(401)
      expect((await hub.ocpi('/versions', { token: newToken })).status).toBe(200)
    })

    it('[credentials DELETE] unregisters: the token stops working and the platform is SUSPENDED', async () => {
      const partner = await fakePartner('NL', 'ABH')
      const invitation = await invite([{ role: 'CPO', country_code: 'NL', party_id: 'ABH' }])
      await partner.registerAt(invitation.versions_url, invitation.token_a)

      const response = await hub.ocpi('/2.3.0/credentials', { method: 'DELETE', token: partner.tokenToHub! })
      expect(response.status).toBe(200)
      expect(response.body.status_code).toBe(1000)

      expect((await hub.ocpi('/versions', { token: partner.tokenToHub! })).status).toBe(401)
      const view = await hub.admin<PlatformView>('GET', `/platforms/${invitation.id}`)
      expect(view.body.status).toBe('SUSPENDED')
      expect(view.body.roles.map((r) => r.status)).toEqual(['SUSPENDED'])
    })

    it('[credentials PUT/DELETE] before registration are refused with HTTP 405', async () => {
      const partner = await fakePartner('NL', 'ABI')
      const invitation = await invite([{ role: 'CPO', country_code: 'NL', party_id: 'ABI' }])
      const body = { token: 'some-token-b', url: partner.versionsUrl, roles: partner.options.roles }

      const put = await hub.ocpi('/2.3.0/credentials', { method: 'PUT', token: invitation.token_a, body })
      const del = await hub.ocpi('/2.3.0/credentials', { method: 'DELETE', token: invitation.token_a })

      expect([put.status, put.body.status_code]).toEqual([405, 2000])
      expect([del.status, del.body.status_code]).toEqual([405, 2000])
      expect(partner.received).toEqual([])
      expect((await hub.admin<PlatformView>('GET', `/platforms/${invitation.id}`)).body.status).toBe(
        'PLANNED',
      )
    })

    it('[transport_and_format_authorization_header] accepts the raw token of 2.1.1/2.2 peers as well as Base64', async () => {
      const partner = await fakePartner('NL', 'ABJ')
      const invitation = await invite([{ role: 'CPO', country_code: 'NL', party_id: 'ABJ' }])
      await partner.registerAt(invitation.versions_url, invitation.token_a)

      const raw = await hub.ocpi('/versions', { rawToken: partner.tokenToHub! })
      expect(raw.status).toBe(200)
      expect(raw.body.status_code).toBe(1000)
    })

    it('[version details] lists the modules the hub implements, each functional one with both interfaces (hubclientinfo: the SENDER, to a party)', async () => {
      const invitation = await invite([{ role: 'CPO', country_code: 'NL', party_id: 'ABK' }])
      const details = await call(`${hub.url}/ocpi/2.3.0`, { token: invitation.token_a })
      expect(details.status).toBe(200)
      const base = `${hub.url}/ocpi/2.3.0`
      const both = (module: string) => [
        { identifier: module, role: 'SENDER', url: `${base}/sender/${module}` },
        { identifier: module, role: 'RECEIVER', url: `${base}/receiver/${module}` },
      ]
      expect(details.body.data).toEqual({
        version: '2.3.0',
        endpoints: [
          { identifier: 'credentials', role: 'SENDER', url: `${base}/credentials` },
          ...both('locations'),
          ...both('tariffs'),
          ...both('tokens'),
          ...both('sessions'),
          ...both('cdrs'),
          ...both('commands'),
          ...both('chargingprofiles'),
          // The RECEIVER is listed to peer hubs only (test/peering/client-info-receiver.test.ts).
          { identifier: 'hubclientinfo', role: 'SENDER', url: `${base}/sender/hubclientinfo` },
          ...both('payments'),
          ...both('bookings'),
        ],
      })
    })
  })
}
