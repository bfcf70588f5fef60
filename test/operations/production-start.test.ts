import { spawn, type ChildProcess } from 'node:child_process'
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../support/free-port.ts'
import { createTestStore, STORE_VARIANTS } from '../support/test-store.ts'

/**
 * The production package (docs/deployment.md): the compiled hub with production dependencies only, as a
 * container image or a server gets it, and `npm start` as a developer runs it. Both are real processes
 * stopped with SIGTERM, as an orchestrator stops them.
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const packageVersion = (
  JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }
).version
const tmpRoot = join(repoRoot, '.tmp')
// Installing from the registry and compiling take minutes on a busy 2-core machine.
const INSTALL_TIMEOUT_MS = Number(process.env['PRODUCTION_TEST_INSTALL_TIMEOUT_MS'] ?? 900_000)
const START_TIMEOUT_MS = Number(process.env['PRODUCTION_TEST_START_TIMEOUT_MS'] ?? 240_000)
// Nothing is under way when the signal comes: the hub only has to close its store. Generous for a busy machine.
const STOP_BOUND_MS = 20_000

interface Finished {
  readonly code: number | null
  readonly output: string
}

/** Runs a command to its end, collecting its output. */
function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, output }))
  })
}

/** A started process whose output is collected, polled over HTTP until it serves. */
class Started {
  readonly child: ChildProcess
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>
  output = ''

