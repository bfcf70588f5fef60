import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  DataDirLockedError,
  LOCK_FILE_NAME,
  lockDataDir,
  type LockHolder,
} from '../../src/storage/data-dir-lock.ts'
import { freePort } from '../support/test-hub.ts'
import { dataPlace, HubProcess, type DataPlace } from './hub-process.ts'

/**
 * The embedded store's folder is one process's (issue 14, finding 4): a second hub on the same DATA_DIR
 * refuses to start and says which process holds it; a lock left by a process that is gone is taken over.
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
// Each start is a new Node process compiling the TypeScript sources and opening PGlite, on a busy machine.
const PROCESS_TEST_TIMEOUT_MS = 180_000
// From spawning to the refusal (no store is opened): generous for a busy 2-core machine.
const REFUSAL_BOUND_MS = Number(process.env['TEST_STARTUP_BOUND_MS'] ?? 20_000)

interface LogLine {
  readonly level: number
  readonly msg: string
  readonly pid: number
  readonly setting?: string
}

function logLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine)
}

/** The pid of a process that has just exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
  await new Promise((resolve) => child.once('exit', resolve))
  return child.pid!
}

describe('pglite: two hub processes on one DATA_DIR', () => {
  let place: DataPlace
  let lockFile: string
  const hubs: HubProcess[] = []

  beforeAll(async () => {
    place = await dataPlace('pglite')
    lockFile = join(place.env['DATA_DIR']!, LOCK_FILE_NAME)
  })
  afterEach(async () => {
    await Promise.all(hubs.splice(0).map((hub) => hub.kill()))
  })
  afterAll(() => place.dispose())

  it(
    'the second refuses to start, naming the pid and start time of the first; the first serves on',
    async () => {
      const first = await HubProcess.start(await freePort(), { ...place.env, LOG_LEVEL: 'info' })
      hubs.push(first)
      const firstPid = logLines(first.output)[0]!.pid
      const holder = JSON.parse(readFileSync(lockFile, 'utf8')) as LockHolder
      expect(holder.pid).toBe(firstPid)

      const started = Date.now()
      const second = new HubProcess(await freePort(), { ...place.env, LOG_LEVEL: 'info' })
      hubs.push(second)
      const code = await Promise.race([
        second.exited,
        new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), REFUSAL_BOUND_MS)),
      ])
      expect(code, second.output).not.toBe('running')
      expect(code, second.output).not.toBe(0)
      expect(Date.now() - started).toBeLessThan(REFUSAL_BOUND_MS)
      const failures = logLines(second.output).filter((line) => line.level >= 50)
      expect(failures, second.output).toHaveLength(1)
      expect(failures[0]!.setting).toBe('DATA_DIR')
      expect(failures[0]!.msg).toContain(`is in use by another hub process: pid ${firstPid}`)
      expect(failures[0]!.msg).toContain(`started ${holder.startedAt}`)
      expect(failures[0]!.msg).toContain(lockFile)
      expect(second.output).not.toMatch(/listening/)

      // The refusal left the first process's lock alone, and the first still serves.
      expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toEqual(holder)
      expect((await fetch(`${first.url}/ready`)).status).toBe(200)

      // Stopped, it releases the folder: the next process starts.
      await first.stop()
      expect(existsSync(lockFile)).toBe(false)
      const next = await HubProcess.start(await freePort(), { ...place.env, LOG_LEVEL: 'info' })
      hubs.push(next)
      expect((JSON.parse(readFileSync(lockFile, 'utf8')) as LockHolder).pid).toBe(
        logLines(next.output)[0]!.pid,
      )
      expect(next.output).not.toMatch(/took over/)
    },
    PROCESS_TEST_TIMEOUT_MS,
  )

  it(
    'a lock left by a process that is gone (SIGKILL, crash) is taken over, with a warning',
    async () => {
      const gone = await deadPid()
      const stale: LockHolder = { pid: gone, hostname: hostname(), startedAt: '2026-01-02T03:04:05.000Z' }
      writeFileSync(lockFile, JSON.stringify(stale))

      const hub = await HubProcess.start(await freePort(), { ...place.env, LOG_LEVEL: 'info' })
      hubs.push(hub)
      const takeover = logLines(hub.output).find((line) => /took over the lock/.test(line.msg))
      expect(takeover?.msg, hub.output).toContain(`pid ${gone} (started ${stale.startedAt})`)
      expect((JSON.parse(readFileSync(lockFile, 'utf8')) as LockHolder).pid).toBe(takeover!.pid)

      await hub.stop()
      expect(existsSync(lockFile)).toBe(false)
    },
    PROCESS_TEST_TIMEOUT_MS,
  )
})

describe('the DATA_DIR lock itself', () => {
  let folder: string
  beforeAll(() => {
    const tmpRoot = join(repoRoot, '.tmp')
    mkdirSync(tmpRoot, { recursive: true })
    folder = mkdtempSync(join(tmpRoot, 'data-dir-lock-'))
  })
  afterAll(() => rmSync(folder, { recursive: true, force: true }))

  function freshDir(name: string): string {
    const dir = join(folder, name)
    mkdirSync(dir)
    return dir
  }

  function lockedBy(dir: string, holder: Partial<LockHolder> & { pid: number }): void {
    writeFileSync(
      join(dir, LOCK_FILE_NAME),
      JSON.stringify({ hostname: hostname(), startedAt: '2026-01-02T03:04:05.000Z', ...holder }),
    )
  }

  function holderOfRefusal(dir: string): LockHolder | undefined {
    try {
      lockDataDir(dir)
    } catch (error) {
      expect(error).toBeInstanceOf(DataDirLockedError)
      return (error as DataDirLockedError).holder
    }
    throw new Error('the lock was taken')
  }

  it('is refused while its holder runs (here: the test runner’s parent process)', () => {
    const dir = freshDir('alive')
    lockedBy(dir, { pid: process.ppid })
    expect(holderOfRefusal(dir)?.pid).toBe(process.ppid)
  })

  it('is refused when held from another host, whose processes cannot be seen from here', async () => {
    const dir = freshDir('other-host')
    lockedBy(dir, { pid: await deadPid(), hostname: `not-${hostname()}` })
    expect(holderOfRefusal(dir)?.hostname).toBe(`not-${hostname()}`)
  })

  it.runIf(existsSync('/proc/sys/kernel/random/boot_id'))(
    'is taken over when written before a reboot (Linux: another boot id), whatever its pid',
    () => {
      const rebooted = freshDir('rebooted')
      lockedBy(rebooted, { pid: process.ppid, bootId: 'a-boot-before-this-one' })
      const lock = lockDataDir(rebooted)
      expect(lock.tookOverFrom).toMatchObject({ bootId: 'a-boot-before-this-one' })
      lock.release()
    },
  )

  it('is taken over when unreadable (not a lock this code wrote)', () => {
    const garbled = freshDir('garbled')
    writeFileSync(join(garbled, LOCK_FILE_NAME), '')
    const taken = lockDataDir(garbled)
    expect(taken.tookOverFrom).toBe('unreadable')
    taken.release()
  })

  it('release removes only its own lock, and leaves no other file behind', async () => {
    const dir = freshDir('release')
    const lock = lockDataDir(dir)
    expect(lock.tookOverFrom).toBeUndefined()
    // Someone else's lock now (the file was replaced): release must not remove it.
    const other = { pid: await deadPid(), hostname: hostname(), startedAt: '2026-01-02T03:04:05.000Z' }
    writeFileSync(lock.lockFile, JSON.stringify(other))
    lock.release()
    expect(JSON.parse(readFileSync(lock.lockFile, 'utf8'))).toEqual(other)
    rmSync(lock.lockFile)
    const again = lockDataDir(dir)
    again.release()
    again.release()
    expect(existsSync(again.lockFile)).toBe(false)
    expect(readdirSync(dir)).toEqual([])
  })
})
