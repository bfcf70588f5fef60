import { setTimeout as pause } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aLocation } from '../../fixtures/locations.ts'
import { connectParty, eventually, routeHeaders, type ConnectedParty } from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

const PATH = '/2.3.0/receiver/locations/NL/CPQ/LOC-Q'
/** Past the retry of the broadcast the receiver refused (DELIVERY_RETRY_BASE_MS, with its jitter). */
const PAST_THE_RETRY_MS = 2_500

/**
 * A peer hub's Location write addressed to one party must not overtake the writes of the same object still
 * queued for that party: a broadcast the party refused once waits for its retry, and the later write
 * addressed to it is queued behind it, so the party ends with the later one. (The withdrawal addressed to a
 * peer reaches its parties through its queue; the catch-up addressed to one of them right after must not
 * arrive first.)
 */
for (const engine of STORE_VARIANTS) {
  describe(`${engine}: a party-addressed write behind the queue`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let emsp: ConnectedParty

    beforeAll(async () => {
      hub = await startTestHub(engine, { DELIVERY_RETRY_BASE_MS: '1000', DELIVERY_POLL_INTERVAL_MS: '50' })
      // A CPO behind a peer hub: the peer is the platform that writes (docs/bridges/peering.md).
      cpo = await connectParty(hub, 'CPO', 'NL', 'CPQ', { modules: ['locations'], peerHub: true })
      emsp = await connectParty(hub, 'EMSP', 'DE', 'EMQ', { modules: ['locations'] })
    })

    afterAll(async () => {
      await hub?.close()
      await cpo?.platform.close()
      await emsp?.platform.close()
    })

    it('reaches the party after the broadcast it refused once, not before its retry', async () => {
      emsp.platform.failNext('PUT', PATH, 503)
      const first = await cpo.call('/receiver/locations/NL/CPQ/LOC-Q', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-Q', name: 'first' }, cpo.party),
      })
      expect(first.body.status_code).toBe(1000)
      await emsp.platform.waitForRequests(PATH, 1)

      const second = await cpo.call('/receiver/locations/NL/CPQ/LOC-Q', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-Q', name: 'second' }, cpo.party),
        headers: routeHeaders(cpo.party, emsp.party),
      })
      expect(second.body.status_code, second.text).toBe(1000)

      const names = () =>
        emsp.platform.requestsTo('PUT', PATH).map((request) => (request.body as { name: string }).name)
      await eventually(() => expect(names().at(-1)).toBe('second'))
      await pause(PAST_THE_RETRY_MS)
      // The refused 'first' first; then, if it was still waiting, the 'second' replaced it: never after it.
      expect(names().at(-1)).toBe('second')
      expect(names()[0]).toBe('first')
    })
  })
}
