import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClientInfo } from '../../src/modules/hub-client-info/hub-client-info.schema.ts'
import { aLocation } from '../fixtures/locations.ts'
import { aToken } from '../fixtures/tokens.ts'
import { capturedLog } from '../support/captured-log.ts'
import { aRole, FakePlatform } from '../support/fake-platform.ts'
import { call, type HttpResult } from '../support/http.ts'
import {
  connectParty,
  eventually,
  QUIET_MS,
  routeHeaders,
  WITH_HUB_CLIENT_INFO,
  type ConnectedParty,
} from '../support/roaming-network.ts'
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'

/** Partner lifecycle through the admin API (docs/admin-api.md): details, roles, token A expiry, lists, bulk. */

interface Problem {
  title: string
  status: number
  detail: string
  errors?: { row: number; reason: string }[]
}

interface Invitation {
  id: string
  token_a: string
  versions_url: string
  token_a_expires_at: string | null
}

interface PlatformView {
  id: string
  name: string
  status: string
  contact: { email?: string; phone?: string; person?: string } | null
  notes: string | null
  roles: { role: string; country_code: string; party_id: string; status: string }[]
  token_a_expires_at: string | null
  token_a_expired: boolean
}

interface PlatformList {
  platforms: PlatformView[]
  next_cursor: string | null
}

type RoleRequest = { role: string; country_code: string; party_id: string }

/** A cursor in the admin lists' encoding (base64url of a JSON array), with values of the test's choosing. */
const listCursor = (values: unknown[]) => Buffer.from(JSON.stringify(values), 'utf8').toString('base64url')

function expectProblem(response: HttpResult<unknown>, status: number, title: string): Problem {
  expect(response.status, response.text).toBe(status)
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  const problem = response.body as Problem
  expect(problem).toMatchObject({ title, status })
  return problem
}

