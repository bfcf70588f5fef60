import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../../src/storage/database.ts'
import { capturedLog } from '../../support/captured-log.ts'
import { connectParty, eventually, type ConnectedParty } from '../../support/roaming-network.ts'
import { createTestStore, STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'
import { HbsSimulator, oicpDocumentsMissing } from './hbs-simulator.ts'
import { aForeignEvse, BRIDGE_SETTINGS } from './oicp-fixtures.ts'

/**
 * Two hub processes on one PostgreSQL database, each with the timed OICP pull: one pulls at a time. A
 * gate in front of HBS holds every eRoamingPullEvseData, so a pull stays under way while the test looks.
 */

const missing = oicpDocumentsMissing()
if (missing) console.warn(`OICP pull lock tests skipped: ${missing}`)

/** HTTP to HBS passes through, except EVSE data pulls, which wait while the gate is closed. */
class PullGate {
  target = ''
  readonly held: (() => void)[] = []
  /** EVSE data pulls that reached the gate, held or not. */
  pulls = 0
  #open = true
  readonly #server = createServer((incoming, outgoing) => this.#pass(incoming, outgoing))

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve))
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
  }

  close(): void {
    this.#open = true
    for (const release of this.held.splice(0)) release()
    this.#server.closeAllConnections()
    this.#server.close()
  }

  shut(): void {
    this.#open = false
  }

  open(): void {
    this.#open = true
    for (const release of this.held.splice(0)) release()
  }

  #pass(incoming: IncomingMessage, outgoing: ServerResponse): void {
    const forward = () => {
      const forwarded = httpRequest(
        `${this.target}${incoming.url ?? '/'}`,
        { method: incoming.method, headers: incoming.headers, agent: false },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(outgoing)
        },
      )
      forwarded.on('error', () => incoming.socket.destroy())
      incoming.pipe(forwarded)
    }
    if (!incoming.url?.includes('/data-records?')) return forward()
    this.pulls += 1
    if (this.#open) forward()
    else this.held.push(forward)
  }
}

describe.skipIf(missing !== undefined || !STORE_VARIANTS.includes('postgres'))(
  'postgres: the timed OICP pull in two hub processes',
  () => {
    const cleanups: (() => Promise<void> | void)[] = []
    const logA = capturedLog()
    const logB = capturedLog()
    let hbs: HbsSimulator
    let gate: PullGate
    let hubA: TestHub
    let hubB: TestHub
    let emsp: ConnectedParty

    beforeAll(async () => {
      hbs = await HbsSimulator.start({ subOperators: ['NL*CP1', 'DE*OPH'] })
      cleanups.push(() => hbs.close())
      gate = new PullGate()
      gate.target = hbs.url
      await gate.start()
      cleanups.push(() => gate.close())
      const env = {
        OICP_BASE_URL: gate.url,
        OICP_PULL_INTERVAL_SECONDS: '1',
        DELIVERY_POLL_INTERVAL_MS: '50',
        // A held pull must not time out (and free the lock) while the test looks.
        OUTBOUND_TIMEOUT_MS: '120000',
      }
      const shared = await createTestStore('postgres')
      const secondPool = await openStore({ databaseUrl: shared.databaseUrl, poolSize: 5 })
      cleanups.push(async () => {
        await secondPool.close()
        await shared.dispose()
      })
      hubA = await startTestHub('postgres', env, { sharedStore: shared, logger: logA.logger })
      cleanups.push(() => hubA.close())
      hubB = await startTestHub('postgres', env, {
        sharedStore: { store: secondPool, databaseUrl: shared.databaseUrl, dispose: async () => {} },
        logger: logB.logger,
      })
      cleanups.push(() => hubB.close())
      emsp = await connectParty(hubA, 'EMSP', 'DE', 'EM1')
      cleanups.push(() => emsp.platform.close())
      hbs.addForeignEvse(aForeignEvse('DE*ABC*E100'), 'Available')
      gate.shut()
      expect((await hubA.admin('PUT', '/bridges/oicp', BRIDGE_SETTINGS)).status).toBe(200)
    })
    afterAll(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup()
    })

    const skipped = (log: ReturnType<typeof capturedLog>) =>
      log.lines.filter((line) => String(line['msg']).includes('a pull from HBS is under way elsewhere'))

    it('one process pulls while the other’s timer and both operators’ Sync now are told a pull is under way', async () => {
      await eventually(() => expect(gate.held).toHaveLength(1))
      // Both timers have fired again since the first pull began: one of them in the other process.
      // (or, were there no lock, the other process's first pull has reached HBS).
      await eventually(() =>
        expect(skipped(logA).length + skipped(logB).length >= 4 || gate.pulls > 1).toBe(true),
      )
      expect(gate.pulls).toBe(1)
      for (const hub of [hubA, hubB]) {
        const sync = await hub.admin<{ detail: string }>('POST', '/bridges/oicp/sync', {})
        expect(sync.status).toBe(409)
        expect(sync.body.detail).toContain('a pull from HBS is under way')
      }
      expect(gate.pulls).toBe(1)

      gate.open()
      await eventually(() =>
        expect(emsp.inbox('locations').filter((request) => request.method === 'PUT')).toHaveLength(1),
      )
      // Later pulls are deltas with nothing new: the Location went out once.
      const pullsSoFar = gate.pulls
      await eventually(() => expect(gate.pulls).toBeGreaterThan(pullsSoFar + 1))
      expect(emsp.inbox('locations').filter((request) => request.method === 'PUT')).toHaveLength(1)
      expect(hbs.violations).toEqual([])
    })
  },
)
