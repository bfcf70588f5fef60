import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { inject } from 'vitest'
import { openStore, type StoreEngine } from '../../src/storage/database.ts'
import { call, type CallOptions, type HttpResult, type OcpiEnvelopeBody } from '../support/http.ts'
import { ADMIN_TOKEN, type TestHub } from '../support/test-hub.ts'
import { createTestStore } from '../support/test-store.ts'
import { scaled } from '../support/time-limits.ts'

/** Test-only: hubs as real `npm start` processes, on a PGlite folder or a PostgreSQL database of their own. */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

export type Env = Record<string, string>

/** Where the hubs keep their data. */
export interface DataPlace {
  readonly env: Env
  dispose(): Promise<void>
}

let template: Blob | undefined

/** A fresh, migrated data place: a PGlite folder under .tmp/ (seeded from the run's template) or a new database. */
export async function dataPlace(engine: StoreEngine): Promise<DataPlace> {
  if (engine === 'pglite') {
    const tmpRoot = join(repoRoot, '.tmp')
    mkdirSync(tmpRoot, { recursive: true })
    const folder = mkdtempSync(join(tmpRoot, 'resilience-'))
    const dataDir = join(folder, 'data')
    template ??= new Blob([readFileSync(inject('pgliteTemplatePath'))])
    await (await openStore({ dataDir, pgliteTemplate: template })).close()
    return {
      env: { DATA_DIR: dataDir, DATABASE_URL: '' },
      dispose() {
        rmSync(folder, { recursive: true, force: true })
        return Promise.resolve()
      },
    }
  }
  const testStore = await createTestStore('postgres')
  // The hub processes open their own pools; the test store only creates and drops the database.
  await testStore.store.close()
  return { env: { DATABASE_URL: testStore.databaseUrl ?? '' }, dispose: () => testStore.dispose() }
}

/** src/main.ts as a real process listening on `port`, its output collected. */
export class HubProcess {
  readonly url: string
  readonly exited: Promise<number | null>
  output = ''
  readonly #child: ChildProcess

  constructor(port: number, env: Env) {
    this.url = `http://127.0.0.1:${port}`
    this.#child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        HUB_PUBLIC_URL: this.url,
        HUB_ADMIN_TOKEN: ADMIN_TOKEN,
        HUB_ALLOW_PRIVATE_PEERS: 'true',
        RATE_LIMIT_PER_MINUTE: '0',
        LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const collect = (chunk: Buffer) => (this.output += chunk.toString('utf8'))
    this.#child.stdout?.on('data', collect)
    this.#child.stderr?.on('data', collect)
    this.exited = new Promise((resolve) => this.#child.once('exit', (code) => resolve(code)))
  }

  static async start(port: number, env: Env): Promise<HubProcess> {
    const hub = new HubProcess(port, env)
    await hub.waitUntilServing()
    return hub
  }

  /** Waits until the hub answers HTTP (any status), whatever its log level. */
  async waitUntilServing(timeoutMs = 60_000): Promise<void> {
    let exited = false
    void this.exited.then(() => (exited = true))
    const deadline = Date.now() + scaled(timeoutMs)
    for (;;) {
      const answered = await fetch(`${this.url}/ocpi/versions`).then(
        () => true,
        () => false,
      )
      if (answered) return
      if (exited || Date.now() > deadline) throw new Error(`hub did not start serving:\n${this.output}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    let exited = false
    void this.exited.then(() => (exited = true))
    const deadline = Date.now() + scaled(timeoutMs)
    while (!pattern.test(this.output)) {
      if (exited || Date.now() > deadline)
        throw new Error(`hub did not print ${String(pattern)}:\n${this.output}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  /** Kills the process at once (SIGKILL): no shutdown hook runs, queue leases stay as they were. */
  async kill(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL')
    await this.exited
  }

  /** Sends `signal` to the process (SIGHUP: reload the certificates). */
  signal(signal: NodeJS.Signals): void {
    this.#child.kill(signal)
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGTERM')
    await this.exited
  }

  /** What connectParty needs of a hub: its admin API and its OCPI API. */
  get network(): Pick<TestHub, 'admin' | 'ocpi'> {
    return {
      admin: <T>(method: string, path: string, body?: unknown): Promise<HttpResult<T>> =>
        call<T>(`${this.url}/admin${path}`, {
          method,
          body,
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        }),
      ocpi: <T = OcpiEnvelopeBody>(path: string, options?: CallOptions) =>
        call<T>(`${this.url}/ocpi${path}`, options),
    }
  }
}
