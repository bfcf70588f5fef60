import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { call } from '../support/http.ts'
import { eventually } from '../support/roaming-network.ts'
import { freePort } from '../support/free-port.ts'
import { createTestDatabase, STORE_VARIANTS } from '../support/test-store.ts'
import { scaled } from '../support/time-limits.ts'

/**
 * `npm start`'s launcher, compiled (docs/marketplace.md, "Running it"): on a fresh store it starts the hub
 * and the marketplace as two processes and the marketplace registers at the hub by itself; started again on
 * the same data, it is registered already. Both are real processes, stopped with SIGTERM.
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const LAUNCHER = 'dist/marketplace/marketplace/src/launcher/launch.js'
const BUILD_TIMEOUT_MS = scaled(600_000)
const START_TIMEOUT_MS = scaled(120_000)
const ADMIN_TOKEN = 'launcher-test-admin-token'

class Launched {
  readonly child: ChildProcess
  readonly exited: Promise<number | null>
  output = ''

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [LAUNCHER], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const collect = (chunk: Buffer) => (this.output += chunk.toString('utf8'))
    this.child.stdout?.on('data', collect)
    this.child.stderr?.on('data', collect)
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)))
  }

  /** Waits until the output has a line matching `pattern`. */
  async says(pattern: RegExp): Promise<void> {
    await eventually(() => expect(this.output).toMatch(pattern), START_TIMEOUT_MS)
  }
}

/** The `pid` of every JSON log line the hub wrote: the launcher must leave none running. */
function hubPids(output: string): number[] {
  return [...new Set([...output.matchAll(/"pid":(\d+)/g)].map((match) => Number(match[1])))]
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

interface PlatformView {
  name: string
  status: string
  roles: { role: string; party_id: string; status: string }[]
}

describe.each(STORE_VARIANTS)(
  'npm start: the hub and the marketplace, registered by itself (%s)',
  (engine) => {
    const launched: Launched[] = []
    let folder = ''
    let env: Record<string, string> = {}
    let hubUrl = ''
    let dropDatabases: (() => Promise<void>) | undefined

    beforeAll(async () => {
      // npm start's build step: compiles the hub and the marketplace when the sources changed.
      const build = spawn('sh', ['scripts/build-if-stale.sh'], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let buildOutput = ''
      build.stdout.on('data', (chunk: Buffer) => (buildOutput += chunk.toString('utf8')))
      build.stderr.on('data', (chunk: Buffer) => (buildOutput += chunk.toString('utf8')))
      expect(await new Promise((resolve) => build.once('exit', resolve)), buildOutput).toBe(0)
      mkdirSync(join(repoRoot, '.tmp'), { recursive: true })
      folder = mkdtempSync(join(repoRoot, '.tmp', 'launcher-'))
      const [port, marketplacePort] = [await freePort(), await freePort()]
      hubUrl = `http://127.0.0.1:${port}`
      env = {
        PORT: String(port),
        HOST: '127.0.0.1',
        HUB_PUBLIC_URL: hubUrl,
        LOG_LEVEL: 'info',
        HUB_ADMIN_TOKEN: '',
        MARKETPLACE_PORT: String(marketplacePort),
        MARKETPLACE_HOST: '127.0.0.1',
        MARKETPLACE_HUB_VERSIONS_URL: '',
        MARKETPLACE_HUB_TOKEN_A: '',
      }
      if (engine === 'pglite') {
        // The default setup: a fresh data folder, and the admin token the hub generates on its first start.
        Object.assign(env, {
          DATABASE_URL: '',
          MARKETPLACE_DATABASE_URL: '',
          DATA_DIR: join(folder, 'hub'),
          MARKETPLACE_DATA_DIR: join(folder, 'marketplace'),
        })
      } else {
        // An operator's own admin token, and each application its own database.
        const [hubDatabase, marketplaceDatabase] = [await createTestDatabase(), await createTestDatabase()]
        dropDatabases = async () => {
          await hubDatabase.drop()
          await marketplaceDatabase.drop()
        }
        Object.assign(env, {
          DATABASE_URL: hubDatabase.url,
          MARKETPLACE_DATABASE_URL: marketplaceDatabase.url,
          HUB_ADMIN_TOKEN: ADMIN_TOKEN,
        })
      }
    }, BUILD_TIMEOUT_MS)

    afterEach(() => {
      for (const process of launched.splice(0)) {
        for (const pid of hubPids(process.output)) if (alive(pid)) globalThis.process.kill(pid, 'SIGKILL')
        if (process.child.exitCode === null) process.child.kill('SIGKILL')
      }
    })

    afterAll(async () => {
      await dropDatabases?.()
      if (folder) rmSync(folder, { recursive: true, force: true })
    })

    async function platforms(adminToken: string): Promise<PlatformView[]> {
      const answer = await call<{ platforms: PlatformView[] }>(`${hubUrl}/admin/platforms`, {
        headers: { authorization: `Bearer ${adminToken}` },
      })
      expect(answer.status, answer.text).toBe(200)
      return answer.body.platforms
    }

    async function stopped(process: Launched): Promise<void> {
      process.child.kill('SIGTERM')
      expect(await process.exited, process.output).toBe(0)
      expect(process.output).toMatch(/"msg":"stopped"/)
      for (const pid of hubPids(process.output)) expect(alive(pid), `hub pid ${pid}`).toBe(false)
    }

    it(
      'on a fresh store the hub lists the marketplace as a connected platform; a second start keeps it',
      async () => {
        const first = new Launched(env)
        launched.push(first)
        await first.says(/\[launcher\] the marketplace is registered at the hub/)
        const adminToken =
          env['HUB_ADMIN_TOKEN'] ||
          /Generated admin token \(shown once, store it now\): ([\w-]+)/.exec(first.output)![1]!
        const [platform, ...others] = await platforms(adminToken)
        expect(others).toEqual([])
        expect([platform!.name, platform!.status]).toEqual(['Sharing marketplace', 'CONNECTED'])
        expect(platform!.roles.map((role) => [role.role, role.party_id, role.status]).sort()).toEqual([
          ['CPO', 'SHR', 'CONNECTED'],
          ['EMSP', 'SHD', 'CONNECTED'],
        ])
        // The marketplace serves, and its OCPI endpoints take the hub's token only.
        expect((await call(`http://127.0.0.1:${env['MARKETPLACE_PORT']}/ocpi/versions`)).status).toBe(401)
        await stopped(first)

        const second = new Launched(env)
        launched.push(second)
        await second.says(/\[launcher\] the marketplace is registered at the hub/)
        expect(second.output).not.toMatch(/invited the marketplace/)
        expect((await platforms(adminToken)).map((p) => p.status)).toEqual(['CONNECTED'])
        await stopped(second)
      },
      2 * START_TIMEOUT_MS,
    )
  },
)