  constructor(command: string, args: string[], cwd: string, env: Record<string, string>) {
    this.child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const collect = (chunk: Buffer) => (this.output += chunk.toString('utf8'))
    this.child.stdout?.on('data', collect)
    this.child.stderr?.on('data', collect)
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
    )
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  /** Waits until `url` answers 200; fails with the output when the process ends or the time is up. */
  async servesAt(url: string): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS
    for (;;) {
      if (!this.running) throw new Error(`the process ended before serving ${url}:\n${this.output}`)
      if (Date.now() > deadline)
        throw new Error(`${url} did not answer within ${START_TIMEOUT_MS} ms:\n${this.output}`)
      const status = await fetch(url).then(
        (response) => response.arrayBuffer().then(() => response.status),
        () => 0,
      )
      if (status === 200) return
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Waits until the process `pid` is gone, or the time is up. */
async function gone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (alive(pid)) {
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return true
}

/** The pid the hub writes in each of its JSON log lines. */
function loggedPid(output: string): number | undefined {
  const match = /"pid":(\d+)/.exec(output)
  return match ? Number(match[1]) : undefined
}

/**
 * A resolve hook that fails any import leaving `folder`: the folder lies under the repository, whose own
 * node_modules (with the dev dependencies) Node would otherwise find by walking up.
 */
function writeResolveGuard(folder: string): string {
  writeFileSync(
    join(folder, 'resolve-guard-hooks.mjs'),
    `const root = new URL('./', import.meta.url).href
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  if (result.url.startsWith('file:') && !result.url.startsWith(root))
    throw new Error('resolved outside the production folder: ' + specifier + ' -> ' + result.url)
  return result
}
`,
  )
  const guard = join(folder, 'resolve-guard.mjs')
  writeFileSync(
    guard,
    `import { register } from 'node:module'\nregister('./resolve-guard-hooks.mjs', import.meta.url)\n`,
  )
  return guard
}

describe('production package: npm ci --omit=dev on the build, then node dist/main.js', () => {
  let folder = ''
  let guard = ''
  let registryUnreachable: string | undefined
  const started: Started[] = []

  beforeAll(async () => {
    const ping = await run('npm', ['ping'], repoRoot, 60_000)
    if (ping.code !== 0) {
      registryUnreachable = `the npm registry cannot be reached (npm ping: ${ping.output.trim().split('\n').pop()})`
      return
    }
    const build = await run('npm', ['run', 'build'], repoRoot, INSTALL_TIMEOUT_MS)
    expect(build.code, build.output).toBe(0)
    mkdirSync(tmpRoot, { recursive: true })
    folder = mkdtempSync(join(tmpRoot, 'production-'))
    // What a production image or server gets: the manifest, the lock file and the compiled code.
    copyFileSync(join(repoRoot, 'package.json'), join(folder, 'package.json'))
    copyFileSync(join(repoRoot, 'package-lock.json'), join(folder, 'package-lock.json'))
    cpSync(join(repoRoot, 'dist'), join(folder, 'dist'), { recursive: true })
    const install = await run(
      'npm',
      ['ci', '--omit=dev', '--no-audit', '--no-fund'],
      folder,
      INSTALL_TIMEOUT_MS,
    )
    expect(install.code, install.output).toBe(0)
    guard = writeResolveGuard(folder)
  }, INSTALL_TIMEOUT_MS * 2)

  afterEach(() => {
    for (const process of started.splice(0)) if (process.running) process.child.kill('SIGKILL')
  })
  afterAll(() => {
    if (folder) rmSync(folder, { recursive: true, force: true })
  })

  it('installs no dev dependency, and the guard refuses one from the repository above', async (context) => {
    if (registryUnreachable) context.skip(`skipped: ${registryUnreachable}`)
    for (const devOnly of ['tsx', 'typescript', 'vitest', 'eslint'])
      expect(existsSync(join(folder, 'node_modules', devOnly)), `${devOnly} is installed`).toBe(false)
    expect(existsSync(join(folder, 'node_modules', 'fastify'))).toBe(true)
    // tsx is in the repository's node_modules: without the guard Node would find it there.
    const escaped = await run(
      process.execPath,
      ['--import', guard, '--input-type=module', '-e', "await import('tsx')"],
      folder,
      60_000,
    )
    expect(escaped.code).not.toBe(0)
    expect(escaped.output).toMatch(/resolved outside the production folder: tsx/)
  })

  for (const engine of STORE_VARIANTS) {
    it(
      `${engine}: the compiled hub serves /health and /ocpi/versions, and exits 0 soon after SIGTERM`,
      async (context) => {
        if (registryUnreachable) context.skip(`skipped: ${registryUnreachable}`)
        const testStore = engine === 'postgres' ? await createTestStore('postgres') : undefined
        try {
          // The database is created and migrated by the test; the hub process connects on its own.
          await testStore?.store.close()
          const port = await freePort()
          const url = `http://127.0.0.1:${port}`
          const hub = new Started(process.execPath, ['--import', guard, 'dist/main.js'], folder, {
            NODE_ENV: 'production',
            PORT: String(port),
            HOST: '127.0.0.1',
            HUB_PUBLIC_URL: url,
            LOG_LEVEL: 'info',
            ...(testStore
              ? { DATABASE_URL: testStore.databaseUrl ?? '' }
              : { DATA_DIR: 'memory', DATABASE_URL: '' }),
          })
          started.push(hub)
          await hub.servesAt(`${url}/health`)
          const versions = await fetch(`${url}/ocpi/versions`)
          // Served by the hub's OCPI routes: a partner without a token is refused there.
          expect(versions.status).toBe(401)
          expect(hub.output).not.toMatch(/resolved outside the production folder/)
          // The compiled hub finds its version in package.json, as the sources do (CHANGELOG.md).
          const metrics = await fetch(`${url}/metrics`).then((response) => response.text())
          expect(metrics).toContain(
            `ocpi_hub_build_info{version="${packageVersion}",node="${process.version}"} 1`,
          )

          hub.child.kill('SIGTERM')
          const signalledAt = Date.now()
          const exit = await hub.exited
          expect(exit.code, hub.output).toBe(0)
          expect(exit.at - signalledAt).toBeLessThan(STOP_BOUND_MS)
          expect(hub.output).toMatch(/"msg":"stopped"/)
        } finally {
          await testStore?.dispose()
        }
      },
      START_TIMEOUT_MS + STOP_BOUND_MS + 60_000,
    )
  }
})

describe('npm start', () => {
  const started: Started[] = []
  let hubPid: number | undefined
  afterEach(() => {
    for (const process of started.splice(0)) if (process.running) process.child.kill('SIGKILL')
    // The hub is npm's child: if the test failed, it may still be there.
    if (hubPid !== undefined && alive(hubPid)) process.kill(hubPid, 'SIGKILL')
  })

  it(
    "SIGTERM to npm's process reaches the hub: it shuts down gracefully and no process is left behind",
    async () => {
      const port = await freePort()
      const url = `http://127.0.0.1:${port}`
      const npm = new Started('npm', ['start'], repoRoot, {
        PORT: String(port),
        HOST: '127.0.0.1',
        HUB_PUBLIC_URL: url,
        DATA_DIR: 'memory',
        DATABASE_URL: '',
        LOG_LEVEL: 'info',
      })
      started.push(npm)
      await npm.servesAt(`${url}/health`)
      hubPid = loggedPid(npm.output)
      expect(hubPid, npm.output).toBeDefined()
      // The hub is its own process under npm, not npm itself.
      expect(hubPid).not.toBe(npm.child.pid)

      npm.child.kill('SIGTERM')
      const signalledAt = Date.now()
      await npm.exited
      expect(
        await gone(hubPid!, STOP_BOUND_MS),
        `the hub (pid ${hubPid}) is still running after npm ended`,
      ).toBe(true)
      expect(Date.now() - signalledAt).toBeLessThan(STOP_BOUND_MS)
      // Gone because it shut down on the signal, not because something killed it.
      expect(npm.output).toMatch(/"signal":"SIGTERM","msg":"shutting down/)
      expect(npm.output).toMatch(/"msg":"stopped"/)
    },
    START_TIMEOUT_MS + STOP_BOUND_MS + 60_000,
  )
})
