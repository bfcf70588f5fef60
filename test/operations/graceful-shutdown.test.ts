import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { openStore, type StoreEngine, type StoreOptions } from '../../src/storage/database.ts'
import { aLocation } from '../fixtures/locations.ts'
import { envelope } from '../support/fake-platform.ts'
import { call, type HttpResult } from '../support/http.ts'
import { connectParty, routeHeaders, type ConnectedParty } from '../support/roaming-network.ts'
import { ADMIN_TOKEN, freePort, type TestHub } from '../support/test-hub.ts'
import { createTestStore, STORE_VARIANTS } from '../support/test-store.ts'
import { scaled } from '../support/time-limits.ts'

/**
 * SIGTERM and SIGINT on `npm start`'s process (src/main.ts run as a real process, as an orchestrator stops
 * it): requests and deliveries under way finish, nothing stays locked in the queue, exit code 0.
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const tmpRoot = join(repoRoot, '.tmp')
// Each start is a new Node process compiling the TypeScript sources, on a machine that may be busy.
const PROCESS_TEST_TIMEOUT_MS = 180_000
// How long the test waits for the hub to refuse new requests after the signal (times TEST_TIMEOUT_SCALE).
const REFUSAL_WAIT_MS = 10_000

/** Where the hub process keeps its data, readable by the test after the process is gone. */
interface DataPlace {
  readonly env: Record<string, string>
  readonly storeOptions: StoreOptions
  dispose(): Promise<void>
}

async function dataPlace(engine: StoreEngine): Promise<DataPlace> {
  if (engine === 'pglite') {
    // A data folder rather than `memory`: the test opens it after the exit to look at the queue. Seeded
    // from the run's migrated dump, which skips PGlite's initdb.
    mkdirSync(tmpRoot, { recursive: true })
    const folder = mkdtempSync(join(tmpRoot, 'shutdown-'))
    const dataDir = join(folder, 'data')
    const template = new Blob([readFileSync(inject('pgliteTemplatePath'))])
    await (await openStore({ dataDir, pgliteTemplate: template })).close()
    return {
      env: { DATA_DIR: dataDir, DATABASE_URL: '' },
      storeOptions: { dataDir },
      dispose: () => Promise.resolve(rmSync(folder, { recursive: true, force: true })),
    }
  }
  const testStore = await createTestStore('postgres')
  await testStore.store.close()
  return {
    env: { DATABASE_URL: testStore.databaseUrl ?? '' },
    storeOptions: { databaseUrl: testStore.databaseUrl, poolSize: 1 },
    dispose: () => testStore.dispose(),
  }
}

class HubProcess {
  readonly #child: ChildProcess
  readonly exited: Promise<{ code: number | null }>
  output = ''

