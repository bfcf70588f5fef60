import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, Socket, type Server } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../support/test-hub.ts'
import { dataPlace, HubProcess, type DataPlace } from '../resilience/hub-process.ts'

/**
 * Start-up checks (issue 14, finding 3; docs/operations.md): the real `src/main.ts` started with one bad
 * setting exits non-zero within seconds, with one log line that names the setting and the cause, no stack
 * trace, and nothing generated or written before the check.
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
// From spawning to exit, on a busy 2-core machine (Node compiles the TypeScript sources at each start,
// about 2-4 s of it). Raise it with TEST_STARTUP_BOUND_MS on a slower machine.
const EXIT_BOUND_MS = Number(process.env['TEST_STARTUP_BOUND_MS'] ?? 20_000)
const TEST_TIMEOUT_MS = EXIT_BOUND_MS + 30_000
const PASSWORD = 's3cret-pw'

interface LogLine {
  readonly level: number
  readonly msg: string
  readonly setting?: string
  readonly [field: string]: unknown
}

interface FailedStart {
  readonly code: number | null
  readonly elapsedMs: number
  readonly output: string
  readonly lines: readonly LogLine[]
}

/** Starts src/main.ts with `env` over a valid configuration and waits (bounded) for it to exit. */
async function startExpectingExit(
  env: Record<string, string>,
  options: { readonly uid?: number } = {},
): Promise<FailedStart> {
  const port = await freePort()
  const started = Date.now()
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      HUB_PUBLIC_URL: `http://127.0.0.1:${port}`,
      HUB_ADMIN_TOKEN: 'startup-checks-admin-token',
      DATABASE_URL: '',
      DATA_DIR: 'memory',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<'still running'>((resolve) => {
    timer = setTimeout(() => resolve('still running'), EXIT_BOUND_MS)
  })
  const code = await Promise.race([exited, bound])
  clearTimeout(timer)
  if (code === 'still running') {
    child.kill('SIGKILL')
    await exited
    throw new Error(`the hub was still running after ${EXIT_BOUND_MS} ms; its output:\n${output}`)
  }
  const elapsedMs = Date.now() - started
  const lines = output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as LogLine
      } catch {
        return { level: 0, msg: line, raw: true }
      }
    })
  return { code, elapsedMs, output, lines }
}

/** The exit is a failure, in time, with exactly one error line naming `setting` and matching `cause`. */
function expectOneFailureLine(run: FailedStart, setting: string, cause: RegExp): LogLine {
  const context = `output:\n${run.output}`
  expect(run.code, context).not.toBe(0)
  expect(run.code, context).not.toBeNull()
  expect(run.elapsedMs, context).toBeLessThan(EXIT_BOUND_MS)
  // Every line is a pino line: no raw stack, no console dump of an error object.
  expect(
    run.lines.filter((line) => line['raw']),
    context,
  ).toEqual([])
  expect(run.output, context).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
  const failures = run.lines.filter((line) => line.level >= 50)
  expect(failures, context).toHaveLength(1)
  const [failure] = failures
  expect(failure!.setting, context).toBe(setting)
  expect(failure!.msg, context).toContain(setting)
  expect(failure!.msg, context).toMatch(cause)
  expect(failure!['err'], context).toBeUndefined()
  expect(failure!['stack'], context).toBeUndefined()
  return failure!
}

