import { Writable } from 'node:stream'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { buildHub } from '../../src/app.ts'
import { loadConfig } from '../../src/config/config.ts'
import { call } from '../support/http.ts'
import { connectParty } from '../support/roaming-network.ts'
import { freePort } from '../support/free-port.ts'
import { ADMIN_TOKEN, startTestHub } from '../support/test-hub.ts'
import { createTestStore, STORE_VARIANTS } from '../support/test-store.ts'

/**
 * What a caller that has not registered yet (it holds only token A) may learn (issue 11, D9): not what a
 * host name resolves to, not which parties are connected. The operator's log gets the detail instead.
 */

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: callers holding token A learn little (D9)`, () => {
    const cleanups: (() => Promise<void>)[] = []
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    })

    it('refuses a versions URL whose host name resolves to a private address without naming the address; the log has it', async () => {
      const logLines: Record<string, unknown>[] = []
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
            logLines.push(JSON.parse(line) as Record<string, unknown>)
          done()
        },
      })
      const testStore = await createTestStore(engine)
      const port = await freePort()
      const url = `http://127.0.0.1:${port}`
      const hub = await buildHub(
        loadConfig({
          PORT: String(port),
          HOST: '127.0.0.1',
          HUB_PUBLIC_URL: url,
          HUB_ADMIN_TOKEN: ADMIN_TOKEN,
          HUB_ALLOW_PRIVATE_PEERS: 'false',
          RATE_LIMIT_PER_MINUTE: '0',
        }),
        { store: testStore.store, logger: pino({ level: 'warn' }, sink) },
      )
      cleanups.push(async () => {
        await hub.close()
        await testStore.dispose()
      })
      await hub.app.listen({ port, host: '127.0.0.1' })
      const invitation = await call<{ token_a: string }>(`${url}/admin/invitations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        body: { name: 'Curious', roles: [{ role: 'CPO', country_code: 'NL', party_id: 'CUR' }] },
      })
      expect(invitation.status).toBe(201)

      // `localhost` is a name: only the hub's lookup knows it means 127.0.0.1 or ::1.
      const registration = await call(`${url}/ocpi/2.3.0/credentials`, {
        method: 'POST',
        token: invitation.body.token_a,
        body: {
          token: 'B-curious-token',
          url: 'http://localhost:9/versions',
          roles: [
            { role: 'CPO', country_code: 'NL', party_id: 'CUR', business_details: { name: 'Curious' } },
          ],
        },
      })
      expect(registration.body.status_code).toBe(3001)
      expect(registration.body.status_message).toMatch(
        /versions URL cannot be called: its address is not allowed/,
      )
      expect(registration.text).not.toMatch(/127\.0\.0\.1|::1|HUB_ALLOW_PRIVATE_PEERS|private/)

      const warning = logLines.find(
        (line) => line['level'] === 40 && /refused to call/.test(String(line['msg'])),
      )
      expect(warning, JSON.stringify(logLines)).toBeDefined()
      expect(String(warning!['detail'])).toMatch(/localhost \((127\.0\.0\.1|::1)\)/)
    })

    it('answers GET /credentials with an unused token A with the hub alone; a registered partner still sees every party', async () => {
      const hub = await startTestHub(engine)
      cleanups.push(() => hub.close())
      const cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      const emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1')
      cleanups.push(
        () => cpo.platform.close(),
        () => emsp.platform.close(),
      )
      const invitation = await hub.admin<{ token_a: string }>('POST', '/invitations', {
        name: 'Curious',
        roles: [{ role: 'CPO', country_code: 'NL', party_id: 'CUR' }],
      })
      type Roles = { data: { token: string; roles: { country_code: string; party_id: string }[] } }
      const parties = (body: Roles) => body.data.roles.map((r) => `${r.country_code}*${r.party_id}`)

      const unregistered = await hub.ocpi<Roles & { status_code: number }>('/2.3.0/credentials', {
        token: invitation.body.token_a,
      })
      expect(unregistered.body.status_code).toBe(1000)
      expect(parties(unregistered.body)).toEqual(['XX*HUB'])
      expect(unregistered.text).not.toMatch(/CP1|EM1/)
      const unregistered211 = await hub.ocpi('/2.1.1/credentials', { rawToken: invitation.body.token_a })
      expect(unregistered211.body.status_code, unregistered211.text).toBe(1000)
      expect(unregistered211.text).not.toMatch(/CP1|EM1/)

      const registered = await cpo.call<Roles>('/credentials')
      expect(parties(registered.body)).toEqual(['XX*HUB', 'DE*EM1'])
    })
  })
}