const HOUR_MS = 3_600_000

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: partner lifecycle in the admin API`, () => {
    let hub: TestHub
    const log = capturedLog()
    const started: FakePlatform[] = []
    const network: ConnectedParty[] = []

    async function invite(roles: RoleRequest[], name = 'Partner', extra: object = {}): Promise<Invitation> {
      const response = await hub.admin<Invitation>('POST', '/invitations', { name, roles, ...extra })
      expect(response.status, response.text).toBe(201)
      return response.body
    }

    async function view(id: string): Promise<PlatformView> {
      const response = await hub.admin<PlatformView>('GET', `/platforms/${id}`)
      expect(response.status, response.text).toBe(200)
      return response.body
    }

    async function allPlatforms(query = ''): Promise<PlatformView[]> {
      const response = await hub.admin<PlatformList>('GET', `/platforms?limit=1000${query}`)
      expect(response.status, response.text).toBe(200)
      return response.body.platforms
    }

    function sendCsv(text: string) {
      return call<unknown>(`${hub.url}/admin/invitations/bulk`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv' },
        body: text,
      })
    }

    beforeAll(async () => {
      hub = await startTestHub(
        engine,
        { DELIVERY_RETRY_BASE_MS: '50', DELIVERY_POLL_INTERVAL_MS: '50', INVITATION_TTL_HOURS: '48' },
        { logger: log.logger },
      )
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([...started, ...network.map((p) => p.platform)].map((p) => p.close()))
    })

    describe('PATCH /admin/platforms/{id}', () => {
      it('renames, records contact and notes, shows them in GET; absent fields stay, null clears', async () => {
        const invitation = await invite([{ role: 'CPO', country_code: 'NL', party_id: 'PT1' }], 'Old name')
        const patched = await hub.admin<PlatformView>('PATCH', `/platforms/${invitation.id}`, {
          name: 'New name',
          contact: { email: 'ops@example.com', phone: '+31 20 123 4567', person: 'Ada Lovelace' },
          notes: 'Signed the roaming agreement on 1 December.',
        })
        expect(patched.status, patched.text).toBe(200)
        expect(patched.body).toMatchObject({
          id: invitation.id,
          name: 'New name',
          contact: { email: 'ops@example.com', phone: '+31 20 123 4567', person: 'Ada Lovelace' },
          notes: 'Signed the roaming agreement on 1 December.',
        })
        expect(await view(invitation.id)).toMatchObject({ name: 'New name', notes: patched.body.notes })

        const notesOnly = await hub.admin<PlatformView>('PATCH', `/platforms/${invitation.id}`, {
          notes: 'Second note',
        })
        expect(notesOnly.body).toMatchObject({ name: 'New name', notes: 'Second note' })
        expect(notesOnly.body.contact).toEqual(patched.body.contact)

        const cleared = await hub.admin<PlatformView>('PATCH', `/platforms/${invitation.id}`, {
          contact: null,
          notes: null,
        })
        expect(cleared.body).toMatchObject({ name: 'New name', contact: null, notes: null })
        expect((await allPlatforms()).find((p) => p.id === invitation.id)?.name).toBe('New name')
      })

      it('renames a connected platform without telling anyone and without touching its connection', async () => {
        const cpo = await connectParty(hub, 'CPO', 'NL', 'PT2')
        network.push(cpo)
        const before = cpo.platform.received.length
        const patched = await hub.admin<PlatformView>('PATCH', `/platforms/${cpo.platformId}`, {
          name: 'Renamed CPO',
        })
        expect(patched.body).toMatchObject({ name: 'Renamed CPO', status: 'CONNECTED' })
        expect((await cpo.call('/credentials')).body.status_code).toBe(1000)
        expect(cpo.platform.received.length).toBe(before)
      })

      const invalidPatches: [string, unknown, string][] = [
        ['an unknown field', { name: 'X', colour: 'blue' }, 'colour'],
        ['an unknown contact field', { contact: { fax: '123' } }, 'fax'],
        ['an e-mail address without @', { contact: { email: 'ops.example.com' } }, 'contact.email'],
        ['a phone number with letters', { contact: { phone: 'call me' } }, 'contact.phone'],
        ['notes over 10000 characters', { notes: 'n'.repeat(10_001) }, 'notes'],
        ['an empty name', { name: '' }, 'name'],
        ['nothing to change', {}, 'body'],
      ]

      it.each(invalidPatches)('%s → 400 naming it, nothing changed', async (_case, body, named) => {
        const invitation = await invite([{ role: 'CPO', country_code: 'NL', party_id: 'PT3' }], 'Unchanged')
        const problem = expectProblem(
          await hub.admin('PATCH', `/platforms/${invitation.id}`, body),
          400,
          'ADMIN_INVALID_REQUEST',
        )
        expect(problem.detail).toContain(named)
        expect(await view(invitation.id)).toMatchObject({ name: 'Unchanged', contact: null, notes: null })
        await hub.admin('DELETE', `/platforms/${invitation.id}`)
      })

      it('an unknown platform → 404', async () => {
        expectProblem(
          await hub.admin('PATCH', '/platforms/00000000-0000-0000-0000-000000000000', { name: 'X' }),
          404,
          'ADMIN_NOT_FOUND',
        )
      })
    })

    describe('token A expiry', () => {
      it('expires after INVITATION_TTL_HOURS unless the invitation says otherwise; 0 never expires', async () => {
        const startedAt = Date.now()
        const byDefault = await invite([{ role: 'CPO', country_code: 'NL', party_id: 'EX1' }])
        const expiresAt = Date.parse(byDefault.token_a_expires_at!)
        expect(expiresAt).toBeGreaterThanOrEqual(startedAt + 48 * HOUR_MS - 1000)
        expect(expiresAt).toBeLessThanOrEqual(Date.now() + 48 * HOUR_MS + 1000)
        expect(await view(byDefault.id)).toMatchObject({
          token_a_expires_at: byDefault.token_a_expires_at,
          token_a_expired: false,
        })

        const shorter = await invite([{ role: 'CPO', country_code: 'NL', party_id: 'EX2' }], 'P', {
          expires_in_hours: 2,
        })
        expect(Date.parse(shorter.token_a_expires_at!) - Date.now()).toBeLessThanOrEqual(2 * HOUR_MS)

        const forever = await invite([{ role: 'CPO', country_code: 'NL', party_id: 'EX3' }], 'P', {
          expires_in_hours: 0,
        })
        expect(forever.token_a_expires_at).toBeNull()
        expect(await view(forever.id)).toMatchObject({ token_a_expires_at: null, token_a_expired: false })
      })

      it.each([
        ['negative', -1],
        ['over a year', 8761],
        ['a string', '24'],
      ])('expires_in_hours %s → 400', async (_case, hours) => {
        const problem = expectProblem(
          await hub.admin('POST', '/invitations', {
            name: 'X',
            roles: [{ role: 'CPO', country_code: 'NL', party_id: 'EXB' }],
            expires_in_hours: hours,
          }),
          400,
          'ADMIN_INVALID_REQUEST',
        )
        expect(problem.detail).toContain('expires_in_hours')
      })

      it('an expired token A opens nothing (401 as an unknown token); a reissued one does, the old one not', async () => {
        const invitation = await invite([{ role: 'CPO', country_code: 'NL', party_id: 'EX4' }], 'Late', {
          expires_in_hours: 0.0003, // about one second
        })
        await eventually(async () => {
          const versions = await hub.ocpi('/versions', { token: invitation.token_a })
          expect(versions.status).toBe(401)
          expect(versions.body.status_code).toBe(2000)
        })
        const unknown = await hub.ocpi('/versions', { token: 'never-issued-token' })
        expect(unknown.body.status_message).toBe(
          (await hub.ocpi('/versions', { token: invitation.token_a })).body.status_message,
        )
        expect(await view(invitation.id)).toMatchObject({ status: 'PLANNED', token_a_expired: true })

        const reissued = await hub.admin<Invitation>('POST', `/platforms/${invitation.id}/reissue-token-a`, {
          expires_in_hours: 1,
        })
        expect(reissued.status, reissued.text).toBe(200)
        expect(reissued.body).toMatchObject({ id: invitation.id, versions_url: hub.versionsUrl })
        expect(reissued.body.token_a).not.toBe(invitation.token_a)
        expect(Date.parse(reissued.body.token_a_expires_at!) - Date.now()).toBeGreaterThan(0.9 * HOUR_MS)
        expect(await view(invitation.id)).toMatchObject({ token_a_expired: false })
        expect((await hub.ocpi('/versions', { token: reissued.body.token_a })).status).toBe(200)
        expect((await hub.ocpi('/versions', { token: invitation.token_a })).status).toBe(401)

        // And the partner registers with it.
        const partner = await FakePlatform.start({ roles: [aRole('CPO', 'NL', 'EX4')] })
        started.push(partner)
        const { response } = await partner.registerAt(reissued.body.versions_url, reissued.body.token_a)
        expect(response.body.status_code).toBe(1000)
        expect(await view(invitation.id)).toMatchObject({
          status: 'CONNECTED',
          token_a_expires_at: null,
          token_a_expired: false,
        })
      })

      it('reissuing needs no body; a still-valid token A is replaced too', async () => {
        const invitation = await invite([{ role: 'CPO', country_code: 'NL', party_id: 'EX5' }])
        const reissued = await call<Invitation>(
          `${hub.url}/admin/platforms/${invitation.id}/reissue-token-a`,
          {
            method: 'POST',
            headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
          },
        )
        expect(reissued.status, reissued.text).toBe(200)
        expect(Date.parse(reissued.body.token_a_expires_at!) - Date.now()).toBeGreaterThan(47 * HOUR_MS)
        expect((await hub.ocpi('/versions', { token: invitation.token_a })).status).toBe(401)
        expect((await hub.ocpi('/versions', { token: reissued.body.token_a })).status).toBe(200)
      })

      it('reissuing for a registered platform → 409; an unknown one → 404; a bad body → 400', async () => {
        const cpo = await connectParty(hub, 'CPO', 'NL', 'EX6')
        network.push(cpo)
        expectProblem(
          await hub.admin('POST', `/platforms/${cpo.platformId}/reissue-token-a`),
          409,
          'ADMIN_CONFLICT',
        )
        expectProblem(
          await hub.admin('POST', '/platforms/00000000-0000-0000-0000-000000000000/reissue-token-a'),
          404,
          'ADMIN_NOT_FOUND',
        )
        const invitation = await invite([{ role: 'CPO', country_code: 'NL', party_id: 'EX7' }])
        const problem = expectProblem(
          await hub.admin('POST', `/platforms/${invitation.id}/reissue-token-a`, { expires_in_hours: -2 }),
          400,
          'ADMIN_INVALID_REQUEST',
        )
        expect(problem.detail).toContain('expires_in_hours')
        expect((await hub.ocpi('/versions', { token: invitation.token_a })).status).toBe(200)
      })
    })

    describe('roles of a platform', () => {
      let cpo: ConnectedParty
      let emsp: ConnectedParty
      const ADDED = { country_code: 'NL', party_id: 'RL2' }

      function clientInfoStatuses(party: ConnectedParty, country_code: string, party_id: string) {
        return party
          .inbox('hubclientinfo')
          .filter((r) => r.path === `/2.3.0/receiver/hubclientinfo/${country_code}/${party_id}`)
          .map((r) => (r.body as ClientInfo).status)
      }

      async function credentialsRoles(party: ConnectedParty) {
        const response = await party.call<{ data: { roles: RoleRequest[] } }>('/credentials')
        return response.body.data.roles.map((r) => `${r.role} ${r.country_code}/${r.party_id}`)
      }

      beforeAll(async () => {
        cpo = await connectParty(hub, 'CPO', 'NL', 'RL1', { modules: WITH_HUB_CLIENT_INFO })
        emsp = await connectParty(hub, 'EMSP', 'DE', 'RL1', { modules: WITH_HUB_CLIENT_INFO })
        network.push(cpo, emsp)
      })

      it('a role added to a connected platform routes at once and is announced as CONNECTED', async () => {
        const added = await hub.admin<PlatformView>('POST', `/platforms/${cpo.platformId}/roles`, {
          role: 'CPO',
          ...ADDED,
        })
        expect(added.status, added.text).toBe(201)
        expect(added.body.roles).toContainEqual(
          expect.objectContaining({ role: 'CPO', ...ADDED, status: 'CONNECTED' }),
        )
        await eventually(() => expect(clientInfoStatuses(emsp, 'NL', 'RL2')).toEqual(['CONNECTED']))
        expect(await credentialsRoles(emsp)).toContain('CPO NL/RL2')

        // From the new party: a Location pushed to the eMSP.
        const pushed = await cpo.call('/receiver/locations/NL/RL2/LOC-RL2', {
          method: 'PUT',
          body: aLocation({ id: 'LOC-RL2' }, ADDED),
          headers: routeHeaders(ADDED, emsp.party),
        })
        expect(pushed.body.status_code, pushed.text).toBe(1000)
        expect(emsp.platform.requestsTo('PUT', '/2.3.0/receiver/locations/NL/RL2/LOC-RL2')).toHaveLength(1)

        // To the new party: an eMSP's token pushed to it reaches the CPO's platform.
        const token = aToken({ uid: 'TOK-RL2' }, emsp.party)
        const sent = await emsp.call('/receiver/tokens/DE/RL1/TOK-RL2?type=RFID', {
          method: 'PUT',
          body: token,
          headers: routeHeaders(emsp.party, ADDED),
        })
        expect(sent.body.status_code, sent.text).toBe(1000)
        const arrived = cpo.platform.requestsTo('PUT', '/2.3.0/receiver/tokens/DE/RL1/TOK-RL2')
        expect(arrived).toHaveLength(1)
        expect(arrived[0]!.headers['ocpi-to-party-id']).toBe('RL2')
      })

      it('a role removed: announced as SUSPENDED, gone from credentials, requests to it are 4001', async () => {
        const removed = await hub.admin<PlatformView>(
          'DELETE',
          `/platforms/${cpo.platformId}/roles/NL/RL2/CPO`,
        )
        expect(removed.status, removed.text).toBe(200)
        expect(removed.body.roles.map((r) => `${r.role} ${r.country_code}/${r.party_id}`)).toEqual([
          'CPO NL/RL1',
        ])
        await eventually(() =>
          expect(clientInfoStatuses(emsp, 'NL', 'RL2')).toEqual(['CONNECTED', 'SUSPENDED']),
        )
        expect(await credentialsRoles(emsp)).not.toContain('CPO NL/RL2')

        const before = cpo.platform.received.length
        const toRemoved = await emsp.call('/receiver/tokens/DE/RL1/TOK-RL3?type=RFID', {
          method: 'PUT',
          body: aToken({ uid: 'TOK-RL3' }, emsp.party),
          headers: routeHeaders(emsp.party, ADDED),
        })
        expect(toRemoved.body.status_code).toBe(4001)
        const fromRemoved = await cpo.call('/receiver/locations/NL/RL2/LOC-RL3', {
          method: 'PUT',
          body: aLocation({ id: 'LOC-RL3' }, ADDED),
          headers: routeHeaders(ADDED, emsp.party),
        })
        expect(fromRemoved.body.status_code).not.toBe(1000)
        await new Promise((resolve) => setTimeout(resolve, QUIET_MS))
        expect(cpo.platform.received.length).toBe(before)
        expect(emsp.platform.requestsTo('PUT', '/2.3.0/receiver/locations/NL/RL2/LOC-RL3')).toEqual([])
        // The party may be given to another platform now.
        await invite([{ role: 'CPO', ...ADDED }], 'New home of RL2')
      })

      it('a role added to an invitation may be claimed; a removed one may not', async () => {
        const invitation = await invite([
          { role: 'CPO', country_code: 'BE', party_id: 'RL4' },
          { role: 'CPO', country_code: 'BE', party_id: 'RL5' },
        ])
        const added = await hub.admin<PlatformView>('POST', `/platforms/${invitation.id}/roles`, {
          role: 'EMSP',
          country_code: 'be',
          party_id: 'rl4',
        })
        expect(added.status, added.text).toBe(201)
        expect(added.body.roles).toContainEqual(
          expect.objectContaining({ role: 'EMSP', country_code: 'BE', party_id: 'RL4', status: 'PLANNED' }),
        )
        expect((await hub.admin('DELETE', `/platforms/${invitation.id}/roles/BE/RL5/CPO`)).status).toBe(200)

        const partner = await FakePlatform.start({
          roles: [aRole('CPO', 'BE', 'RL4'), aRole('EMSP', 'BE', 'RL4'), aRole('CPO', 'BE', 'RL5')],
        })
        started.push(partner)
        const refused = await partner.registerAt(invitation.versions_url, invitation.token_a)
        expect(refused.response.body.status_message).toContain('CPO BE/RL5')
        const { response } = await partner.registerAt(invitation.versions_url, invitation.token_a, [
          aRole('CPO', 'BE', 'RL4'),
          aRole('EMSP', 'BE', 'RL4'),
        ])
        expect(response.body.status_code, response.text).toBe(1000)
        expect((await view(invitation.id)).roles.map((r) => `${r.role} ${r.status}`)).toEqual([
          'CPO CONNECTED',
          'EMSP CONNECTED',
        ])
      })

      it('refusals: a role held anywhere → 409, the last role → 409, unknown → 404, invalid → 400', async () => {
        const other = await invite([{ role: 'CPO', country_code: 'FR', party_id: 'RL6' }])
        const held = expectProblem(
          await hub.admin('POST', `/platforms/${cpo.platformId}/roles`, {
            role: 'CPO',
            country_code: 'FR',
            party_id: 'RL6',
          }),
          409,
          'ADMIN_CONFLICT',
        )
        expect(held.detail).toContain(other.id)
        expectProblem(
          await hub.admin('POST', `/platforms/${cpo.platformId}/roles`, {
            role: 'CPO',
            ...cpo.party,
          }),
          409,
          'ADMIN_CONFLICT',
        )
        const last = expectProblem(
          await hub.admin('DELETE', `/platforms/${cpo.platformId}/roles/NL/RL1/CPO`),
          409,
          'ADMIN_CONFLICT',
        )
        expect(last.detail).toContain('delete the platform')
        expectProblem(
          await hub.admin('DELETE', `/platforms/${cpo.platformId}/roles/NL/ZZZ/CPO`),
          404,
          'ADMIN_NOT_FOUND',
        )
        expectProblem(
          await hub.admin('POST', '/platforms/00000000-0000-0000-0000-000000000000/roles', {
            role: 'CPO',
            country_code: 'FR',
            party_id: 'RL7',
          }),
          404,
          'ADMIN_NOT_FOUND',
        )
        const invalid = expectProblem(
          await hub.admin('POST', `/platforms/${cpo.platformId}/roles`, {
            role: 'CPO',
            country_code: 'FRA',
            party_id: 'RL7',
          }),
          400,
          'ADMIN_INVALID_REQUEST',
        )
        expect(invalid.detail).toContain('country_code')
        expectProblem(
          await hub.admin('DELETE', `/platforms/${cpo.platformId}/roles/NL/RL1/CHARGER`),
          400,
          'ADMIN_INVALID_REQUEST',
        )
        expect((await view(cpo.platformId)).roles).toHaveLength(1)
      })

      it('an unregistered (SUSPENDED) platform gets no new role → 409', async () => {
        const gone = await connectParty(hub, 'EMSP', 'DE', 'RL8')
        network.push(gone)
        expect((await hub.admin('DELETE', `/platforms/${gone.platformId}`)).status).toBe(200)
        expectProblem(
          await hub.admin('POST', `/platforms/${gone.platformId}/roles`, {
            role: 'CPO',
            country_code: 'DE',
            party_id: 'RL8',
          }),
          409,
          'ADMIN_CONFLICT',
        )
      })
    })

    describe('GET /admin/platforms filters and paging', () => {
      const names = ['Zeta Charging', 'Alpha Mobility', 'zeta roaming', 'Beta Energy', 'Gamma']

      beforeAll(async () => {
        for (const [index, name] of names.entries())
          await invite(
            [{ role: index % 2 ? 'EMSP' : 'NSP', country_code: 'LU', party_id: `LS${index}` }],
            name,
          )
      })

      it('filters by status, role and part of the name (any case)', async () => {
        const zeta = await allPlatforms('&name=ZETA')
        expect(zeta.map((p) => p.name).sort()).toEqual(['Zeta Charging', 'zeta roaming'])
        const nsp = await allPlatforms('&role=NSP')
        expect(nsp.map((p) => p.name)).toEqual(['Zeta Charging', 'zeta roaming', 'Gamma'])
        const connected = await allPlatforms('&status=CONNECTED')
        expect(connected.length).toBeGreaterThan(0)
        expect(connected.every((p) => p.status === 'CONNECTED')).toBe(true)
        expect(await allPlatforms('&status=PLANNED&role=EMSP&name=a')).toEqual(
          expect.arrayContaining([expect.objectContaining({ name: 'Alpha Mobility' })]),
        )
      })

      it('pages in a stable order with a cursor and a Link header, each platform once', async () => {
        const everything = await allPlatforms()
        const seen: string[] = []
        let path = '/platforms?limit=2'
        for (let pages = 0; pages < 1000; pages++) {
          const response = await hub.admin<PlatformList>('GET', path)
          expect(response.status, response.text).toBe(200)
          expect(response.body.platforms.length).toBeLessThanOrEqual(2)
          seen.push(...response.body.platforms.map((p) => p.id))
          const link = response.headers.get('link')
          if (!response.body.next_cursor) {
            expect(link).toBeNull()
            break
          }
          expect(link).toBe(`</admin/platforms?limit=2&cursor=${response.body.next_cursor}>; rel="next"`)
          path = link!.slice('</admin'.length, link!.indexOf('>'))
        }
        expect(seen).toEqual(everything.map((p) => p.id))
      })

      it('the filters travel with the cursor', async () => {
        const first = await hub.admin<PlatformList>('GET', '/platforms?name=zeta&limit=1')
        expect(first.body.platforms.map((p) => p.name)).toEqual(['Zeta Charging'])
        expect(first.headers.get('link')).toContain('name=zeta')
        const second = await hub.admin<PlatformList>(
          'GET',
          `/platforms?name=zeta&limit=1&cursor=${first.body.next_cursor}`,
        )
        expect(second.body.platforms.map((p) => p.name)).toEqual(['zeta roaming'])
        expect(second.body.next_cursor).toBeNull()
      })

      it('100 platforms by default', async () => {
        const response = await hub.admin<PlatformList>('GET', '/platforms')
        expect(response.body.platforms.length).toBe(Math.min(100, (await allPlatforms()).length))
      })

      it.each([
        ['limit=0', 'limit'],
        ['limit=1001', 'limit'],
        ['limit=ten', 'limit'],
        ['status=ACTIVE', 'status'],
        ['role=DRIVER', 'role'],
        ['cursor=not*a*cursor', 'cursor'],
        ['cursor=bm9wZQ', 'cursor'],
        // Cursors of the right encoding whose values no list hands out: they must never reach a query.
        [`cursor=${listCursor([1, 'id\u0000'])}`, 'cursor'],
        [`cursor=${listCursor([-1, 'id'])}`, 'cursor'],
        [`cursor=${listCursor(['1', 'id'])}`, 'cursor'],
        [`cursor=${listCursor([1, 'id', 'extra'])}`, 'cursor'],
        ['colour=blue', 'colour'],
      ])('%s → 400 naming it', async (query, named) => {
        const problem = expectProblem(
          await hub.admin('GET', `/platforms?${query}`),
          400,
          'ADMIN_INVALID_REQUEST',
        )
        expect(problem.detail).toContain(named)
      })
    })

    describe('POST /admin/invitations/bulk', () => {
      it('CSV: rows with one name make one platform with several roles; each gets its token A', async () => {
        const csv = [
          'name,role,country_code,party_id,expires_in_hours',
          'Bulk One,CPO,SE,BK1,24',
          '"Bulk Two, Inc.",EMSP,SE,BK2,',
          'Bulk One,EMSP,SE,BK1,24',
          '',
        ].join('\r\n')
        const response = await sendCsv(csv)
        expect(response.status, response.text).toBe(201)
        const { invitations } = response.body as { invitations: (Invitation & { name: string })[] }
        expect(invitations.map((i) => i.name)).toEqual(['Bulk One', 'Bulk Two, Inc.'])
        for (const invitation of invitations) {
          expect(invitation.versions_url).toBe(hub.versionsUrl)
          expect((await hub.ocpi('/versions', { token: invitation.token_a })).status).toBe(200)
        }
        const one = await view(invitations[0]!.id)
        expect(one.roles.map((r) => `${r.role} ${r.country_code}/${r.party_id} ${r.status}`)).toEqual([
          'CPO SE/BK1 PLANNED',
          'EMSP SE/BK1 PLANNED',
        ])
        expect(Date.parse(one.token_a_expires_at!) - Date.now()).toBeLessThanOrEqual(24 * HOUR_MS)
        expect(Date.parse(invitations[1]!.token_a_expires_at!) - Date.now()).toBeGreaterThan(47 * HOUR_MS)
      })

      it('CSV: a file mixing line endings, with quotes inside a quoted name, is read as a spreadsheet writes it', async () => {
        const csv =
          'name,role,country_code,party_id\r\n"Mixed ""Quotes"", Inc.",CPO,SE,BM1\nPlain,EMSP,SE,BM2\r'
        const response = await sendCsv(csv)
        expect(response.status, response.text).toBe(201)
        const { invitations } = response.body as { invitations: { name: string }[] }
        expect(invitations.map((i) => i.name)).toEqual(['Mixed "Quotes", Inc.', 'Plain'])
      })

      it('JSON: a list of invitations, or {invitations: [...]}', async () => {
        const list = await hub.admin<{ invitations: Invitation[] }>('POST', '/invitations/bulk', [
          { name: 'Json One', roles: [{ role: 'CPO', country_code: 'SE', party_id: 'BJ1' }] },
          {
            name: 'Json Two',
            roles: [{ role: 'EMSP', country_code: 'SE', party_id: 'BJ2' }],
            expires_in_hours: 0,
          },
        ])
        expect(list.status, list.text).toBe(201)
        expect(list.body.invitations).toHaveLength(2)
        expect(list.body.invitations[1]!.token_a_expires_at).toBeNull()
        const wrapped = await hub.admin<{ invitations: Invitation[] }>('POST', '/invitations/bulk', {
          invitations: [
            { name: 'Json Three', roles: [{ role: 'NSP', country_code: 'SE', party_id: 'BJ3' }] },
          ],
        })
        expect(wrapped.status, wrapped.text).toBe(201)
        expect((await view(wrapped.body.invitations[0]!.id)).name).toBe('Json Three')
      })

      it('any invalid row: 400 naming every bad row and why, and nothing is created', async () => {
        await invite([{ role: 'CPO', country_code: 'SE', party_id: 'BX0' }], 'Holder')
        const before = (await allPlatforms()).length
        const csv = [
          'name,role,country_code,party_id',
          'Fine,CPO,SE,BX1',
          'Bad country,CPO,SWE,BX2',
          'Fine,CPO,SE,BX1',
          'Taken,CPO,SE,BX0',
          'Bad role,DRIVER,SE,BX3',
          'Short,CPO,SE',
        ].join('\n')
        const problem = expectProblem(await sendCsv(csv), 400, 'ADMIN_INVALID_REQUEST')
        expect(problem.errors!.map((e) => e.row).sort()).toEqual([3, 6, 7])
        expect(problem.errors!.find((e) => e.row === 3)!.reason).toContain('country_code')
        expect(problem.errors!.find((e) => e.row === 7)!.reason).toContain('fields')
        // Shape first: the role problems (rows 4 and 5) are found once every row reads well.
        const rolesOnly = [
          'name,role,country_code,party_id',
          'Fine,CPO,SE,BX1',
          'Fine,CPO,SE,BX1',
          'Taken,CPO,SE,BX0',
        ]
        const roleProblem = expectProblem(await sendCsv(rolesOnly.join('\n')), 400, 'ADMIN_INVALID_REQUEST')
        expect(roleProblem.errors!.map((e) => e.row)).toEqual([3, 4])
        expect(roleProblem.errors![0]!.reason).toContain('listed twice')
        expect(roleProblem.errors![1]!.reason).toContain('already held')
        const json = expectProblem(
          await hub.admin('POST', '/invitations/bulk', [
            { name: 'Fine', roles: [{ role: 'CPO', country_code: 'SE', party_id: 'BX4' }] },
            { name: '', roles: [{ role: 'CPO', country_code: 'SE', party_id: 'BX5' }] },
          ]),
          400,
          'ADMIN_INVALID_REQUEST',
        )
        expect(json.errors!.map((e) => e.row)).toEqual([2])
        expect(json.errors![0]!.reason).toContain('name')
        expect((await allPlatforms()).length).toBe(before)
      })

      it.each([
        ['no header row', 'Fine,CPO,SE,BY1\n', 'header'],
        ['an unknown column', 'name,role,country_code,party_id,colour\nA,CPO,SE,BY1,red\n', 'colour'],
        ['only a header', 'name,role,country_code,party_id\n', 'no invitation rows'],
        ['an unclosed quote', 'name,role,country_code,party_id\n"A,CPO,SE,BY1\n', 'opening quote at line 2'],
      ])('CSV with %s → 400', async (_case, csv, named) => {
        const problem = expectProblem(await sendCsv(csv), 400, 'ADMIN_INVALID_REQUEST')
        expect(problem.detail).toContain(named)
      })

      it('more than 1000 platforms → 400, nothing created', async () => {
        const before = (await allPlatforms()).length
        const rows = Array.from({ length: 1001 }, (_, i) => `P${i},CPO,SE,${i.toString(36).padStart(3, '0')}`)
        const problem = expectProblem(
          await sendCsv(['name,role,country_code,party_id', ...rows].join('\n')),
          400,
          'ADMIN_INVALID_REQUEST',
        )
        expect(problem.detail).toContain('1000')
        expectProblem(await hub.admin('POST', '/invitations/bulk', []), 400, 'ADMIN_INVALID_REQUEST')
        expect((await allPlatforms()).length).toBe(before)
      })
    })

    describe('the log', () => {
      it('every change through the admin API is one line naming the admin token (not the token) and the platform', async () => {
        const admin = `admin-token:${createHash('sha256').update(ADMIN_TOKEN).digest('hex').slice(0, 12)}`
        const invitation = await invite([{ role: 'CPO', country_code: 'PL', party_id: 'LG1' }])
        await hub.admin('PATCH', `/platforms/${invitation.id}`, { notes: 'logged' })
        await hub.admin('POST', `/platforms/${invitation.id}/roles`, {
          role: 'EMSP',
          country_code: 'PL',
          party_id: 'LG1',
        })
        await hub.admin('DELETE', `/platforms/${invitation.id}/roles/PL/LG1/EMSP`)
        await hub.admin('POST', `/platforms/${invitation.id}/reissue-token-a`, {})
        await hub.admin('DELETE', `/platforms/${invitation.id}`)
        const changes = log.lines.filter((line) => line['platformId'] === invitation.id && 'action' in line)
        expect(changes.map((line) => line['action'])).toEqual([
          'invite',
          'change-details',
          'add-role',
          'remove-role',
          'reissue-token-a',
          'withdraw-invitation',
        ])
        for (const line of changes) {
          expect(line['admin']).toBe(admin)
          expect(line['msg']).toBe(`admin change: ${String(line['action'])}`)
        }
        expect(JSON.stringify(log.lines)).not.toContain(ADMIN_TOKEN)
        expect(JSON.stringify(log.lines)).not.toContain(invitation.token_a)
      })

      it('an expired token A is logged as such, without the token', async () => {
        const invitation = await invite([{ role: 'CPO', country_code: 'PL', party_id: 'LG2' }], 'P', {
          expires_in_hours: 0.0003,
        })
        await eventually(async () =>
          expect((await hub.ocpi('/versions', { token: invitation.token_a })).status).toBe(401),
        )
        const refusals = log.lines.filter(
          (line) => line['platformId'] === invitation.id && String(line['msg']).includes('expired'),
        )
        expect(refusals.length).toBeGreaterThan(0)
        expect(JSON.stringify(log.lines)).not.toContain(invitation.token_a)
      })
    })
  })
}
