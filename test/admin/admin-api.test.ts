import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeToken } from '../../src/core/tokens.ts'
import { aRole, FakePlatform, type FakePlatformOptions } from '../support/fake-platform.ts'
import { call, type HttpResult } from '../support/http.ts'
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'

/** The admin API's error format: RFC 9457 problem details, never the OCPI envelope. */
interface Problem {
  type: string
  title: string
  status: number
  detail: string
  step?: string
}

interface Invitation {
  id: string
  token_a: string
  versions_url: string
}

interface RoleView {
  role: string
  country_code: string
  party_id: string
  status: string
}

interface PlatformView {
  id: string
  name: string
  status: string
  initiated_by: string
  version: string | null
  roles: RoleView[]
}

interface Removal {
  platform: PlatformView
  partner_notified: boolean
  partner_error?: string
}

type RoleRequest = { role: string; country_code: string; party_id: string }

function expectProblem(response: HttpResult<unknown>, status: number, title: string): Problem {
  expect(response.status, response.text).toBe(status)
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  const problem = response.body as Problem
  expect(problem).toMatchObject({ type: 'about:blank', title, status })
  expect(typeof problem.detail).toBe('string')
  // Not the OCPI envelope.
  expect(problem).not.toHaveProperty('status_code')
  expect(problem).not.toHaveProperty('timestamp')
  return problem
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: admin API`, () => {
    let hub: TestHub
    const platforms: FakePlatform[] = []

    async function fakePartner(
      options: Partial<FakePlatformOptions> & { roles: FakePlatformOptions['roles'] },
    ) {
      const platform = await FakePlatform.start(options)
      platforms.push(platform)
      return platform
    }

    async function invite(roles: RoleRequest[], name = 'Partner'): Promise<Invitation> {
      const response = await hub.admin<Invitation>('POST', '/invitations', { name, roles })
      expect(response.status, response.text).toBe(201)
      return response.body
    }

    /** A partner that registered at the hub with an invitation for its one CPO role. */
    async function registeredPartner(country_code: string, party_id: string) {
      const partner = await fakePartner({ roles: [aRole('CPO', country_code, party_id)] })
      const invitation = await invite([{ role: 'CPO', country_code, party_id }], `CPO ${party_id}`)
      const { response } = await partner.registerAt(invitation.versions_url, invitation.token_a)
      expect(response.body.status_code).toBe(1000)
      return { partner, invitation }
    }

    async function listPlatforms(): Promise<PlatformView[]> {
      const response = await hub.admin<{ platforms: PlatformView[] }>('GET', '/platforms')
      expect(response.status).toBe(200)
      return response.body.platforms
    }

    beforeAll(async () => {
      // A short outbound timeout keeps the "partner never answers" case quick.
      hub = await startTestHub(engine, { OUTBOUND_TIMEOUT_MS: '1000' })
    })
    afterAll(async () => {
      await Promise.all(platforms.map((p) => p.close()))
      await hub.close()
    })

    describe('authentication', () => {
      const refusedHeaders: [string, Record<string, string>][] = [
        ['no Authorization header', {}],
        ['a wrong admin token', { authorization: 'Bearer not-the-admin-token' }],
        ['the OCPI Token scheme with the admin token', { authorization: `Token ${ADMIN_TOKEN}` }],
        [
          'the admin token Base64-encoded as OCPI sends it',
          { authorization: `Token ${encodeToken(ADMIN_TOKEN)}` },
        ],
        ['Bearer without a token', { authorization: 'Bearer ' }],
        ['the admin token without a scheme', { authorization: ADMIN_TOKEN }],
      ]

      it.each(refusedHeaders)('%s → HTTP 401 in the admin error format', async (_case, headers) => {
        const response = await call(`${hub.url}/admin/platforms`, { headers })
        const problem = expectProblem(response, 401, 'ADMIN_UNAUTHORIZED')
        expect(problem.detail).toContain('Bearer')
      })

      it('an unauthenticated invitation, connection or removal is refused and changes nothing', async () => {
        const before = await listPlatforms()
        const invitation = await call(`${hub.url}/admin/invitations`, {
          method: 'POST',
          body: { name: 'Sneaky', roles: [{ role: 'CPO', country_code: 'NL', party_id: 'SNK' }] },
        })
        expectProblem(invitation, 401, 'ADMIN_UNAUTHORIZED')
        const partner = await fakePartner({ roles: [aRole('CPO', 'NL', 'SNC')] })
        const connection = await call(`${hub.url}/admin/connections`, {
          method: 'POST',
          headers: { authorization: 'Bearer wrong' },
          body: { versions_url: partner.versionsUrl, token_a: partner.tokenA, name: 'Sneaky' },
        })
        expectProblem(connection, 401, 'ADMIN_UNAUTHORIZED')
        expect(partner.received).toEqual([])

        const { invitation: registered } = await registeredPartner('NL', 'SND')
        const removal = await call(`${hub.url}/admin/platforms/${registered.id}`, { method: 'DELETE' })
        expectProblem(removal, 401, 'ADMIN_UNAUTHORIZED')
        expect((await listPlatforms()).length).toBe(before.length + 1)
        expect((await hub.admin<PlatformView>('GET', `/platforms/${registered.id}`)).body.status).toBe(
          'CONNECTED',
        )
      })

      it('the admin token is not an OCPI token', async () => {
        const response = await hub.ocpi('/versions', { token: ADMIN_TOKEN })
        expect(response.status).toBe(401)
        expect(response.body.status_code).toBe(2000)
      })
    })

    describe('POST /admin/invitations', () => {
      it('201 with exactly {id, token_a, versions_url, token_a_expires_at}; token A opens the hub versions', async () => {
        const response = await hub.admin<Invitation>('POST', '/invitations', {
          name: 'Dutch CPO',
          roles: [{ role: 'CPO', country_code: 'NL', party_id: 'INV' }],
        })
        expect(response.status).toBe(201)
        expect(response.headers.get('content-type')).toMatch(/^application\/json/)
        expect(Object.keys(response.body).sort()).toEqual([
          'id',
          'token_a',
          'token_a_expires_at',
          'versions_url',
        ])
        expect(response.body.id).toMatch(/\S/)
        expect(response.body.token_a).toMatch(/^[\x21-\x7E]{1,64}$/)
        expect(response.body.versions_url).toBe(hub.versionsUrl)

        const versions = await hub.ocpi('/versions', { token: response.body.token_a })
        expect(versions.status).toBe(200)
        expect(versions.body.status_code).toBe(1000)
      })

      it('every invitation gets its own id and token A', async () => {
        const first = await invite([{ role: 'EMSP', country_code: 'NL', party_id: 'UQ1' }])
        const second = await invite([{ role: 'EMSP', country_code: 'NL', party_id: 'UQ2' }])
        expect(second.id).not.toBe(first.id)
        expect(second.token_a).not.toBe(first.token_a)
      })

      it('stores the roles upper-cased, as PLANNED, without showing any token', async () => {
        const invitation = await invite(
          [
            { role: 'CPO', country_code: 'be', party_id: 'lc1' },
            { role: 'EMSP', country_code: 'BE', party_id: 'LC1' },
          ],
          'Belgian CPO and eMSP',
        )
        const view = await hub.admin<PlatformView>('GET', `/platforms/${invitation.id}`)
        expect(view.status).toBe(200)
        expect(view.body).toMatchObject({
          id: invitation.id,
          name: 'Belgian CPO and eMSP',
          status: 'PLANNED',
          initiated_by: 'partner',
          version: null,
        })
        expect(view.body.roles).toEqual([
          expect.objectContaining({ role: 'CPO', country_code: 'BE', party_id: 'LC1', status: 'PLANNED' }),
          expect.objectContaining({ role: 'EMSP', country_code: 'BE', party_id: 'LC1', status: 'PLANNED' }),
        ])
        expect(view.text).not.toContain(invitation.token_a)
      })

      const validRole = { role: 'CPO', country_code: 'NL', party_id: 'VAL' }
      const invalidBodies: [string, unknown, string][] = [
        ['name missing', { roles: [validRole] }, 'name'],
        ['name empty', { name: '', roles: [validRole] }, 'name'],
        ['roles missing', { name: 'X' }, 'roles'],
        ['roles empty', { name: 'X', roles: [] }, 'roles'],
        ['an unknown role value', { name: 'X', roles: [{ ...validRole, role: 'CHARGER' }] }, 'roles[0].role'],
        ['a role in lower case', { name: 'X', roles: [{ ...validRole, role: 'cpo' }] }, 'roles[0].role'],
        [
          'a three-letter country_code',
          { name: 'X', roles: [{ ...validRole, country_code: 'NLD' }] },
          'country_code',
        ],
        [
          'a country_code with a digit',
          { name: 'X', roles: [{ ...validRole, country_code: 'N1' }] },
          'country_code',
        ],
        ['a two-letter party_id', { name: 'X', roles: [{ ...validRole, party_id: 'AB' }] }, 'party_id'],
        ['a party_id with a dash', { name: 'X', roles: [{ ...validRole, party_id: 'A-B' }] }, 'party_id'],
        ['a role without party_id', { name: 'X', roles: [{ role: 'CPO', country_code: 'NL' }] }, 'party_id'],
        ['a list instead of an object', [validRole], 'body'],
        [
          'the same role twice',
          { name: 'X', roles: [validRole, { ...validRole, country_code: 'nl', party_id: 'val' }] },
          'listed twice',
        ],
      ]

      it.each(invalidBodies)(
        '%s → HTTP 400 naming the problem, nothing stored',
        async (_case, body, named) => {
          const before = (await listPlatforms()).length
          const response = await hub.admin('POST', '/invitations', body)
          const problem = expectProblem(response, 400, 'ADMIN_INVALID_REQUEST')
          expect(problem.detail).toContain(named)
          expect((await listPlatforms()).length).toBe(before)
        },
      )

      it('a body that is not JSON → HTTP 400 in the admin error format, nothing stored', async () => {
        const before = (await listPlatforms()).length
        const response = await call(`${hub.url}/admin/invitations`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: '{"name": "X", "roles": [',
        })
        const problem = expectProblem(response, 400, 'ADMIN_INVALID_REQUEST')
        expect(problem.detail).toContain('JSON')
        expect((await listPlatforms()).length).toBe(before)
      })

      it('a role another invitation already allows → HTTP 409 naming it, nothing stored', async () => {
        await invite([{ role: 'CPO', country_code: 'DE', party_id: 'TKN' }])
        const before = (await listPlatforms()).length
        const response = await hub.admin('POST', '/invitations', {
          name: 'Second claimant',
          roles: [
            { role: 'EMSP', country_code: 'DE', party_id: 'TKN' },
            { role: 'CPO', country_code: 'de', party_id: 'tkn' },
          ],
        })
        const problem = expectProblem(response, 409, 'ADMIN_CONFLICT')
        expect(problem.detail).toContain('CPO DE/TKN')
        expect(problem.detail).not.toContain('EMSP')
        expect((await listPlatforms()).length).toBe(before)
      })

      it('a role a registered platform holds → HTTP 409', async () => {
        await registeredPartner('DE', 'REG')
        const response = await hub.admin('POST', '/invitations', {
          name: 'Impostor',
          roles: [{ role: 'CPO', country_code: 'DE', party_id: 'REG' }],
        })
        expectProblem(response, 409, 'ADMIN_CONFLICT')
      })

      it('a role the hub holds through its own registration at a partner → HTTP 409', async () => {
        const partner = await fakePartner({ roles: [aRole('CPO', 'DE', 'HBC')] })
        const connection = await hub.admin('POST', '/connections', {
          versions_url: partner.versionsUrl,
          token_a: partner.tokenA,
          name: 'Connected by the hub',
        })
        expect(connection.status).toBe(201)
        const response = await hub.admin('POST', '/invitations', {
          name: 'Impostor',
          roles: [{ role: 'CPO', country_code: 'DE', party_id: 'HBC' }],
        })
        expectProblem(response, 409, 'ADMIN_CONFLICT')
      })

      it('the same party in another role is not a conflict', async () => {
        await invite([{ role: 'CPO', country_code: 'DE', party_id: 'TWO' }])
        await invite([{ role: 'EMSP', country_code: 'DE', party_id: 'TWO' }])
      })

      it('concurrent invitations for one role: exactly one is created, the others get 409', async () => {
        const body = { name: 'Racer', roles: [{ role: 'CPO', country_code: 'DK', party_id: 'RCE' }] }
        // Ten at once: enough for several to pass the conflict check before the first one commits.
        const responses = await Promise.all(
          Array.from({ length: 10 }, () => hub.admin('POST', '/invitations', body)),
        )
        expect(responses.map((r) => r.status).sort()).toEqual([201, ...Array<number>(9).fill(409)])
        for (const refused of responses.filter((r) => r.status !== 201))
          expectProblem(refused, 409, 'ADMIN_CONFLICT')
        const holders = (await listPlatforms()).filter((p) => p.roles.some((r) => r.party_id === 'RCE'))
        expect(holders).toHaveLength(1)
      })
    })

    describe('GET /admin/platforms', () => {
      it('lists invited and registered platforms with roles, version and status, never a token', async () => {
        const pending = await invite([{ role: 'EMSP', country_code: 'FR', party_id: 'PND' }], 'Pending eMSP')
        const { partner, invitation } = await registeredPartner('FR', 'LST')

        const response = await hub.admin<{ platforms: PlatformView[] }>('GET', '/platforms')
        expect(response.status).toBe(200)
        const byId = new Map(response.body.platforms.map((p) => [p.id, p]))
        expect(byId.get(pending.id)).toMatchObject({
          name: 'Pending eMSP',
          status: 'PLANNED',
          version: null,
          initiated_by: 'partner',
          roles: [
            expect.objectContaining({ role: 'EMSP', country_code: 'FR', party_id: 'PND', status: 'PLANNED' }),
          ],
        })
        expect(byId.get(invitation.id)).toMatchObject({
          name: 'CPO LST',
          status: 'CONNECTED',
          version: '2.3.0',
          initiated_by: 'partner',
          roles: [
            expect.objectContaining({
              role: 'CPO',
              country_code: 'FR',
              party_id: 'LST',
              status: 'CONNECTED',
            }),
          ],
        })
        for (const secret of [
          pending.token_a,
          invitation.token_a,
          partner.tokenToHub!,
          partner.tokenFromHub!,
        ]) {
          expect(response.text).not.toContain(secret)
        }
      })

      it('GET /admin/platforms/{id} shows one platform; an unknown id → HTTP 404 in the admin format', async () => {
        const invitation = await invite([{ role: 'NSP', country_code: 'FR', party_id: 'ONE' }], 'One')
        const found = await hub.admin<PlatformView>('GET', `/platforms/${invitation.id}`)
        expect(found.status).toBe(200)
        expect(found.body).toMatchObject({ id: invitation.id, name: 'One', status: 'PLANNED' })

        const missing = await hub.admin('GET', '/platforms/00000000-0000-0000-0000-000000000000')
        const problem = expectProblem(missing, 404, 'ADMIN_NOT_FOUND')
        expect(problem.detail).toContain('00000000-0000-0000-0000-000000000000')
        expectProblem(await hub.admin('GET', '/platforms/not-a-uuid'), 404, 'ADMIN_NOT_FOUND')
      })

      it("GET /admin/platforms/{id} gives when the partner last called: none before its first call, then that call's time", async () => {
        const invited = await invite([{ role: 'NSP', country_code: 'FR', party_id: 'SEN' }], 'Seen')
        const before = await hub.admin<{ last_seen_at: string | null }>('GET', `/platforms/${invited.id}`)
        expect(before.body.last_seen_at).toBeNull()

        const { partner, invitation } = await registeredPartner('FR', 'SEE')
        const calledAt = Date.now()
        const versions = await call(hub.versionsUrl, { token: partner.tokenToHub! })
        expect(versions.status).toBe(200)
        const after = await hub.admin<{ last_seen_at: string | null }>('GET', `/platforms/${invitation.id}`)
        expect(after.status).toBe(200)
        expect(after.body.last_seen_at).not.toBeNull()
        // The store keeps the time of the call (to the second at least), never a later or a made-up one.
        expect(Date.parse(after.body.last_seen_at!)).toBeGreaterThanOrEqual(calledAt - 1000)
        expect(Date.parse(after.body.last_seen_at!)).toBeLessThanOrEqual(Date.now())
      })

      it('an unknown admin path → HTTP 404 in the admin format', async () => {
        expectProblem(await hub.admin('GET', '/no-such-thing'), 404, 'ADMIN_NOT_FOUND')
      })
    })

    describe('DELETE /admin/platforms/{id}', () => {
      it('unregisters a registered partner: the hub calls its credentials DELETE and its token stops working', async () => {
        const { partner, invitation } = await registeredPartner('IT', 'DEL')
        const tokenHubPresents = partner.tokenFromHub
        const tokenPartnerPresents = partner.tokenToHub!

        const response = await hub.admin<Removal>('DELETE', `/platforms/${invitation.id}`)

        expect(response.status).toBe(200)
        expect(response.body.partner_notified).toBe(true)
        expect(response.body).not.toHaveProperty('partner_error')
        expect(response.body.platform).toMatchObject({ id: invitation.id, status: 'SUSPENDED' })
        expect(response.body.platform.roles.map((r) => r.status)).toEqual(['SUSPENDED'])
        const deletes = partner.requestsTo('DELETE', '/2.3.0/credentials')
        expect(deletes).toHaveLength(1)
        expect(deletes[0]?.token).toBe(tokenHubPresents)

        expect((await hub.ocpi('/versions', { token: tokenPartnerPresents })).status).toBe(401)
        expect((await hub.ocpi('/2.3.0/credentials', { token: tokenPartnerPresents })).status).toBe(401)
        // Kept for history, and the party may be invited again.
        expect((await listPlatforms()).find((p) => p.id === invitation.id)?.status).toBe('SUSPENDED')
        await invite([{ role: 'CPO', country_code: 'IT', party_id: 'DEL' }], 'Back again')
      })

      it('the partner cannot be reached: still unregistered, and the answer says the partner was not told', async () => {
        const { partner, invitation } = await registeredPartner('IT', 'GNE')
        const tokenPartnerPresents = partner.tokenToHub!
        await partner.close()

        const response = await hub.admin<Removal>('DELETE', `/platforms/${invitation.id}`)

        expect(response.status).toBe(200)
        expect(response.body.partner_notified).toBe(false)
        expect(response.body.partner_error).toEqual(expect.any(String))
        expect(response.body.platform.status).toBe('SUSPENDED')
        expect((await hub.ocpi('/versions', { token: tokenPartnerPresents })).status).toBe(401)
      })

      it('the partner refuses the DELETE: still unregistered, with the partner answer', async () => {
        const { partner, invitation } = await registeredPartner('IT', 'RFS')
        partner.failNext('DELETE', '/2.3.0/credentials', 500, {
          status_code: 3000,
          timestamp: new Date().toISOString(),
        })

        const response = await hub.admin<Removal>('DELETE', `/platforms/${invitation.id}`)

        expect(response.status).toBe(200)
        expect(response.body.partner_notified).toBe(false)
        expect(response.body.partner_error).toContain('HTTP 500')
        expect(response.body.platform.status).toBe('SUSPENDED')
      })

      it('withdraws an invitation for good: no call to anyone, token A stops working, gone from the lists', async () => {
        const invitation = await invite([{ role: 'CPO', country_code: 'IT', party_id: 'WDR' }])
        const response = await hub.admin('DELETE', `/platforms/${invitation.id}`)
        expect(response.status).toBe(200)
        expect(response.body).toEqual({ id: invitation.id, withdrawn: true, partner_notified: false })
        expect((await hub.ocpi('/versions', { token: invitation.token_a })).status).toBe(401)
        expectProblem(await hub.admin('GET', `/platforms/${invitation.id}`), 404, 'ADMIN_NOT_FOUND')
        expect((await listPlatforms()).map((p) => p.id)).not.toContain(invitation.id)
        expectProblem(await hub.admin('DELETE', `/platforms/${invitation.id}`), 404, 'ADMIN_NOT_FOUND')
        // The role is free again.
        await invite([{ role: 'CPO', country_code: 'IT', party_id: 'WDR' }])
      })

      it('a second DELETE does not call the partner again', async () => {
        const { partner, invitation } = await registeredPartner('IT', 'TWC')
        expect((await hub.admin('DELETE', `/platforms/${invitation.id}`)).status).toBe(200)
        const again = await hub.admin<Removal>('DELETE', `/platforms/${invitation.id}`)
        expect(again.status).toBe(200)
        expect(again.body.platform.status).toBe('SUSPENDED')
        expect(partner.requestsTo('DELETE', '/2.3.0/credentials')).toHaveLength(1)
      })

      it('an unknown id → HTTP 404 in the admin format', async () => {
        const response = await hub.admin('DELETE', '/platforms/00000000-0000-0000-0000-000000000000')
        expectProblem(response, 404, 'ADMIN_NOT_FOUND')
      })
    })

    // The main failure paths of POST /admin/connections are in test/protocol/credentials/hub-registers-at-partner.test.ts.
    describe('POST /admin/connections', () => {
      const connectionBodies: [string, Record<string, unknown>, string][] = [
        ['versions_url missing', { token_a: 'token-a', name: 'X' }, 'versions_url'],
        [
          'versions_url not an http(s) URL',
          { versions_url: 'ftp://example.com/versions', token_a: 'a', name: 'X' },
          'versions_url',
        ],
        [
          'token_a with a space',
          { versions_url: 'https://example.com/versions', token_a: 'a b', name: 'X' },
          'token_a',
        ],
        [
          'token_a over 64 characters',
          { versions_url: 'https://example.com/versions', token_a: 'a'.repeat(65), name: 'X' },
          'token_a',
        ],
        ['name missing', { versions_url: 'https://example.com/versions', token_a: 'a' }, 'name'],
      ]

      it.each(connectionBodies)(
        '%s → HTTP 400 naming the field, no call made',
        async (_case, body, named) => {
          const before = (await listPlatforms()).length
          const problem = expectProblem(
            await hub.admin('POST', '/connections', body),
            400,
            'ADMIN_INVALID_REQUEST',
          )
          expect(problem.detail).toContain(named)
          expect((await listPlatforms()).length).toBe(before)
        },
      )

      it('the version details cannot be read → HTTP 502 naming the version_details step, nothing stored', async () => {
        const partner = await fakePartner({ roles: [aRole('CPO', 'ES', 'VDT')] })
        partner.failNext('GET', '/2.3.0', 500, { status_code: 3000, timestamp: new Date().toISOString() })
        const before = (await listPlatforms()).length
        const response = await hub.admin('POST', '/connections', {
          versions_url: partner.versionsUrl,
          token_a: partner.tokenA,
          name: 'X',
        })
        const problem = expectProblem(response, 502, 'ADMIN_PARTNER_FAILED')
        expect(problem.step).toBe('version_details')
        expect(problem.detail).toContain('HTTP 500')
        expect((await listPlatforms()).length).toBe(before)
        expect(partner.requestsTo('POST', '/2.3.0/credentials')).toEqual([])
      })

      it('the partner has no credentials endpoint → HTTP 502 naming the version_details step', async () => {
        const partner = await fakePartner({
          roles: [aRole('CPO', 'ES', 'NCR')],
          endpoints: [{ identifier: 'locations', role: 'SENDER', url: '{base}/2.3.0/locations' }],
        })
        const response = await hub.admin('POST', '/connections', {
          versions_url: partner.versionsUrl,
          token_a: partner.tokenA,
          name: 'X',
        })
        const problem = expectProblem(response, 502, 'ADMIN_PARTNER_FAILED')
        expect(problem.step).toBe('version_details')
        expect(problem.detail).toContain('credentials')
      })

      it('the partner never answers the credentials POST → HTTP 502 naming the credentials step, nothing stored', async () => {
        const partner = await fakePartner({ roles: [aRole('CPO', 'ES', 'HNG')] })
        partner.hang('POST', '/2.3.0/credentials')
        const before = (await listPlatforms()).length
        const response = await hub.admin('POST', '/connections', {
          versions_url: partner.versionsUrl,
          token_a: partner.tokenA,
          name: 'X',
        })
        const problem = expectProblem(response, 502, 'ADMIN_PARTNER_FAILED')
        expect(problem.step).toBe('credentials')
        expect((await listPlatforms()).length).toBe(before)
        // The token B the hub offered in the unanswered POST must not open the hub.
        const offered = partner.requestsTo('POST', '/2.3.0/credentials')[0]?.body as { token: string }
        expect((await hub.ocpi('/versions', { token: offered.token })).status).toBe(401)
      })

      it('the partner answers with unusable credentials → HTTP 502 naming the credentials step', async () => {
        const partner = await fakePartner({ roles: [aRole('CPO', 'ES', 'BAD')] })
        partner.failNext('POST', '/2.3.0/credentials', 200, {
          data: { url: partner.versionsUrl, roles: [] },
          status_code: 1000,
          timestamp: new Date().toISOString(),
        })
        const before = (await listPlatforms()).length
        const response = await hub.admin('POST', '/connections', {
          versions_url: partner.versionsUrl,
          token_a: partner.tokenA,
          name: 'X',
        })
        const problem = expectProblem(response, 502, 'ADMIN_PARTNER_FAILED')
        expect(problem.step).toBe('credentials')
        expect(problem.detail).toContain('token')
        expect((await listPlatforms()).length).toBe(before)
      })
    })
  })
}
