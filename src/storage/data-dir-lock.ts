import { randomBytes } from 'node:crypto'
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'

/**
 * The lock on an embedded store's data folder (DATA_DIR): PGlite is one process's database, and two
 * processes writing one folder would corrupt it. The lock is a file in the folder naming its holder; it is
 * created atomically (hard link of a complete file), removed on shutdown, and taken over when its holder is
 * gone (a crash or SIGKILL leaves it behind).
 */

export const LOCK_FILE_NAME = 'hub.lock'

/** Who holds a data folder: what the lock file says. */
export interface LockHolder {
  readonly pid: number
  readonly hostname: string
  /** Linux: the kernel's boot id; a lock written before a reboot is stale whatever its pid. */
  readonly bootId?: string
  /** ISO 8601: when the holder took the lock (its start). */
  readonly startedAt: string
}

/** The folder is locked by a process that is (or may be) alive. */
export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError'
  constructor(
    readonly lockFile: string,
    readonly holder: LockHolder | undefined,
  ) {
    super(
      holder
        ? `locked by pid ${holder.pid} on host ${holder.hostname}, started ${holder.startedAt} (${lockFile})`
        : `locked (${lockFile})`,
    )
  }
}

export interface DataDirLock {
  readonly lockFile: string
  /** The stale lock this process replaced: its holder was no longer running. */
  readonly tookOverFrom: LockHolder | 'unreadable' | undefined
  /** Removes the lock file if it is still this process's. Idempotent, synchronous (usable on 'exit'). */
  release(): void
}

/**
 * Takes the lock of `dataDir` (which must exist), or throws DataDirLockedError naming the holder. Any other
 * error (the folder is not writable) is thrown as the file system reported it.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const lockFile = join(dataDir, LOCK_FILE_NAME)
  const me: LockHolder = {
    pid: process.pid,
    hostname: hostname(),
    bootId: bootId(),
    startedAt: new Date().toISOString(),
  }
  const content = `${JSON.stringify(me)}\n`
  // Written whole (and flushed) under a name of its own, then linked to the lock's name: link fails if the
  // lock exists, and no reader ever sees a half-written lock.
  const draft = join(dataDir, `${LOCK_FILE_NAME}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  const fd = openSync(draft, 'wx')
  try {
    writeSync(fd, content)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  let tookOverFrom: DataDirLock['tookOverFrom']
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(draft, lockFile)
        break
      } catch (error) {
        if (codeOf(error) !== 'EEXIST' || attempt >= 5) throw error
      }
      const seen = readIfExists(lockFile)
      if (seen === undefined) continue // released meanwhile: try again
      const holder = parseHolder(seen)
      if (holder && isAlive(holder)) throw new DataDirLockedError(lockFile, holder)
      if (removeStale(lockFile, seen)) tookOverFrom = holder ?? 'unreadable'
    }
  } finally {
    unlinkSync(draft)
  }
  return {
    lockFile,
    tookOverFrom,
    release() {
      try {
        if (readIfExists(lockFile) === content) unlinkSync(lockFile)
      } catch (error) {
        if (codeOf(error) !== 'ENOENT') throw error // removed meanwhile, with its folder
      }
    },
  }
}

/**
 * Removes the lock file if it still holds `seen`. It is first moved aside under a name of this process's
 * own, so that of two processes taking over at once only one removes the stale lock; the other one finds
 * the new lock when it looks again. Returns whether this process removed it.
 */
function removeStale(lockFile: string, seen: string): boolean {
  const aside = `${lockFile}.stale.${process.pid}.${randomBytes(4).toString('hex')}`
  try {
    renameSync(lockFile, aside)
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return false
    throw error
  }
  const moved = readFileSync(aside, 'utf8')
  if (moved !== seen) {
    // Another process replaced the stale lock in between: put its lock back.
    try {
      linkSync(aside, lockFile)
    } catch (error) {
      if (codeOf(error) !== 'EEXIST') throw error
    }
  }
  unlinkSync(aside)
  return moved === seen
}

function isAlive(holder: LockHolder): boolean {
  // Another host (or container) sharing the folder: its processes cannot be seen from here.
  if (holder.hostname !== hostname()) return true
  const ourBoot = bootId()
  if (holder.bootId && ourBoot && holder.bootId !== ourBoot) return false
  // Our own pid cannot hold a lock we are only now taking: the lock is from an earlier run that had the
  // same pid (a container's hub restarted, pid 1 again).
  if (holder.pid === process.pid) return false
  try {
    process.kill(holder.pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return codeOf(error) !== 'ESRCH'
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>
    if (
      typeof parsed.pid === 'number' &&
      Number.isInteger(parsed.pid) &&
      parsed.pid > 0 &&
      typeof parsed.hostname === 'string' &&
      typeof parsed.startedAt === 'string'
    ) {
      return {
        pid: parsed.pid,
        hostname: parsed.hostname,
        startedAt: parsed.startedAt,
        ...(typeof parsed.bootId === 'string' ? { bootId: parsed.bootId } : {}),
      }
    }
  } catch {
    // Not JSON: not a lock this code wrote.
  }
  return undefined
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return undefined
    throw error
  }
}

let cachedBootId: string | undefined | null = null

function bootId(): string | undefined {
  if (cachedBootId === null) {
    try {
      cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined
    } catch {
      cachedBootId = undefined // not Linux
    }
  }
  return cachedBootId
}

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
}