  constructor(env: Record<string, string>) {
    // node --import tsx, not npx/npm: those wrappers do not pass SIGTERM on to the hub (docs/operations.md).
    this.#child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const collect = (chunk: Buffer) => (this.output += chunk.toString('utf8'))
    this.#child.stdout?.on('data', collect)
    this.#child.stderr?.on('data', collect)
    this.exited = new Promise((resolve) => this.#child.once('exit', (code) => resolve({ code })))
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null
  }

  signal(name: NodeJS.Signals): void {
    this.#child.kill(name)
  }

  async waitFor(pattern: RegExp, timeoutMs = 150_000): Promise<void> {
    const deadline = Date.now() + scaled(timeoutMs)
    while (!pattern.test(this.output)) {
      if (!this.running || Date.now() > deadline)
        throw new Error(`hub did not print ${String(pattern)}:\n${this.output}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

describe('graceful shutdown of the hub process', () => {
  const running: HubProcess[] = []
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const hub of running.splice(0)) if (hub.running) hub.signal('SIGKILL')
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  /** A hub process on `place` with a CPO and an eMSP registered at it. */
  async function startNetwork(place: DataPlace, env: Record<string, string> = {}) {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const hub = new HubProcess({
      PORT: String(port),
      HOST: '127.0.0.1',
      HUB_PUBLIC_URL: url,
      HUB_ADMIN_TOKEN: ADMIN_TOKEN,
      HUB_ALLOW_PRIVATE_PEERS: 'true',
      LOG_LEVEL: 'info',
      DELIVERY_POLL_INTERVAL_MS: '50',
      ...place.env,
      ...env,
    })
    running.push(hub)
    await hub.waitFor(/Invite a partner/)
    // What connectParty needs of a test hub: its admin API and its OCPI endpoints, over HTTP.
    const overHttp: Pick<TestHub, 'admin' | 'ocpi'> = {
      admin: (method, path, body) =>
        call(`${url}/admin${path}`, { method, body, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
      ocpi: <T>(path: string, options?: Parameters<TestHub['ocpi']>[1]) =>
        call<T>(`${url}/ocpi${path}`, options),
    }
    const parties: ConnectedParty[] = []
    cleanups.push(async () => void (await Promise.all(parties.map((p) => p.platform.close()))))
    const modules = { modules: ['locations'] }
    parties.push(await connectParty(overHttp, 'CPO', 'NL', 'CPO', modules))
    parties.push(await connectParty(overHttp, 'EMSP', 'DE', 'EMP', modules))
    const [cpo, emsp] = parties as [ConnectedParty, ConnectedParty]
    return { hub, url, cpo, emsp }
  }

  /** A partner that keeps thinking until the test lets it answer: the signal surely comes meanwhile. */
  function heldAnswers() {
    let release = () => {}
    const released = new Promise<void>((resolve) => (release = resolve))
    const answer = async () => {
      await released
      return { status: 200, body: envelope(null) }
    }
    return { answer, release }
  }

  for (const engine of STORE_VARIANTS) {
    it(
      `${engine}: SIGTERM lets the forwarded request and the delivery under way finish, leaves nothing locked, exits 0`,
      async () => {
        const place = await dataPlace(engine)
        cleanups.push(() => place.dispose())
        const { hub, url, cpo, emsp } = await startNetwork(place)
        const forwardedPath = '/2.3.0/receiver/locations/NL/CPO/LOC-P2P'
        const broadcastPath = '/2.3.0/receiver/locations/NL/CPO/LOC-BROADCAST'
        const partner = heldAnswers()
        emsp.platform.answer('PUT', forwardedPath, partner.answer)
        emsp.platform.answer('PUT', broadcastPath, partner.answer)

        // A broadcast: queued, and being delivered (slowly) when the signal comes.
        const pushed = await cpo.call('/receiver/locations/NL/CPO/LOC-BROADCAST', {
          method: 'PUT',
          body: aLocation({ id: 'LOC-BROADCAST' }, cpo.party),
        })
        expect(pushed.body.status_code).toBe(1000)
        await emsp.platform.waitForRequests(broadcastPath, 1)
        // A second message for the same object waits behind the one being sent: it must stay in the queue.
        const patched = await cpo.call('/receiver/locations/NL/CPO/LOC-BROADCAST', {
          method: 'PATCH',
          body: { name: 'renamed', last_updated: '2026-11-28T12:00:00Z' },
        })
        expect(patched.body.status_code).toBe(1000)
        // A party-to-party push: forwarded synchronously, the CPO waits for the eMSP's answer.
        const forwarded: Promise<HttpResult<{ status_code: number }>> = cpo.call(
          '/receiver/locations/NL/CPO/LOC-P2P',
          {
            method: 'PUT',
            body: aLocation({ id: 'LOC-P2P' }, cpo.party),
            headers: routeHeaders(cpo.party, emsp.party),
          },
        )
        await emsp.platform.waitForRequests(forwardedPath, 1)

        hub.signal('SIGTERM')
        const signalledAt = Date.now()

        // New requests are no longer served (refused, or 503 on a connection already open)...
        let refused = false
        while (!refused && Date.now() - signalledAt < scaled(REFUSAL_WAIT_MS)) {
          refused = await call(`${url}/health`).then(
            (answer) => answer.status === 503,
            () => true,
          )
          if (!refused) await new Promise((resolve) => setTimeout(resolve, 20))
        }
        expect(refused, 'a new request was still served after SIGTERM').toBe(true)
        // ...but the one under way gets the partner's answer.
        partner.release()
        const answer = await forwarded
        expect(answer.status).toBe(200)
        expect(answer.body.status_code).toBe(1000)

        const exit = await hub.exited
        expect(exit.code, hub.output).toBe(0)
        expect(hub.output).toMatch(/shutting down/)
        expect(hub.output).toMatch(/"msg":"stopped"/)
        // The delivery under way was finished (once), not cut off and not sent again.
        expect(emsp.platform.requestsTo('PUT', broadcastPath)).toHaveLength(1)
        expect(emsp.platform.requestsTo('PATCH', broadcastPath)).toHaveLength(0)

        // What is left waits, unlocked, for the next start: no lease to run out first.
        const store = await openStore(place.storeOptions)
        try {
          const left = await store.db
            .selectFrom('deliveries')
            .select(['method', 'path', 'state', 'attempts', 'locked_by', 'locked_until'])
            .execute()
          expect(left).toEqual([
            {
              method: 'PATCH',
              path: '/NL/CPO/LOC-BROADCAST',
              state: 'pending',
              attempts: 0,
              locked_by: null,
              locked_until: null,
            },
          ])
        } finally {
          await store.close()
        }
      },
      PROCESS_TEST_TIMEOUT_MS,
    )
  }

  // The store plays no part here: the quickest to start (PostgreSQL when there is one).
  const quickest = STORE_VARIANTS.at(-1)!
  it(
    `${quickest}: a second signal exits at once, without waiting for the request under way`,
    async () => {
      const place = await dataPlace(quickest)
      cleanups.push(() => place.dispose())
      const { hub, cpo, emsp } = await startNetwork(place, { OUTBOUND_TIMEOUT_MS: '60000' })
      const forwardedPath = '/2.3.0/receiver/locations/NL/CPO/LOC-HANG'
      emsp.platform.hang('PUT', forwardedPath)
      const forwarded = cpo
        .call('/receiver/locations/NL/CPO/LOC-HANG', {
          method: 'PUT',
          body: aLocation({ id: 'LOC-HANG' }, cpo.party),
          headers: routeHeaders(cpo.party, emsp.party),
        })
        .catch((error: unknown) => error)
      await emsp.platform.waitForRequests(forwardedPath, 1)

      hub.signal('SIGTERM')
      await hub.waitFor(/shutting down/, 10_000)
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(hub.running, 'the first signal waits for the request under way').toBe(true)

      // Exit code 130, not the 0 of a graceful stop, which would wait for the hanging request (60 s).
      hub.signal('SIGINT')
      const exit = await hub.exited
      expect(exit.code).toBe(130)
      expect(hub.output).toMatch(/second signal/)
      await forwarded
    },
    PROCESS_TEST_TIMEOUT_MS,
  )
})
