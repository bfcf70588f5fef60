import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { buildHub } from '../../src/app.ts'
import { loadConfig } from '../../src/config/config.ts'
import { aCdr } from '../fixtures/cdrs.ts'
import { aCommandResponse, aStartSession } from '../fixtures/commands.ts'
import { envelope, FakePlatform } from '../support/fake-platform.ts'
import { freePort } from '../support/free-port.ts'
import { connectParty, routeHeaders } from '../support/roaming-network.ts'
import { createTestStore, STORE_VARIANTS } from '../support/test-store.ts'
import { startTestHub } from '../support/test-hub.ts'

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: security hardening`, () => {
    const cleanups: (() => Promise<void>)[] = []
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    })

    it('refuses a response_url on a host the requester did not register (2001, nothing forwarded); accepts its own', async () => {
      const hub = await startTestHub(engine)
      cleanups.push(() => hub.close())
      const cpo = await connectParty(hub, 'CPO', 'NL', 'CPO')
      const emsp = await connectParty(hub, 'EMSP', 'DE', 'EMP')
      cleanups.push(
        () => cpo.platform.close(),
        () => emsp.platform.close(),
      )
      cpo.platform.answer('POST', '/2.3.0/receiver/commands/START_SESSION', () => ({
        status: 200,
        body: envelope(aCommandResponse()),
      }))
      const send = (responseUrl: string) =>
        emsp.call('/receiver/commands/START_SESSION', {
          method: 'POST',
          body: aStartSession({ response_url: responseUrl }, emsp.party),
          headers: routeHeaders(emsp.party, cpo.party),
        })
      const forwarded = () => cpo.platform.requestsTo('POST', '/2.3.0/receiver/commands/START_SESSION').length

      // Another partner's host (the CPO's own fake platform), and a host nobody registered.
      for (const foreign of [
        `${cpo.platform.url}/2.3.0/sender/commands/results/steal`,
        'http://169.254.169.254/latest/meta-data',
      ]) {
        const refused = await send(foreign)
        expect(refused.status, foreign).toBe(200)
        expect(refused.body.status_code, foreign).toBe(2001)
        expect(refused.body.status_message, foreign).toMatch(/not on a host your platform registered/)
      }
      expect(forwarded()).toBe(0)

      const accepted = await send(`${emsp.platform.url}/2.3.0/sender/commands/results/ok`)
      expect(accepted.body.status_code).toBe(1000)
      expect(forwarded()).toBe(1)
    })

    it("keeps a CDR's Location only when it is on a host the eMSP registered (the hub GETs it later)", async () => {
      const hub = await startTestHub(engine)
      cleanups.push(() => hub.close())
      const cpo = await connectParty(hub, 'CPO', 'NL', 'CPO')
      const emsp = await connectParty(hub, 'EMSP', 'DE', 'EMP')
      cleanups.push(
        () => cpo.platform.close(),
        () => emsp.platform.close(),
      )
      const storedAt = (base: string) => (request: { body: unknown }) => ({
        status: 201,
        body: envelope(null),
        headers: { location: `${base}/cdrs/${(request.body as { id: string }).id}` },
      })
      emsp.platform.answer('POST', '/2.3.0/receiver/cdrs', storedAt('http://169.254.169.254/latest'))
      const foreign = await cpo.call('/receiver/cdrs', {
        method: 'POST',
        body: aCdr({ id: 'CDR-F' }, cpo.party, emsp.party),
      })
      expect(foreign.body.status_code).toBe(1000)
      expect(foreign.headers.get('location') ?? '').not.toMatch(/\/ocpi\/2\.3\.0\/receiver\/cdrs\//)

      emsp.platform.answer('POST', '/2.3.0/receiver/cdrs', storedAt(`${emsp.platform.url}/2.3.0/receiver`))
      const own = await cpo.call('/receiver/cdrs', {
        method: 'POST',
        body: aCdr({ id: 'CDR-O' }, cpo.party, emsp.party),
      })
      expect(own.headers.get('location')).toMatch(new RegExp(`^${hub.url}/ocpi/2\\.3\\.0/receiver/cdrs/`))
    })

    it('refuses bodies nested deeper than JSON_DEPTH_LIMIT with 400 before parsing them', async () => {
      const hub = await startTestHub(engine, { JSON_DEPTH_LIMIT: '16' })
      cleanups.push(() => hub.close())
      const cpo = await connectParty(hub, 'CPO', 'NL', 'CPO')
      cleanups.push(() => cpo.platform.close())
      const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)
      const deep = await cpo.call('/receiver/locations/NL/CPO/L1', { method: 'PUT', body: nested(17) })
      expect(deep.status).toBe(400)
      expect(deep.body.status_code).toBe(2000)
      expect(deep.body.status_message).toMatch(/deeper than 16 levels \(JSON_DEPTH_LIMIT\)/)
      // Brackets inside strings are text, not nesting; a body at the limit is parsed (and then validated).
      const shallow = await cpo.call('/receiver/locations/NL/CPO/L1', {
        method: 'PUT',
        body: { id: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[', nested: JSON.parse(nested(15)) as unknown },
      })
      expect(shallow.status).toBe(200)
      expect(shallow.body.status_code).toBe(2001)
      // A huge hostile body is refused quickly (linear scan, no recursion).
      const started = performance.now()
      const huge = await cpo.call('/receiver/locations/NL/CPO/L1', { method: 'PUT', body: nested(1_000_000) })
      expect(huge.status).toBe(400)
      expect(performance.now() - started).toBeLessThan(2000)
    })

    it('with HUB_ALLOW_PRIVATE_PEERS=false, refuses a partner whose versions URL is on 127.0.0.1 (3001) and says why', async () => {
      const hub = await startTestHub(engine, { HUB_ALLOW_PRIVATE_PEERS: 'false' })
      cleanups.push(() => hub.close())
      const platform = await FakePlatform.start({
        name: 'Private CPO',
        roles: [
          {
            role: 'CPO',
            country_code: 'NL',
            party_id: 'PRV',
            business_details: { name: 'Private CPO' },
          },
        ],
        endpoints: [{ identifier: 'credentials', role: 'SENDER', url: '{base}/2.3.0/credentials' }],
      })
      cleanups.push(() => platform.close())
      const invitation = await hub.admin<{ token_a: string; versions_url: string }>('POST', '/invitations', {
        name: 'Private CPO',
        roles: [{ role: 'CPO', country_code: 'NL', party_id: 'PRV' }],
      })
      const { response } = await platform.registerAt(invitation.body.versions_url, invitation.body.token_a)
      expect(response.body.status_code).toBe(3001)
      // Refused, and said so, but not where the address points: that is in the operator's log (D9).
      expect(response.body.status_message).toMatch(
        /versions URL cannot be called: its address is not allowed/,
      )
      expect(platform.received.filter((r) => r.path === '/versions')).toHaveLength(0)
    })
  })
}

describe('HTTPS served directly (TLS_CERT_FILE, TLS_KEY_FILE)', () => {
  it.skipIf(!hasOpenssl())('answers over TLS with the configured certificate', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'hub-tls-'))
    const certFile = join(folder, 'cert.pem')
    const keyFile = join(folder, 'key.pem')
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'].concat([
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ]),
      { stdio: 'ignore' },
    )
    const testStore = await createTestStore('pglite')
    const port = await freePort()
    const hub = await buildHub(
      loadConfig({
        PORT: String(port),
        HOST: '127.0.0.1',
        HUB_PUBLIC_URL: `https://127.0.0.1:${port}`,
        HUB_ADMIN_TOKEN: 'tls-admin',
        LOG_LEVEL: 'silent',
        TLS_CERT_FILE: certFile,
        TLS_KEY_FILE: keyFile,
      }),
      { store: testStore.store },
    )
    try {
      await hub.app.listen({ port, host: '127.0.0.1' })
      const answer = await new Promise<{ status: number; body: string; authorized: boolean }>(
        (resolve, reject) => {
          const request = httpsRequest(
            { host: '127.0.0.1', port, path: '/ocpi/versions', ca: readFileSync(certFile) },
            (response) => {
              const authorized = (response.socket as { authorized?: boolean }).authorized === true
              let body = ''
              response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
              response.on('end', () =>
                resolve({
                  status: response.statusCode ?? 0,
                  body,
                  authorized,
                }),
              )
            },
          )
          request.on('error', reject)
          request.end()
        },
      )
      expect(answer.authorized).toBe(true)
      expect(answer.status).toBe(401)
      expect(JSON.parse(answer.body)).toMatchObject({ status_code: 2000 })
      // Plain HTTP on the same port gets no OCPI answer.
      await expect(fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status)).rejects.toThrow()
    } finally {
      await hub.close()
      await testStore.dispose()
      rmSync(folder, { recursive: true, force: true })
    }
  })

  it('needs both files', () => {
    expect(() => loadConfig({ TLS_CERT_FILE: '/tmp/cert.pem' })).toThrow(/TLS_CERT_FILE and TLS_KEY_FILE/)
  })
})
