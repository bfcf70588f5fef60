import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { buildHub, type Hub } from '../../src/app.ts'
import { loadConfig } from '../../src/config/config.ts'
import { openStore, type StoreEngine } from '../../src/storage/database.ts'
import { aRole, FakePlatform } from '../support/fake-platform.ts'
import { call } from '../support/http.ts'
import { ADMIN_TOKEN, freePort } from '../support/test-hub.ts'
import { createTestStore, STORE_VARIANTS, type TestStore } from '../support/test-store.ts'
import { scaled } from '../support/time-limits.ts'

/**
 * Restarts on the same data: what a partner and the operator had before a restart still holds after it.
 * Every hub here opens its store from the configuration (DATA_DIR or DATABASE_URL), as `npm start` does.
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const tmpRoot = join(repoRoot, '.tmp')

type Env = Record<string, string>

interface PlatformView {
  id: string
  name: string
  status: string
  version: string | null
  roles: { role: string; country_code: string; party_id: string; status: string }[]
  last_seen_at?: string | null
}

/** Where a hub keeps its data: a PGlite folder, or a PostgreSQL database of its own. */
interface DataPlace {
  readonly env: Env
  dispose(): Promise<void>
}

let template: Blob | undefined

/**
 * A fresh place for a hub's data. A `seeded` PGlite folder starts from the run's migrated dump, which skips
 * PGlite's initdb (several seconds); an unseeded one does not exist yet, as on a fresh machine.
 */
async function dataPlace(engine: StoreEngine, { seeded }: { seeded: boolean }): Promise<DataPlace> {
  if (engine === 'pglite') {
    mkdirSync(tmpRoot, { recursive: true })
    const folder = mkdtempSync(join(tmpRoot, 'persistence-'))
    const dataDir = join(folder, 'data')
    if (seeded) {
      template ??= new Blob([readFileSync(inject('pgliteTemplatePath'))])
      await (await openStore({ dataDir, pgliteTemplate: template })).close()
    }
    return {
      env: { DATA_DIR: dataDir, DATABASE_URL: '' },
      dispose() {
        rmSync(folder, { recursive: true, force: true })
        return Promise.resolve()
      },
    }
  }
  const testStore: TestStore = await createTestStore('postgres')
  // The hubs open their own pools on this database; the test store only creates and drops it.
  await testStore.store.close()
  return { env: { DATABASE_URL: testStore.databaseUrl ?? '' }, dispose: () => testStore.dispose() }
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: the party directory survives a restart`, () => {
    let place: DataPlace
    let port: number
    let url: string
    let hub: Hub | undefined
    const platforms: FakePlatform[] = []

    async function startHub(): Promise<Hub> {
      const config = loadConfig({
        PORT: String(port),
        HOST: '127.0.0.1',
        HUB_PUBLIC_URL: url,
        HUB_ADMIN_TOKEN: ADMIN_TOKEN,
        HUB_ALLOW_PRIVATE_PEERS: 'true',
        LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
        OUTBOUND_TIMEOUT_MS: '3000',
        ...place.env,
      })
      const started = await buildHub(config)
      await started.app.listen({ port, host: '127.0.0.1' })
      hub = started
      return started
    }

    async function stopHub(): Promise<void> {
      await hub?.close()
      hub = undefined
    }

    const admin = <T>(method: string, path: string, body?: unknown) =>
      call<T>(`${url}/admin${path}`, { method, body, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })

    beforeAll(async () => {
      place = await dataPlace(engine, { seeded: true })
      port = await freePort()
      url = `http://127.0.0.1:${port}`
    })
    afterAll(async () => {
      await stopHub()
      await Promise.all(platforms.map((p) => p.close()))
      await place.dispose()
    })

    it('tokens, roles, versions and the tokens the hub presents to partners survive restarts', async () => {
      await startHub()
      // 1. A partner registers at the hub with an invitation.
      const partner = await FakePlatform.start({ roles: [aRole('CPO', 'NL', 'PRS')] })
      platforms.push(partner)
      const invitation = await admin<{ id: string; token_a: string; versions_url: string }>(
        'POST',
        '/invitations',
        {
          name: 'Persistent CPO',
          roles: [{ role: 'CPO', country_code: 'NL', party_id: 'PRS' }],
        },
      )
      expect(invitation.status).toBe(201)
      const { response } = await partner.registerAt(invitation.body.versions_url, invitation.body.token_a)
      expect(response.body.status_code).toBe(1000)
      // 2. An invitation nobody has used yet.
      const pending = await admin<{ id: string; token_a: string }>('POST', '/invitations', {
        name: 'Pending eMSP',
        roles: [{ role: 'EMSP', country_code: 'NL', party_id: 'PND' }],
      })
      // 3. The hub registers at a partner: it keeps the token C that partner issued.
      const remote = await FakePlatform.start({ roles: [aRole('CPO', 'DE', 'RMT')] })
      platforms.push(remote)
      const connection = await admin<PlatformView>('POST', '/connections', {
        versions_url: remote.versionsUrl,
        token_a: remote.tokenA,
        name: 'Remote CPO',
      })
      expect(connection.status).toBe(201)
      const before = (await admin<{ platforms: PlatformView[] }>('GET', '/platforms')).body.platforms

      await stopHub()
      await startHub()

      // The partner's token C still opens the hub; the unused token A still opens versions.
      const versions = await call(`${url}/ocpi/versions`, { token: partner.tokenToHub! })
      expect(versions.status).toBe(200)
      expect(versions.body.status_code).toBe(1000)
      const credentials = await call(`${url}/ocpi/2.3.0/credentials`, { token: partner.tokenToHub! })
      expect(credentials.body.data).toMatchObject({ token: partner.tokenToHub, hub_party_id: 'XXHUB' })
      expect((await call(`${url}/ocpi/versions`, { token: pending.body.token_a })).status).toBe(200)
      expect((await call(`${url}/ocpi/versions`, { token: invitation.body.token_a })).status).toBe(401)

      // The operator sees the same directory.
      const after = await admin<{ platforms: PlatformView[] }>('GET', '/platforms')
      expect(after.status).toBe(200)
      // All but when each partner last called: the calls above, after the restart, moved it.
      const withoutLastSeen = (views: PlatformView[]) => views.map(({ last_seen_at: _, ...view }) => view)
      expect(withoutLastSeen(after.body.platforms)).toEqual(withoutLastSeen(before))
      expect(after.body.platforms.find((p) => p.id === invitation.body.id)).toMatchObject({
        name: 'Persistent CPO',
        status: 'CONNECTED',
        version: '2.3.0',
        roles: [
          expect.objectContaining({ role: 'CPO', country_code: 'NL', party_id: 'PRS', status: 'CONNECTED' }),
        ],
      })
      expect(after.body.platforms.find((p) => p.id === pending.body.id)?.status).toBe('PLANNED')

      // The hub still presents the stored partner token: unregistering calls the partner with it.
      const tokenC = remote.tokenFromHub
      const removal = await admin<{ partner_notified: boolean }>('DELETE', `/platforms/${connection.body.id}`)
      expect(removal.body.partner_notified).toBe(true)
      expect(remote.requestsTo('DELETE', '/2.3.0/credentials').map((r) => r.token)).toEqual([tokenC])

      // A second restart: the unregistration stays, and the registered partner's role is still taken.
      await stopHub()
      await startHub()
      const removed = await admin<PlatformView>('GET', `/platforms/${connection.body.id}`)
      expect(removed.body.status).toBe('SUSPENDED')
      const impostor = await admin('POST', '/invitations', {
        name: 'Impostor',
        roles: [{ role: 'CPO', country_code: 'NL', party_id: 'PRS' }],
      })
      expect(impostor.status).toBe(409)
    })
  })
}

