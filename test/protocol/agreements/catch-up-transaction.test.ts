import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aLocation } from '../../fixtures/locations.ts'
import { connectParty, eventually, type ConnectedParty } from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

/**
 * The catch-up of an accepted agreement is queued in the transaction that accepts it: a fault injected in
 * the store's outbox (a trigger refusing every queued message) fails the accept as a whole, so the
 * agreement stays proposed and a second accept delivers. Queued after the commit, the accept would succeed
 * without its catch-up, and the eMSP would never receive the CPO's Location.
 */
for (const engine of STORE_VARIANTS) {
  describe(`${engine}: an agreement's catch-up and its accept commit together`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let emsp: ConnectedParty

    beforeAll(async () => {
      hub = await startTestHub(engine, { HUB_ROAMING_MODE: 'agreements', DELIVERY_POLL_INTERVAL_MS: '50' })
      cpo = await connectParty(hub, 'CPO', 'NL', 'CT1')
      emsp = await connectParty(hub, 'EMSP', 'DE', 'CTE')
      const pushed = await cpo.call('/receiver/locations/NL/CT1/LOC-CT-1', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-CT-1' }, cpo.party),
      })
      expect(pushed.body.status_code).toBe(1000)
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo?.platform.close(), emsp?.platform.close()])
    })

    it('an accept whose catch-up cannot be queued changes nothing, and the next accept delivers', async () => {
      const db = hub.testStore.store.db
      const created = await hub.admin<{ id: string }>('POST', '/agreements', {
        cpo: cpo.party,
        emsp: emsp.party,
      })
      expect(created.status).toBe(201)

      await sql`
        create function refuse_queued_message() returns trigger language plpgsql as $$
        begin raise exception 'injected fault: the outbox refuses messages'; end $$`.execute(db)
      await sql`
        create trigger refuse_queued_message before insert on deliveries
        for each row execute function refuse_queued_message()`.execute(db)
      const failed = await hub.admin('POST', `/agreements/${created.body.id}/accept`)
      await sql`drop trigger refuse_queued_message on deliveries`.execute(db)
      await sql`drop function refuse_queued_message()`.execute(db)
      expect(failed.status).toBe(500)
      const [agreement] = (
        await hub.admin<{ agreements: { id: string; state: string }[] }>('GET', '/agreements')
      ).body.agreements
      expect(agreement).toMatchObject({ id: created.body.id, state: 'proposed' })

      expect((await hub.admin('POST', `/agreements/${created.body.id}/accept`)).status).toBe(200)
      await eventually(() =>
        expect(emsp.inbox('locations').filter((r) => r.path.endsWith('/LOC-CT-1'))).toHaveLength(1),
      )
    })
  })
}
