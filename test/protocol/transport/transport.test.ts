import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aRole, FakePlatform } from '../../support/fake-platform.ts'
import { call } from '../../support/http.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: OCPI transport`, () => {
    let hub: TestHub
    let partner: FakePlatform
    let tokenA: string

    beforeAll(async () => {
      hub = await startTestHub(engine, { BODY_LIMIT_BYTES: '4096' })
      partner = await FakePlatform.start({ roles: [aRole('EMSP', 'BE', 'TRP')] })
      const registered = await hub.admin<{ token_a: string }>('POST', '/invitations', {
        name: 'Registered eMSP',
        roles: [{ role: 'EMSP', country_code: 'BE', party_id: 'TRP' }],
      })
      await partner.registerAt(hub.versionsUrl, registered.body.token_a)
      const pending = await hub.admin<{ token_a: string }>('POST', '/invitations', {
        name: 'Invited CPO',
        roles: [{ role: 'CPO', country_code: 'BE', party_id: 'INV' }],
      })
      tokenA = pending.body.token_a
    })
    afterAll(async () => {
      await partner.close()
      await hub.close()
    })

    it('[transport_and_format_authorization_header] no Authorization header → HTTP 401 with the envelope', async () => {
      const response = await hub.ocpi('/versions')
      expect(response.status).toBe(401)
      expect(response.body).toMatchObject({
        status_code: 2000,
        status_message: 'Authorization header missing',
      })
      expect(typeof response.body.timestamp).toBe('string')
    })

    it('[transport_and_format_authorization_header] an unknown token → HTTP 401', async () => {
      for (const authorization of [
        'Token bm90LWEtdG9rZW4=',
        'Token not-a-token',
        'Bearer something',
        'Token',
      ]) {
        const response = await call(`${hub.url}/ocpi/versions`, { headers: { authorization } })
        expect(response.status, authorization).toBe(401)
        expect(response.body.status_code).toBe(2000)
      }
    })

    it('[transport_and_format_authorization_header] token A outside versions and credentials → HTTP 401', async () => {
      const response = await hub.ocpi('/2.3.0/locations', { token: tokenA })
      expect(response.status).toBe(401)
      expect(response.body.status_message).toContain('only be used on the versions and credentials modules')
      // The same token is fine where the handshake needs it.
      expect((await hub.ocpi('/versions', { token: tokenA })).status).toBe(200)
    })

    it('an unknown path is answered 404 with the envelope, after authentication', async () => {
      const anonymous = await hub.ocpi('/2.3.0/nothing-here')
      expect(anonymous.status).toBe(401)
      const known = await hub.ocpi('/2.3.0/nothing-here', { token: partner.tokenToHub! })
      expect(known.status).toBe(404)
      expect(known.body.status_code).toBe(2000)
    })

    it('[transport_and_format_unique_message_ids] echoes X-Request-ID and carries X-Correlation-ID', async () => {
      const response = await hub.ocpi('/versions', {
        token: partner.tokenToHub!,
        headers: { 'x-request-id': 'req-123', 'x-correlation-id': 'corr-456' },
      })
      expect(response.headers.get('x-request-id')).toBe('req-123')
      expect(response.headers.get('x-correlation-id')).toBe('corr-456')

      const generated = await hub.ocpi('/versions')
      expect(generated.status).toBe(401)
      expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
      expect(generated.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/)
    })

    it('[status_codes] a body over the configured limit → HTTP 413 with the envelope', async () => {
      const response = await hub.ocpi('/2.3.0/credentials', {
        method: 'PUT',
        token: partner.tokenToHub!,
        body: { token: 'x', url: partner.versionsUrl, roles: [], padding: 'p'.repeat(5000) },
      })
      expect(response.status).toBe(413)
      expect(response.body.status_code).toBe(2000)
    })

    it('[status_codes] a body that is not JSON → HTTP 400, whatever its content type', async () => {
      for (const contentType of ['application/json', 'text/plain']) {
        const response = await hub.ocpi('/2.3.0/credentials', {
          method: 'PUT',
          token: partner.tokenToHub!,
          body: 'not json at all',
          headers: { 'content-type': contentType },
        })
        expect(response.status, contentType).toBe(400)
        expect(response.body.status_code).toBe(2000)
      }
    })

    it('[transport_and_format_message_routing] the hub’s own refusals on functional modules carry FROM = the hub and TO = the requester', async () => {
      const routing = (response: { headers: Headers }) =>
        ['ocpi-from-country-code', 'ocpi-from-party-id', 'ocpi-to-country-code', 'ocpi-to-party-id'].map(
          (name) => response.headers.get(name),
        )
      // A schema failure (2001) on a functional module, with the requester's FROM headers.
      const invalid = await hub.ocpi('/2.3.0/receiver/tokens/BE/TRP/T1', {
        method: 'PUT',
        token: partner.tokenToHub!,
        body: { not: 'a token' },
        headers: { 'ocpi-from-country-code': 'BE', 'ocpi-from-party-id': 'TRP' },
      })
      expect(invalid.body.status_code).toBe(2001)
      expect(routing(invalid)).toEqual(['XX', 'HUB', 'BE', 'TRP'])
      // A routing refusal (unknown receiver, 4001) without FROM headers: TO is left out, FROM is the hub.
      const unknown = await hub.ocpi('/2.3.0/sender/locations', {
        token: partner.tokenToHub!,
        headers: { 'ocpi-to-country-code': 'ZZ', 'ocpi-to-party-id': 'ZZZ' },
      })
      expect(unknown.body.status_code).toBe(4001)
      expect(routing(unknown)).toEqual(['XX', 'HUB', null, null])
      // Configuration modules carry none.
      const credentials = await hub.ocpi('/2.3.0/credentials', {
        method: 'PUT',
        token: partner.tokenToHub!,
        body: {},
      })
      expect(credentials.body.status_code).toBe(2001)
      expect(routing(credentials)).toEqual([null, null, null, null])
    })

    it('never puts stack traces or internals on the wire', async () => {
      const response = await hub.ocpi('/2.3.0/credentials', {
        method: 'POST',
        token: tokenA,
        body: '{"__proto__": {"x": 1}',
      })
      expect(response.status).toBe(400)
      expect(response.text).not.toMatch(/at .*\.ts:\d+|stack|SyntaxError/)
    })
  })
}
