import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyPassedValidityBounds } from '../../../src/routing/roaming-changes.ts'
import { aLocation } from '../../fixtures/locations.ts'
import { connectParty, eventually, QUIET_MS, type ConnectedParty } from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

const quiet = () => new Promise<void>((resolve) => setTimeout(resolve, QUIET_MS * 2))

/**
 * An agreement accepted after its `valid_from` passed catches its eMSP up at once; a later validity check
 * whose span covers that bound (because another agreement of the pair passes a bound in it) must not catch
 * the eMSP up again. The check is run by the test at chosen instants, not by the hub's timer.
 */
for (const engine of STORE_VARIANTS) {
  describe(`${engine}: an agreement accepted between two validity checks`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let emsp: ConnectedParty

    const locationPuts = () => emsp.inbox('locations').filter((r) => r.method === 'PUT')
    const agreement = async (validFrom: Date): Promise<void> => {
      const created = await hub.admin<{ id: string }>('POST', '/agreements', {
        cpo: cpo.party,
        emsp: emsp.party,
        valid_from: validFrom.toISOString(),
      })
      expect(created.status).toBe(201)
      expect((await hub.admin('POST', `/agreements/${created.body.id}/accept`)).status).toBe(200)
    }

    beforeAll(async () => {
      hub = await startTestHub(engine, {
        HUB_ROAMING_MODE: 'agreements',
        DELIVERY_POLL_INTERVAL_MS: '50',
        // The test runs the check itself.
        AGREEMENT_VALIDITY_CHECK_INTERVAL_MS: '86400000',
      })
      cpo = await connectParty(hub, 'CPO', 'NL', 'VC1')
      emsp = await connectParty(hub, 'EMSP', 'DE', 'VCE')
      const pushed = await cpo.call('/receiver/locations/NL/VC1/LOC-VC-1', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-VC-1' }, cpo.party),
      })
      expect(pushed.body.status_code).toBe(1000)
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo?.platform.close(), emsp?.platform.close()])
    })

    it('is caught up once, by its accept, and not again by the check', async () => {
      // One agreement that begins later: nothing yet.
      const later = new Date(Date.now() + 60_000)
      await agreement(later)
      // Another whose valid_from has just passed (after the check's last run): the accept catches up.
      await agreement(new Date(Date.now() - 1))
      await eventually(() => expect(locationPuts()).toHaveLength(1))

      // The check's span now covers both bounds; the first agreement's makes it compare the pair.
      expect(await applyPassedValidityBounds(hub.hub.context, new Date(later.getTime() + 1000))).toBe(true)
      await quiet()
      expect(locationPuts()).toHaveLength(1)
    })
  })
}
