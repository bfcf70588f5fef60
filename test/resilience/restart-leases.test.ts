import { afterEach, describe, expect, it } from 'vitest'
import { aLocation } from '../fixtures/locations.ts'
import { envelope } from '../support/fake-platform.ts'
import { connectParty, eventually, type ConnectedParty } from '../support/roaming-network.ts'
import { freePort } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { dataPlace, HubProcess, type DataPlace } from './hub-process.ts'
import { scaled } from '../support/time-limits.ts'

/**
 * A hub process killed with SIGKILL while it is sending messages leaves them leased to itself for
 * OUTBOUND_TIMEOUT_MS + 5 s. The worker registry (src/delivery/worker-registry.ts) releases those leases
 * when the process is known dead: at once when the hub starts again on PGlite (one process per data folder),
 * and after DELIVERY_WORKER_STALE_AFTER_MS on PostgreSQL, by whichever process beats next. The lease here
 * is 125 s, so a redelivery within seconds can only come from the registry (a busy machine may take
 * half a minute to start a hub: the lease is long enough for that too).
 */

const OUTBOUND_TIMEOUT_MS = 120_000
const LEASE_MS = OUTBOUND_TIMEOUT_MS + 5_000
const HUB_ENV = {
  LOG_LEVEL: 'warn',
  OUTBOUND_TIMEOUT_MS: String(OUTBOUND_TIMEOUT_MS),
  DELIVERY_POLL_INTERVAL_MS: '100',
  DELIVERY_HEARTBEAT_INTERVAL_MS: '1000',
  DELIVERY_WORKER_STALE_AFTER_MS: '3000',
}
const HELD = ['L1', 'L2', 'L3']
/** "Well before the lease would run out": the bound asserted, far below the 125 s lease. */
const SOON_MS = 10_000

/** The receiver's Location endpoints answer 200 once `answered` resolves. */
function answerLocations(emsp: ConnectedParty, answered: Promise<void> = Promise.resolve()): void {
  for (const id of HELD) {
    emsp.platform.answer('PUT', `/2.3.0/receiver/locations/NL/CPO/${id}`, async () => {
      await answered
      return { status: 200, body: envelope(null) }
    })
  }
}

/** The receiver's Location endpoints hold their answers until `release`: the hub's deliveries stay in flight. */
function holdAnswers(emsp: ConnectedParty): { release(): void } {
  let release = () => {}
  answerLocations(emsp, new Promise<void>((resolve) => (release = resolve)))
  return { release }
}

/** When every held Location had arrived `times` times at the receiver. */
async function arrivedTimes(emsp: ConnectedParty, times: number, timeoutMs: number): Promise<number> {
  await eventually(() => {
    for (const id of HELD) {
      const puts = emsp.inbox('locations').filter((r) => r.path.endsWith(`/${id}`))
      expect(puts.length, id).toBeGreaterThanOrEqual(times)
    }
  }, timeoutMs)
  return Date.now()
}

describe('a hub process killed while it sends messages', () => {
  let place: DataPlace | undefined
  const hubs: HubProcess[] = []
  const parties: ConnectedParty[] = []
  const holds: { release(): void }[] = []
  afterEach(async () => {
    for (const hold of holds.splice(0)) hold.release()
    await Promise.all(hubs.splice(0).map((hub) => hub.kill()))
    await Promise.all(parties.splice(0).map((p) => p.platform.close()))
    await place?.dispose()
    place = undefined
  })

  async function pushHeldLocations(hub: HubProcess): Promise<ConnectedParty> {
    const cpo = await connectParty(hub.network, 'CPO', 'NL', 'CPO', { modules: ['locations'] })
    const emsp = await connectParty(hub.network, 'EMSP', 'DE', 'EMP', { modules: ['locations'] })
    parties.push(cpo, emsp)
    holds.push(holdAnswers(emsp))
    for (const id of HELD) {
      const response = await cpo.call(`/receiver/locations/NL/CPO/${id}`, {
        method: 'PUT',
        body: aLocation({ id }, cpo.party),
      })
      expect(response.body.status_code).toBe(1000)
    }
    // Each message is claimed and in flight: its lease runs for another 125 s.
    await arrivedTimes(emsp, 1, 10_000)
    return emsp
  }

  for (const engine of STORE_VARIANTS) {
    it(
      `${engine}: started again, it sends them again within seconds, well before their leases end`,
      {
        timeout: scaled(120_000),
      },
      async () => {
        place = await dataPlace(engine)
        const port = await freePort()
        const env = { ...HUB_ENV, ...place.env }
        const first = await HubProcess.start(port, env)
        hubs.push(first)
        const emsp = await pushHeldLocations(first)
        const claimedBy = Date.now()

        await first.kill()
        answerLocations(emsp)
        const second = await HubProcess.start(port, env)
        hubs.push(second)
        const servingAt = Date.now()

        const againAt = await arrivedTimes(emsp, 2, SOON_MS)
        expect(againAt - servingAt).toBeLessThan(SOON_MS)
        expect(againAt).toBeLessThan(claimedBy + LEASE_MS - 60_000)
        await second.waitFor(/stopped without a goodbye/)
        // Sent again once each: the killed attempt is the only repeat.
        for (const id of HELD) {
          expect(emsp.inbox('locations').filter((r) => r.path.endsWith(`/${id}`))).toHaveLength(2)
        }
      },
    )
  }

  it.runIf(STORE_VARIANTS.includes('postgres'))(
    'postgres: the other process takes over its messages once it has been silent for the staleness bound',
    { timeout: scaled(120_000) },
    async () => {
      place = await dataPlace('postgres')
      const env = { ...HUB_ENV, ...place.env }
      const doomed = await HubProcess.start(await freePort(), env)
      hubs.push(doomed)
      // Only the doomed process runs while the messages are claimed: they are all its own.
      const emsp = await pushHeldLocations(doomed)
      const survivor = await HubProcess.start(await freePort(), env)
      hubs.push(survivor)
      answerLocations(emsp)
      // The survivor sees the doomed process beat and leaves its leases alone.
      await new Promise((resolve) => setTimeout(resolve, 4_000))
      expect(emsp.inbox('locations')).toHaveLength(HELD.length)

      await doomed.kill()
      const killedAt = Date.now()
      const takenOverAt = await arrivedTimes(emsp, 2, SOON_MS)
      // Not before its beat is older than the bound (its last beat was at most 1 s before the kill)…
      expect(takenOverAt - killedAt).toBeGreaterThanOrEqual(1_000)
      // …and long before the lease would have run out.
      expect(takenOverAt - killedAt).toBeLessThan(SOON_MS)
      await survivor.waitFor(/stopped without a goodbye/)
    },
  )
})