/** `npm start` as a real process: src/main.ts with the given environment, its log collected. */
class HubProcess {
  readonly #child: ChildProcess
  readonly exited: Promise<number | null>
  output = ''

  constructor(env: Env) {
    this.#child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const collect = (chunk: Buffer) => (this.output += chunk.toString('utf8'))
    this.#child.stdout?.on('data', collect)
    this.#child.stderr?.on('data', collect)
    this.exited = new Promise((resolve) => this.#child.once('exit', (code) => resolve(code)))
  }

  /** The `msg` of every pino line, and every other line as it is. */
  get messages(): string[] {
    return this.output
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        try {
          const parsed = JSON.parse(line) as { msg?: unknown }
          return typeof parsed.msg === 'string' ? parsed.msg : line
        } catch {
          return line
        }
      })
  }

  /** Waits until the output matches, or fails with the output so far when the process exits or times out. */
  async waitFor(pattern: RegExp, timeoutMs = 150_000): Promise<void> {
    let exited = false
    void this.exited.then(() => (exited = true))
    const deadline = Date.now() + scaled(timeoutMs)
    while (!pattern.test(this.output)) {
      if (exited || Date.now() > deadline) {
        throw new Error(`hub did not print ${String(pattern)}; its output:\n${this.output}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  async stop(): Promise<number | null> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGTERM')
    return this.exited
  }
}

const GENERATED_TOKEN = /Generated admin token[^:]*: ([\x21-\x7E]+)/
const READY = /Invite a partner/
// Each start is a new Node process compiling the TypeScript sources, on a machine that may be busy.
const PROCESS_TEST_TIMEOUT_MS = 180_000

/** The generated admin token as the operator reads it in the log message. */
function generatedTokenIn(hub: HubProcess): string | undefined {
  for (const message of hub.messages) {
    const token = GENERATED_TOKEN.exec(message)?.[1]
    if (token) return token
  }
  return undefined
}

async function adminStatus(port: number, token: string): Promise<number> {
  const response = await call(`http://127.0.0.1:${port}/admin/platforms`, {
    headers: { authorization: `Bearer ${token}` },
  })
  return response.status
}

/** Hub processes and data places of one describe block, ended and removed after each test. */
function processFixture() {
  const running: HubProcess[] = []
  const places: DataPlace[] = []

  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop()))
    await Promise.all(places.splice(0).map((p) => p.dispose()))
  })

  return {
    async place(engine: StoreEngine, seeded: boolean): Promise<DataPlace> {
      const place = await dataPlace(engine, { seeded })
      places.push(place)
      return place
    },
    start(place: DataPlace, port: number, env: Env = {}): HubProcess {
      const started = new HubProcess({
        PORT: String(port),
        HOST: '127.0.0.1',
        HUB_PUBLIC_URL: `http://127.0.0.1:${port}`,
        // Unset (empty counts as unset): the hub generates its own admin token.
        HUB_ADMIN_TOKEN: '',
        LOG_LEVEL: 'info',
        ...place.env,
        ...env,
      })
      running.push(started)
      return started
    },
  }
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: npm start and the generated admin token`, () => {
    const fixture = processFixture()

    it(
      'logs where it listens, the versions URL and how to invite; the token is printed on the first start only',
      async () => {
        // PGlite: a data folder that does not exist yet, as on a fresh machine.
        const place = await fixture.place(engine, false)
        const port = await freePort()
        const first = fixture.start(place, port)
        await first.waitFor(READY)
        expect(first.messages).toContainEqual(expect.stringContaining(`listening on 127.0.0.1:${port}`))
        expect(first.messages).toContainEqual(
          expect.stringContaining(`http://127.0.0.1:${port}/ocpi/versions`),
        )
        expect(first.messages).toContainEqual(
          expect.stringMatching(
            new RegExp(`curl -X POST http://127\\.0\\.0\\.1:${port}/admin/invitations .*Bearer`),
          ),
        )
        const token = generatedTokenIn(first)
        expect(token, first.output).toBeDefined()
        expect(first.output.split(token!).length - 1, 'the token appears exactly once').toBe(1)
        expect(await adminStatus(port, token!)).toBe(200)
        expect(await adminStatus(port, 'not-the-token')).toBe(401)
        expect(await first.stop()).toBe(0)

        const second = fixture.start(place, port)
        await second.waitFor(READY)
        expect(second.output).not.toMatch(GENERATED_TOKEN)
        expect(second.output).not.toContain(token!)
        expect(await adminStatus(port, token!)).toBe(200)
        expect(await second.stop()).toBe(0)
      },
      PROCESS_TEST_TIMEOUT_MS,
    )

    it(
      'HUB_ADMIN_TOKEN, when set, is the admin token and nothing is printed',
      async () => {
        const place = await fixture.place(engine, true)
        const port = await freePort()
        const hub = fixture.start(place, port, { HUB_ADMIN_TOKEN: 'configured-admin-token' })
        await hub.waitFor(READY)
        expect(hub.output).not.toMatch(GENERATED_TOKEN)
        expect(hub.output).not.toContain('configured-admin-token')
        expect(await adminStatus(port, 'configured-admin-token')).toBe(200)
      },
      PROCESS_TEST_TIMEOUT_MS,
    )
  })
}

