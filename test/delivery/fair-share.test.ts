import { afterEach, describe, expect, it } from 'vitest'
import { aLocation } from '../fixtures/locations.ts'
import { envelope } from '../support/fake-platform.ts'
import { connectParty, eventually } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { startTestHub } from '../support/test-hub.ts'

const FLOOD = 40
const FEW = 3
const PER_RECEIVER = 4
/**
 * The bound (generous): every one of CP1's messages reaches the eMSP among the first BOUND arrivals, although
 * FLOOD messages of CP2 were queued before them. Round robin gives CP1 about every other free slot, so its
 * 3 arrive within the first 4 (held) + ~6; first in, first out would put them at 41–43.
 */
const BOUND = 20

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: senders share a receiver fairly`, () => {
    const cleanups: (() => Promise<void>)[] = []
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    })

    it("a flooding sender's queue does not hold back another sender's messages to the same receiver", async () => {
      const hub = await startTestHub(engine, {
        DELIVERY_POLL_INTERVAL_MS: '50',
        DELIVERY_MAX_IN_FLIGHT_PER_RECEIVER: String(PER_RECEIVER),
        DELIVERY_OFFLINE_AFTER_FAILURES: '1000',
        // The held answers wait while the flood is pushed (slow on a busy machine): no timeout and retry.
        OUTBOUND_TIMEOUT_MS: '30000',
      })
      cleanups.push(() => hub.close())
      const cp1 = await connectParty(hub, 'CPO', 'NL', 'CP1', { modules: ['locations'] })
      const cp2 = await connectParty(hub, 'CPO', 'NL', 'CP2', { modules: ['locations'] })
      const emsp = await connectParty(hub, 'EMSP', 'DE', 'EMP', { modules: ['locations'] })
      cleanups.push(
        () => cp1.platform.close(),
        () => cp2.platform.close(),
        () => emsp.platform.close(),
      )
      // The eMSP holds its answers until released: the receiver's in-flight slots fill with CP2's first
      // messages and the rest of the flood waits in the queue, in front of CP1's.
      let release!: () => void
      const released = new Promise<void>((resolve) => (release = resolve))
      const held = async () => {
        await released
        return { status: 200, body: envelope(null) }
      }
      const paths = (party: string, prefix: string, count: number) =>
        Array.from({ length: count }, (_, i) => `/2.3.0/receiver/locations/NL/${party}/${prefix}${i}`)
      for (const path of [...paths('CP2', 'F', FLOOD), ...paths('CP1', 'A', FEW)]) {
        emsp.platform.answer('PUT', path, held)
      }
      const locationPuts = () => emsp.inbox('locations').filter((r) => r.method === 'PUT')

      for (let i = 0; i < FLOOD; i += 10) {
        await Promise.all(
          Array.from({ length: 10 }, (_, j) =>
            cp2.call(`/receiver/locations/NL/CP2/F${i + j}`, {
              method: 'PUT',
              body: aLocation({ id: `F${i + j}` }, cp2.party),
            }),
          ),
        )
      }
      await eventually(() => expect(locationPuts()).toHaveLength(PER_RECEIVER))
      for (let i = 0; i < FEW; i++) {
        const pushed = await cp1.call(`/receiver/locations/NL/CP1/A${i}`, {
          method: 'PUT',
          body: aLocation({ id: `A${i}` }, cp1.party),
        })
        expect(pushed.body.status_code).toBe(1000)
      }
      release()

      const arrivals = await eventually(() => {
        const all = locationPuts().map((r) => r.path)
        expect(new Set(all).size).toBe(FLOOD + FEW)
        return all
      }, 30_000)
      const places = paths('CP1', 'A', FEW).map((path) => arrivals.indexOf(path) + 1)
      expect(
        places.every((place) => place > 0 && place <= BOUND),
        `CP1 arrived as ${places.join(', ')}`,
      ).toBe(true)
    }, 90_000)
  })
}
