import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call } from '../support/http.ts'
import { connectParty, type ConnectedParty } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'

interface AuditPage {
  entries: { action: string; target: string | null; details: Record<string, unknown> }[]
}

/** The operator ends the clearing access an unregistered platform kept with its last token (decision 0033). */
for (const engine of STORE_VARIANTS) {
  describe(`${engine}: revoking a departed platform's clearing access`, () => {
    let hub: TestHub
    let departed: ConnectedParty
    let registered: ConnectedParty

    const readStatements = (party: ConnectedParty) =>
      call(`${hub.url}/ocpi/hub/clearing/statements?month=2026-03`, { token: party.platform.tokenToHub })

    beforeAll(async () => {
      hub = await startTestHub(engine)
      departed = await connectParty(hub, 'CPO', 'NL', 'CP1')
      registered = await connectParty(hub, 'EMSP', 'DE', 'EM1')
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([departed, registered].map((party) => party?.platform.close()))
    })

    it('a registered platform keeps its access: 409, and its token still works', async () => {
      const refused = await hub.admin<{ title?: string; code?: string }>(
        'DELETE',
        `/clearing/access/${registered.platformId}`,
      )
      expect(refused.status, refused.text).toBe(409)
      expect((await readStatements(registered)).status).toBe(200)
      expect((await registered.call('/sender/locations')).status).toBe(200)
      expect((await hub.admin('DELETE', '/clearing/access/no-such-platform')).status).toBe(404)
    })

    it('after it unregistered, revoking makes its kept token unknown everywhere; audited; once', async () => {
      const unregistered = await departed.call('/credentials', { method: 'DELETE' })
      expect(unregistered.status, unregistered.text).toBe(200)
      expect((await readStatements(departed)).status).toBe(200)

      const revoked = await hub.admin('DELETE', `/clearing/access/${departed.platformId}`)
      expect(revoked.status, revoked.text).toBe(200)
      expect(revoked.body).toEqual({ id: departed.platformId, clearing_access: false })
      for (const path of [
        '/statements?month=2026-03',
        '/statements/closed?month=2026-03',
        '/invoices?month=2026-03',
      ]) {
        const answer = await call(`${hub.url}/ocpi/hub/clearing${path}`, {
          token: departed.platform.tokenToHub,
        })
        expect(answer.status, path).toBe(401)
      }
      expect((await departed.call('/sender/locations')).status).toBe(401)
      // The platform stays as history; another platform's access is untouched.
      const platform = await hub.admin<{ status: string }>('GET', `/platforms/${departed.platformId}`)
      expect(platform.body.status).toBe('SUSPENDED')
      expect((await readStatements(registered)).status).toBe(200)

      const audit = await hub.admin<AuditPage>('GET', '/audit?action=revoke-clearing-access')
      expect(audit.status, audit.text).toBe(200)
      const entries = audit.body.entries.filter((entry) => entry.action === 'revoke-clearing-access')
      expect(entries.map(({ target, details }) => ({ target, platformId: details['platformId'] }))).toEqual([
        { target: `platform:${departed.platformId}`, platformId: departed.platformId },
      ])
      // Nothing left to revoke.
      expect((await hub.admin('DELETE', `/clearing/access/${departed.platformId}`)).status).toBe(404)
    })
  })
}
