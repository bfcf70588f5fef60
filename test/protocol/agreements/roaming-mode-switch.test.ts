import { afterAll, describe, expect, it } from 'vitest'
import { aLocation } from '../../fixtures/locations.ts'
import { aTariff } from '../../fixtures/tariffs.ts'
import { connectParty, eventually, QUIET_MS, type ConnectedParty } from '../../support/roaming-network.ts'
import { createTestStore, STORE_VARIANTS, type TestStore } from '../../support/test-store.ts'
import { startTestHub } from '../../support/test-hub.ts'

const FAST_DELIVERY = {
  DELIVERY_POLL_INTERVAL_MS: '50',
  DELIVERY_RETRY_BASE_MS: '50',
  DELIVERY_RETRY_MAX_MS: '200',
}

const quiet = () => new Promise<void>((resolve) => setTimeout(resolve, QUIET_MS * 2))

/** The requests the party received about the object `id` of `module`, in order. */
function received(party: ConnectedParty, module: string, id: string) {
  return party.inbox(module).filter((request) => request.path.endsWith(`/${id}`))
}

/** Starts and stops a hub on `store` in `mode`, running `meanwhile` while it is up. */
async function runHub(
  engine: (typeof STORE_VARIANTS)[number],
  store: TestStore,
  mode: 'open' | 'agreements',
  meanwhile: (hub: Awaited<ReturnType<typeof startTestHub>>) => Promise<void>,
): Promise<void> {
  const hub = await startTestHub(engine, { ...FAST_DELIVERY, HUB_ROAMING_MODE: mode }, { sharedStore: store })
  try {
    await meanwhile(hub)
  } finally {
    await hub.close()
  }
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: switching HUB_ROAMING_MODE between two starts of the same store`, () => {
    const cleanups: (() => Promise<unknown>)[] = []
    afterAll(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup()
    })

    it('to agreements withdraws what the eMSP without an agreement holds, and back to open catches it up; a start in the same mode queues nothing', async () => {
      const store = await createTestStore(engine)
      cleanups.push(() => store.dispose())
      let cpo: ConnectedParty | undefined
      let emsp: ConnectedParty | undefined
      let partner: ConnectedParty | undefined
      await runHub(engine, store, 'open', async (hub) => {
        cpo = await connectParty(hub, 'CPO', 'NL', 'MS1')
        emsp = await connectParty(hub, 'EMSP', 'DE', 'MSE')
        partner = await connectParty(hub, 'EMSP', 'DE', 'MSP')
        cleanups.push(
          () => cpo!.platform.close(),
          () => emsp!.platform.close(),
          () => partner!.platform.close(),
        )
        const agreement = await hub.admin<{ id: string }>('POST', '/agreements', {
          cpo: cpo.party,
          emsp: partner.party,
        })
        expect((await hub.admin('POST', `/agreements/${agreement.body.id}/accept`)).status).toBe(200)
        await cpo.call('/receiver/locations/NL/MS1/LOC-MS-1', {
          method: 'PUT',
          body: aLocation({ id: 'LOC-MS-1' }, cpo.party),
        })
        await cpo.call('/receiver/tariffs/NL/MS1/TAR-MS-1', {
          method: 'PUT',
          body: aTariff({ id: 'TAR-MS-1' }, cpo.party),
        })
        await eventually(() => expect(received(emsp!, 'tariffs', 'TAR-MS-1')).toHaveLength(1))
        await eventually(() => expect(received(partner!, 'tariffs', 'TAR-MS-1')).toHaveLength(1))
      })
      expect(received(emsp!, 'locations', 'LOC-MS-1')).toHaveLength(1)

      await runHub(engine, store, 'agreements', async () => {
        await eventually(() => expect(received(emsp!, 'tariffs', 'TAR-MS-1')).toHaveLength(2))
        await eventually(() => expect(received(emsp!, 'locations', 'LOC-MS-1')).toHaveLength(2))
      })
      expect(received(emsp!, 'tariffs', 'TAR-MS-1')[1]!.method).toBe('DELETE')
      expect(received(emsp!, 'locations', 'LOC-MS-1')[1]!.body).toMatchObject({ publish: false })
      // The eMSP with an agreement roams as before: told nothing.
      expect(received(partner!, 'locations', 'LOC-MS-1')).toHaveLength(1)
      expect(received(partner!, 'tariffs', 'TAR-MS-1')).toHaveLength(1)

      // The same mode again: nothing to do.
      await runHub(engine, store, 'agreements', quiet)
      expect(received(emsp!, 'locations', 'LOC-MS-1')).toHaveLength(2)

      await runHub(engine, store, 'open', async () => {
        await eventually(() => expect(received(emsp!, 'locations', 'LOC-MS-1')).toHaveLength(3))
        await eventually(() => expect(received(emsp!, 'tariffs', 'TAR-MS-1')).toHaveLength(3))
      })
      const [location] = received(emsp!, 'locations', 'LOC-MS-1').slice(-1)
      expect(location!.body).toMatchObject({ id: 'LOC-MS-1', publish: true })
      expect(received(emsp!, 'tariffs', 'TAR-MS-1')[2]!.method).toBe('PUT')
      expect(received(partner!, 'locations', 'LOC-MS-1')).toHaveLength(1)
    })
  })
}
