import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aRole, FakePlatform } from '../../support/fake-platform.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

interface Invitation {
  id: string
  token_a: string
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: credentials registration refused`, () => {
    let hub: TestHub
    let partner: FakePlatform
    let invitation: Invitation
    const role = aRole('CPO', 'NL', 'BAD')

    beforeAll(async () => {
      hub = await startTestHub(engine)
      partner = await FakePlatform.start({ roles: [role] })
      const response = await hub.admin<Invitation>('POST', '/invitations', {
        name: 'Careless CPO',
        roles: [{ role: 'CPO', country_code: 'NL', party_id: 'BAD' }],
      })
      invitation = response.body
    })
    afterAll(async () => {
      await partner.close()
      await hub.close()
    })

    function register(body: unknown) {
      return hub.ocpi('/2.3.0/credentials', { method: 'POST', token: invitation.token_a, body })
    }

    /** Nothing was stored: the invitation is unused, the token A still opens the versions. */
    async function expectNothingStored() {
      const view = await hub.admin<{ status: string; roles: { status: string }[] }>(
        'GET',
        `/platforms/${invitation.id}`,
      )
      expect(view.body.status).toBe('PLANNED')
      expect(view.body.roles.map((r) => r.status)).toEqual(['PLANNED'])
      expect((await hub.ocpi('/versions', { token: invitation.token_a })).status).toBe(200)
    }

    const valid = () => ({ token: 'token-b-of-partner', url: partner.versionsUrl, roles: [role] })

    it.each([
      ['missing token', () => ({ ...valid(), token: undefined }), 'token: is required'],
      ['missing url', () => ({ ...valid(), url: undefined }), 'url: is required'],
      ['missing roles', () => ({ ...valid(), roles: undefined }), 'roles: is required'],
      ['empty roles', () => ({ ...valid(), roles: [] }), 'roles: must NOT have fewer than 1 items'],
      [
        'a token with whitespace',
        () => ({ ...valid(), token: 'token with spaces' }),
        'token: must match pattern',
      ],
      [
        'a token over 64 characters',
        () => ({ ...valid(), token: 'x'.repeat(65) }),
        'token: must match pattern',
      ],
      ['an unknown role value', () => ({ ...valid(), roles: [{ ...role, role: 'HUB' }] }), 'roles[0].role:'],
      [
        'a role without business details',
        () => ({ ...valid(), roles: [{ ...role, business_details: undefined }] }),
        'roles[0].business_details: is required',
      ],
      [
        'a country code of three letters',
        () => ({ ...valid(), roles: [{ ...role, country_code: 'NLD' }] }),
        'roles[0].country_code:',
      ],
      [
        'duplicate roles',
        () => ({ ...valid(), roles: [role, { ...role, party_id: 'bad' }] }),
        'roles[1]: CPO NL/BAD is listed twice',
      ],
      [
        'a role the invitation does not allow',
        () => ({ ...valid(), roles: [{ ...role, party_id: 'XYZ' }] }),
        'roles[0]: CPO NL/XYZ is not allowed',
      ],
    ])('[credentials POST] %s → OCPI 2001 naming the field, nothing stored', async (_case, body, message) => {
      const response = await register(body())
      expect(response.status).toBe(200)
      expect(response.body.status_code).toBe(2001)
      expect(response.body.status_message).toContain(message)
      expect(partner.received).toEqual([])
      await expectNothingStored()
    })

    it('[credentials POST] the partner versions cannot be reached → 3001, nothing stored', async () => {
      const closed = await FakePlatform.start({ roles: [role] })
      await closed.close()
      const response = await register({ ...valid(), url: closed.versionsUrl })
      expect(response.status).toBe(200)
      expect(response.body.status_code).toBe(3001)
      expect(response.body.status_message).toContain('GET versions failed')
      await expectNothingStored()
    })

    it('[credentials POST] the partner answers its versions with an error → 3001', async () => {
      partner.tokenFromHub = 'token-b-of-partner'
      partner.failNext('GET', '/versions', 500)
      const response = await register(valid())
      expect(response.body.status_code).toBe(3001)
      expect(response.body.status_message).toContain('HTTP 500')
      await expectNothingStored()
    })

    it('[credentials POST] no common version → 3002', async () => {
      const old = await FakePlatform.start({
        roles: [role],
        versions: [{ version: '2.2.1', url: '{base}/2.2.1' }],
      })
      old.tokenFromHub = 'token-b-of-partner'
      try {
        const response = await register({ ...valid(), url: old.versionsUrl })
        expect(response.body.status_code).toBe(3002)
        expect(response.body.status_message).toContain('2.2.1')
        await expectNothingStored()
      } finally {
        await old.close()
      }
    })

    it('[credentials POST] the partner has no credentials endpoint → 3003', async () => {
      const bare = await FakePlatform.start({
        roles: [role],
        endpoints: [{ identifier: 'locations', role: 'RECEIVER', url: '{base}/2.3.0/locations' }],
      })
      bare.tokenFromHub = 'token-b-of-partner'
      try {
        const response = await register({ ...valid(), url: bare.versionsUrl })
        expect(response.body.status_code).toBe(3003)
        expect(response.body.status_message).toContain('credentials')
        await expectNothingStored()
      } finally {
        await bare.close()
      }
    })

    it('[credentials POST] a body that is not JSON → HTTP 400 with the envelope', async () => {
      const response = await hub.ocpi('/2.3.0/credentials', {
        method: 'POST',
        token: invitation.token_a,
        body: '{"token": "abc",',
      })
      expect(response.status).toBe(400)
      expect(response.body.status_code).toBe(2000)
      expect(response.body.status_message).toBe('Request body is not valid JSON')
      await expectNothingStored()
    })

    it('[credentials PATCH] is not a credentials method → 405', async () => {
      const response = await hub.ocpi('/2.3.0/credentials', {
        method: 'PATCH',
        token: invitation.token_a,
        body: valid(),
      })
      expect(response.status).toBe(405)
      await expectNothingStored()
    })

    it('[non-specified JSON fields] unknown fields are accepted and registration succeeds', async () => {
      partner.tokenFromHub = 'token-b-of-partner'
      const body = {
        ...valid(),
        nlabc_extension: { anything: true },
        roles: [{ ...role, business_details: { name: 'Extended', nlabc_rating: 5 } }],
      }
      const response = await register(body)
      expect(response.body.status_code).toBe(1000)
      const view = await hub.admin<{ roles: { business_details: unknown }[] }>(
        'GET',
        `/platforms/${invitation.id}`,
      )
      expect(view.body.roles[0]?.business_details).toEqual({ name: 'Extended', nlabc_rating: 5 })
    })
  })
}