describe('pglite: the generated admin token is never lost', () => {
  const fixture = processFixture()

  it(
    'is printed even when LOG_LEVEL hides warnings',
    async () => {
      const place = await fixture.place('pglite', true)
      const port = await freePort()
      const hub = fixture.start(place, port, { LOG_LEVEL: 'error' })
      await hub.waitFor(GENERATED_TOKEN)
      const token = generatedTokenIn(hub)!
      // Nothing at info level announces the start: wait until the admin API answers.
      let status = 0
      for (let tries = 0; status === 0 && tries < 600; tries++) {
        status = await adminStatus(port, token).catch(
          async () => new Promise<number>((resolve) => setTimeout(() => resolve(0), 100)),
        )
      }
      expect(status).toBe(200)
    },
    PROCESS_TEST_TIMEOUT_MS,
  )

  it(
    'a first start that cannot listen still shows the token it stored',
    async () => {
      const place = await fixture.place('pglite', true)
      const port = await freePort()
      const blocker = createServer()
      await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve))
      const failed = fixture.start(place, port)
      const code = await failed.exited
      await new Promise<void>((resolve) => blocker.close(() => resolve()))
      expect(code, failed.output).not.toBe(0)

      const retried = fixture.start(place, port)
      await retried.waitFor(READY)
      // Shown by the failed start, or generated afresh by this one: either way the operator has it.
      const token = generatedTokenIn(failed) ?? generatedTokenIn(retried)
      expect(token, `${failed.output}\n${retried.output}`).toBeDefined()
      expect(await adminStatus(port, token!)).toBe(200)
    },
    PROCESS_TEST_TIMEOUT_MS,
  )
})