let tmp: string
beforeAll(() => {
  const tmpRoot = join(repoRoot, '.tmp')
  mkdirSync(tmpRoot, { recursive: true })
  tmp = mkdtempSync(join(tmpRoot, 'startup-checks-'))
  // Traversable by the unprivileged user of the unwritable-DATA_DIR test.
  chmodSync(tmp, 0o755)
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const servers: Server[] = []
const sockets = new Set<Socket>()
afterEach(async () => {
  sockets.forEach((socket) => socket.destroy())
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
})

/** A TCP server on 127.0.0.1, closed (with its connections) after the test. */
async function listening(server: Server, port = 0): Promise<number> {
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return (server.address() as { port: number }).port
}

describe('start-up checks: DATABASE_URL', () => {
  it.each([
    ['not a URL at all', 'not-a-url'],
    ['an unparsable URL holding a password', `postgres://hub:${PASSWORD}@[not-a-host/hub`],
  ])(
    '%s: named, never printed',
    async (_case, databaseUrl) => {
      const run = await startExpectingExit({ DATABASE_URL: databaseUrl })
      expectOneFailureLine(run, 'DATABASE_URL', /is not a URL/)
      expect(run.output).not.toContain(PASSWORD)
      expect(run.output).not.toContain(databaseUrl)
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'a URL of another database (mysql://): the scheme is named, the password is not printed',
    async () => {
      const run = await startExpectingExit({ DATABASE_URL: `mysql://hub:${PASSWORD}@127.0.0.1:3306/hub` })
      expectOneFailureLine(run, 'DATABASE_URL', /postgres:\/\/ or postgresql:\/\/ URL, got a "mysql:" URL/)
      expect(run.output).not.toContain(PASSWORD)
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'a refused port: waits DATABASE_STARTUP_TIMEOUT_MS, saying why, then names host, port and "connection refused"',
    async () => {
      const closedPort = await freePort()
      const run = await startExpectingExit({
        DATABASE_URL: `postgres://hub:${PASSWORD}@127.0.0.1:${closedPort}/hub`,
        DATABASE_STARTUP_TIMEOUT_MS: '1500',
      })
      const failure = expectOneFailureLine(run, 'DATABASE_URL', /connection refused; gave up after/)
      expect(failure.msg).toContain(`127.0.0.1:${closedPort}`)
      const waits = run.lines.filter((line) => /^waiting for the database/.test(line.msg))
      expect(waits.length, run.output).toBeGreaterThan(0)
      expect(waits[0]!.msg).toMatch(/connection refused; next try in .*, giving up in /)
      expect(run.output).not.toContain(PASSWORD)
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'an unknown host: named, with "unknown host"',
    async () => {
      const run = await startExpectingExit({
        DATABASE_URL: 'postgres://hub@no-such-database.invalid:5432/hub',
        DATABASE_STARTUP_TIMEOUT_MS: '1000',
      })
      const failure = expectOneFailureLine(run, 'DATABASE_URL', /unknown host/)
      expect(failure.msg).toContain('no-such-database.invalid:5432')
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'a server that never answers: "timed out" after DATABASE_STARTUP_TIMEOUT_MS',
    async () => {
      // Accepts connections and never says anything.
      const port = await listening(createServer())
      const run = await startExpectingExit({
        DATABASE_URL: `postgres://hub@127.0.0.1:${port}/hub`,
        DATABASE_STARTUP_TIMEOUT_MS: '1500',
      })
      const failure = expectOneFailureLine(run, 'DATABASE_URL', /timed out/)
      expect(failure.msg).toContain(`127.0.0.1:${port}`)
    },
    TEST_TIMEOUT_MS,
  )
})

describe.runIf(process.env['TEST_DATABASE_URL'])('start-up checks: PostgreSQL refuses the hub', () => {
  const server = () => new URL(process.env['TEST_DATABASE_URL']!)
  // A long retry window: these fail at once, waiting would not help.
  const NO_WAIT = { DATABASE_STARTUP_TIMEOUT_MS: '600000' }

  it(
    'a database that does not exist fails at once, naming it',
    async () => {
      const url = server()
      url.pathname = '/no_such_database_for_startup_checks'
      const run = await startExpectingExit({ ...NO_WAIT, DATABASE_URL: url.href })
      expectOneFailureLine(
        run,
        'DATABASE_URL',
        /database "no_such_database_for_startup_checks" does not exist/,
      )
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'an unknown role fails at once with "authentication failed"',
    async () => {
      const url = server()
      url.username = 'no_such_role_for_startup_checks'
      url.password = PASSWORD
      const run = await startExpectingExit({ ...NO_WAIT, DATABASE_URL: url.href })
      expectOneFailureLine(run, 'DATABASE_URL', /authentication failed/)
      expect(run.output).not.toContain(PASSWORD)
    },
    TEST_TIMEOUT_MS,
  )

  describe('a database that comes up while the hub waits', () => {
    let place: DataPlace
    let hub: HubProcess | undefined
    beforeAll(async () => {
      place = await dataPlace('postgres')
    })
    afterAll(async () => {
      await hub?.kill()
      await place.dispose()
    })

    it(
      'the hub logs that it waits, then starts once the database answers',
      async () => {
        const database = new URL(place.env['DATABASE_URL']!)
        // The database behind a port that is closed at first: a proxy opens it later.
        const proxy = createServer((client) => {
          const upstream = new Socket().connect(Number(database.port || 5432), database.hostname)
          sockets.add(upstream)
          client.pipe(upstream).pipe(client)
          client.on('close', () => upstream.destroy())
          upstream.on('close', () => client.destroy())
          upstream.on('error', () => {})
        })
        const proxyPort = await freePort()
        const viaProxy = new URL(database.href)
        viaProxy.hostname = '127.0.0.1'
        viaProxy.port = String(proxyPort)
        hub = new HubProcess(await freePort(), {
          DATABASE_URL: viaProxy.href,
          DATABASE_STARTUP_TIMEOUT_MS: '120000',
        })
        await hub.waitFor(/waiting for the database.*connection refused/)
        await listening(proxy, proxyPort)
        await hub.waitUntilServing()
        expect(hub.output).toMatch(/OCPI hub listening/)
      },
      TEST_TIMEOUT_MS + 60_000,
    )
  })
})

describe('start-up checks: TLS files, port, DATA_DIR', () => {
  it(
    'a missing TLS certificate is named (TLS_CERT_FILE) before the store is touched',
    async () => {
      const dataDir = join(tmp, 'tls-missing-cert')
      const run = await startExpectingExit({
        TLS_CERT_FILE: join(tmp, 'missing-cert.pem'),
        TLS_KEY_FILE: join(tmp, 'missing-key.pem'),
        DATA_DIR: dataDir,
      })
      const failure = expectOneFailureLine(run, 'TLS_CERT_FILE', /no such file/)
      expect(failure.msg).toContain('missing-cert.pem')
      expect(existsSync(dataDir)).toBe(false)
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'a missing TLS key is named (TLS_KEY_FILE); a file that is not PEM is named too',
    async () => {
      const notPem = join(tmp, 'not-a-certificate.pem')
      writeFileSync(notPem, 'hello\n')
      const missingKey = await startExpectingExit({
        TLS_CERT_FILE: notPem,
        TLS_KEY_FILE: join(tmp, 'missing-key.pem'),
      })
      expectOneFailureLine(missingKey, 'TLS_KEY_FILE', /missing-key\.pem: no such file/)
      const garbage = await startExpectingExit({ TLS_CERT_FILE: notPem, TLS_KEY_FILE: notPem })
      expectOneFailureLine(garbage, 'TLS_CERT_FILE', /not-a-certificate\.pem is not a PEM certificate/)
    },
    TEST_TIMEOUT_MS * 2,
  )

  it(
    'the outbound TLS files are checked like the server ones (OUTBOUND_TLS_CERT_FILE, OUTBOUND_TLS_CA_FILE)',
    async () => {
      const notPem = join(tmp, 'not-a-ca.pem')
      writeFileSync(notPem, 'hello\n')
      const missingCert = await startExpectingExit({
        OUTBOUND_TLS_CERT_FILE: join(tmp, 'missing-client.pem'),
        OUTBOUND_TLS_KEY_FILE: join(tmp, 'missing-client.key'),
      })
      expectOneFailureLine(missingCert, 'OUTBOUND_TLS_CERT_FILE', /missing-client\.pem: no such file/)
      const garbageCa = await startExpectingExit({ OUTBOUND_TLS_CA_FILE: notPem })
      expectOneFailureLine(garbageCa, 'OUTBOUND_TLS_CA_FILE', /not-a-ca\.pem is not a PEM certificate/)
    },
    TEST_TIMEOUT_MS * 2,
  )

  it(
    'an admin port in use is named (ADMIN_PORT) before anything is written',
    async () => {
      const adminPort = await listening(createServer())
      const dataDir = join(tmp, 'admin-port-in-use')
      const run = await startExpectingExit({ ADMIN_PORT: String(adminPort), DATA_DIR: dataDir })
      const failure = expectOneFailureLine(run, 'ADMIN_PORT', /already in use/)
      expect(failure.msg).toContain(`127.0.0.1:${adminPort}`)
      expect(existsSync(dataDir)).toBe(false)
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'a port in use is named (PORT) before an admin token is generated or anything is written',
    async () => {
      const port = await listening(createServer())
      const dataDir = join(tmp, 'port-in-use')
      const run = await startExpectingExit({
        PORT: String(port),
        HUB_PUBLIC_URL: `http://127.0.0.1:${port}`,
        HUB_ADMIN_TOKEN: '', // would be generated on this first start
        DATA_DIR: dataDir,
      })
      const failure = expectOneFailureLine(run, 'PORT', /already in use/)
      expect(failure.msg).toContain(`127.0.0.1:${port}`)
      expect(run.output).not.toMatch(/admin token/i)
      expect(existsSync(dataDir)).toBe(false)
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'an existing DATA_DIR the hub cannot write to is named, and left as it was',
    async () => {
      const dataDir = join(tmp, 'read-only')
      mkdirSync(dataDir)
      chmodSync(dataDir, 0o555)
      // root writes anywhere: run the hub as an unprivileged user then.
      const asUser = process.getuid?.() === 0 ? { uid: 65534 } : {}
      const run = await startExpectingExit({ DATA_DIR: dataDir }, asUser)
      expectOneFailureLine(run, 'DATA_DIR', /is not writable: permission denied/)
      expect(readdirSync(dataDir)).toEqual([])
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'a DATA_DIR that cannot be created (a file in its path) is named',
    async () => {
      const file = join(tmp, 'a-file')
      writeFileSync(file, 'not a folder\n')
      const run = await startExpectingExit({ DATA_DIR: join(file, 'data') })
      expectOneFailureLine(run, 'DATA_DIR', /cannot be created: a part of the path is a file/)
    },
    TEST_TIMEOUT_MS,
  )
})
