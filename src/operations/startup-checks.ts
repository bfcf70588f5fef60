import { mkdirSync, readFileSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { resolve } from 'node:path'
import { X509Certificate } from 'node:crypto'
import { createSecureContext } from 'node:tls'
import type { Logger } from 'pino'
import type { HubConfig, SettingName, TlsFiles } from '../config/config.ts'
import type { OutboundTlsMaterial } from '../partners/ocpi/partner-connector.ts'
import { DataDirLockedError, lockDataDir, type DataDirLock } from '../storage/data-dir-lock.ts'
import {
  databaseProblem,
  databaseTarget,
  DatabaseUnavailableError,
  openStore,
  waitForDatabase,
  type Store,
} from '../storage/database.ts'

/**
 * The checks src/main.ts runs before the heavy work of a start (docs/operations.md, "Start-up checks"):
 * each failure is a StartupError naming the setting and the cause, which main logs as one line.
 */

/** A setting that stops the hub from starting. `message` starts with the setting's name. */
export class StartupError extends Error {
  override name = 'StartupError'
  constructor(
    readonly setting: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

/** A certificate (chain) and its private key, read and checked. */
export interface TlsPair {
  readonly cert: Buffer
  readonly key: Buffer
}

/** The settings naming a certificate and key, for the messages. */
interface TlsSettings {
  readonly cert: SettingName
  readonly key: SettingName
}

const SERVER_TLS: TlsSettings = { cert: 'TLS_CERT_FILE', key: 'TLS_KEY_FILE' }
/** The settings of an outbound client certificate and its extra CAs, for the messages. */
export interface OutboundTlsSettings extends TlsSettings {
  readonly ca: SettingName
}

export const OUTBOUND_TLS: OutboundTlsSettings = {
  cert: 'OUTBOUND_TLS_CERT_FILE',
  key: 'OUTBOUND_TLS_KEY_FILE',
  ca: 'OUTBOUND_TLS_CA_FILE',
}
/** The OICP bridge's own certificate towards HBS (docs/bridges/oicp.md). */
export const OICP_TLS: OutboundTlsSettings = {
  cert: 'OICP_CERT_FILE',
  key: 'OICP_KEY_FILE',
  ca: 'OICP_CA_FILE',
}

/** Every certificate setting (server and outbound): its files exist, are readable, hold PEM and belong together. */
export function checkTlsFiles(config: Pick<HubConfig, 'tls' | 'outboundTls'>): void {
  if (config.tls) readServerTls(config.tls)
  readOutboundTls(config.outboundTls)
}

/** TLS_CERT_FILE and TLS_KEY_FILE, checked: a StartupError (one line naming the setting) when unusable. */
export function readServerTls(files: TlsFiles): TlsPair {
  return readTlsPair(files, SERVER_TLS)
}

/** The OUTBOUND_TLS_* files (or `settings`' files), checked like TLS_CERT_FILE; nothing set gives empty material. */
export function readOutboundTls(
  outbound: HubConfig['outboundTls'],
  settings: OutboundTlsSettings = OUTBOUND_TLS,
): OutboundTlsMaterial {
  const clientCertificate = outbound.client ? readTlsPair(outbound.client, settings) : undefined
  if (!outbound.caFile) return { clientCertificate }
  return { clientCertificate, extraCa: readCertificateAuthority(settings.ca, outbound.caFile) }
}

/**
 * A PEM file of certificate authorities (OUTBOUND_TLS_CA_FILE, OICP_CA_FILE, OICP_INBOUND_CA_FILE), checked:
 * a StartupError naming `setting` when unreadable or not PEM.
 */
export function readCertificateAuthority(setting: SettingName, caFile: string): Buffer {
  const ca = readSettingFile(setting, caFile)
  // createSecureContext accepts any text as `ca` without a word: parse the first certificate to be sure.
  try {
    new X509Certificate(ca)
  } catch (error) {
    throw new StartupError(
      setting,
      `${setting} ${caFile} is not a PEM certificate (${(error as Error).message})`,
    )
  }
  return ca
}

function readTlsPair(files: TlsFiles, settings: TlsSettings): TlsPair {
  const cert = readSettingFile(settings.cert, files.certFile)
  const key = readSettingFile(settings.key, files.keyFile)
  const failure = (options: { cert?: Buffer; key?: Buffer }) => {
    try {
      createSecureContext(options)
      return undefined
    } catch (error) {
      return (error as Error).message
    }
  }
  const certFailure = failure({ cert })
  if (certFailure) {
    throw new StartupError(
      settings.cert,
      `${settings.cert} ${files.certFile} is not a PEM certificate (${certFailure})`,
    )
  }
  const keyFailure = failure({ key })
  if (keyFailure) {
    throw new StartupError(
      settings.key,
      `${settings.key} ${files.keyFile} is not an unencrypted PEM private key (${keyFailure})`,
    )
  }
  const pairFailure = failure({ cert, key })
  if (pairFailure) {
    throw new StartupError(
      settings.key,
      `${settings.key} ${files.keyFile} is not the key of the certificate in ${settings.cert} ${files.certFile} (${pairFailure})`,
    )
  }
  return { cert, key }
}

function readSettingFile(setting: string, path: string): Buffer {
  try {
    return readFileSync(path)
  } catch (error) {
    throw new StartupError(setting, `${setting} ${path}: ${fileProblem(error)}`, { cause: error })
  }
}

/** The listening port, held from the first checks until the hub listens on it. */
export interface PortReservation {
  /** Frees the port for the hub's own server. */
  release(): Promise<void>
}

/** The settings of one listener, for the messages: the OCPI one (PORT, HOST) or the admin one. */
export interface ListenerSettings {
  readonly port: SettingName
  readonly host: SettingName
}

export const OCPI_LISTENER: ListenerSettings = { port: 'PORT', host: 'HOST' }
export const ADMIN_LISTENER: ListenerSettings = { port: 'ADMIN_PORT', host: 'ADMIN_HOST' }
export const OICP_LISTENER: ListenerSettings = { port: 'OICP_INBOUND_PORT', host: 'HOST' }

/**
 * Binds host:port at once, so that a port in use (or a host that is not an address of this machine) stops
 * the start before the store is opened and before an admin token is generated. The port stays bound
 * until `release()`, right before the hub listens; a connection arriving meanwhile is closed (the hub is
 * not serving yet). Port 0 (any free port) needs no reservation.
 */
export async function reservePort(
  host: string,
  port: number,
  settings: ListenerSettings = OCPI_LISTENER,
): Promise<PortReservation> {
  if (port === 0) return { release: () => Promise.resolve() }
  const server = createServer((socket) => socket.destroy())
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (error) => reject(listenProblem(error, host, port, settings) ?? error))
    server.listen({ port, host, exclusive: true }, () => resolveListen())
  })
  return {
    release: () => new Promise<void>((resolveClose) => server.close(() => resolveClose())),
  }
}

/** A StartupError for an error of listening on host:port, when the error is one of the settings'. */
export function listenProblem(
  error: unknown,
  host: string,
  port: number,
  settings: ListenerSettings = OCPI_LISTENER,
): StartupError | undefined {
  const code = (error as { code?: unknown }).code
  const where = `${host}:${port}`
  const { port: portSetting, host: hostSetting } = settings
  switch (code) {
    case 'EADDRINUSE':
      return new StartupError(
        portSetting,
        `${portSetting} ${port}: ${where} is already in use by another process`,
      )
    case 'EACCES':
      return new StartupError(
        portSetting,
        `${portSetting} ${port}: permission denied to listen on ${where} (ports below 1024 need privileges)`,
      )
    case 'EADDRNOTAVAIL':
      return new StartupError(hostSetting, `${hostSetting} ${host} is not an address of this machine`)
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartupError(hostSetting, `${hostSetting} ${host}: unknown host`)
    default:
      return undefined
  }
}

/**
 * The embedded store's folder: created if missing, writable, and locked for this process (src/storage/
 * data-dir-lock.ts). A stale lock (its process is gone) is taken over, with a warning.
 */
export function prepareDataDir(dataDir: string, log: Logger): DataDirLock {
  const path = resolve(dataDir)
  try {
    mkdirSync(path, { recursive: true })
  } catch (error) {
    throw new StartupError('DATA_DIR', `DATA_DIR ${path} cannot be created: ${fileProblem(error)}`, {
      cause: error,
    })
  }
  if (!statSync(path).isDirectory()) throw new StartupError('DATA_DIR', `DATA_DIR ${path} is not a folder`)
  let lock: DataDirLock
  try {
    lock = lockDataDir(path)
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      const holder = error.holder
      throw new StartupError(
        'DATA_DIR',
        holder
          ? `DATA_DIR ${path} is in use by another hub process: pid ${holder.pid} on host ${holder.hostname}, ` +
              `started ${holder.startedAt} (lock file ${error.lockFile}). Stop that process or use another ` +
              `DATA_DIR; if no hub runs there any more, delete the lock file.`
          : `DATA_DIR ${path} is in use by another hub process (lock file ${error.lockFile})`,
        { cause: error },
      )
    }
    throw new StartupError('DATA_DIR', `DATA_DIR ${path} is not writable: ${fileProblem(error)}`, {
      cause: error,
    })
  }
  const previous = lock.tookOverFrom
  if (previous === 'unreadable') {
    log.warn({ lockFile: lock.lockFile }, `DATA_DIR: replaced an unreadable lock file ${lock.lockFile}`)
  } else if (previous) {
    log.warn(
      { lockFile: lock.lockFile, previousHolder: previous },
      `DATA_DIR: took over the lock of pid ${previous.pid} (started ${previous.startedAt}), which is no longer running`,
    )
  }
  return lock
}

/**
 * Opens and migrates the configured store. PostgreSQL is first waited for (DATABASE_STARTUP_TIMEOUT_MS)
 * while it is unreachable, each wait logged with its reason.
 */
export async function openConfiguredStore(config: HubConfig, log: Logger): Promise<Store> {
  const onConnectionError = (error: Error) =>
    log.warn({ err: error }, 'a database connection was lost; the pool opens a new one when needed')
  const databaseUrl = config.databaseUrl
  if (!databaseUrl) {
    try {
      return await openStore({ dataDir: config.dataDir, onConnectionError })
    } catch (error) {
      const where = config.dataDir === 'memory' ? 'memory' : resolve(config.dataDir)
      throw new StartupError(
        'DATA_DIR',
        `DATA_DIR ${where}: the embedded database could not be opened: ${describe(error)}`,
        { cause: error },
      )
    }
  }
  const target = databaseTarget(databaseUrl)
  try {
    await waitForDatabase(databaseUrl, {
      timeoutMs: config.databaseStartupTimeoutMs,
      onWaiting: (problem, retryInMs, givingUpInMs) =>
        log.warn(
          { setting: 'DATABASE_URL', reason: problem.reason },
          `waiting for the database (DATABASE_URL: ${target}): ${problem.reason}; ` +
            `next try in ${seconds(retryInMs)}, giving up in ${seconds(givingUpInMs)} (DATABASE_STARTUP_TIMEOUT_MS)`,
        ),
    })
  } catch (error) {
    if (!(error instanceof DatabaseUnavailableError)) throw error
    const timeout = config.databaseStartupTimeoutMs
    const gaveUp = !error.problem.transient
      ? ''
      : timeout === 0
        ? '; not retried (DATABASE_STARTUP_TIMEOUT_MS=0)'
        : `; gave up after ${seconds(error.waitedMs)} (DATABASE_STARTUP_TIMEOUT_MS=${timeout})`
    throw new StartupError(
      'DATABASE_URL',
      `DATABASE_URL: cannot use the database at ${target}: ${error.problem.reason}${gaveUp}`,
      { cause: error },
    )
  }
  try {
    return await openStore({ databaseUrl, onConnectionError })
  } catch (error) {
    // Reached a moment ago: lost again, or a migration the database refuses (permissions).
    throw new StartupError(
      'DATABASE_URL',
      `DATABASE_URL: cannot use the database at ${target}: ${describe(error)}`,
      { cause: error },
    )
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : databaseProblem(error).reason
}

function seconds(ms: number): string {
  return `${Math.max(0, Math.round(ms / 100) / 10)} s`
}

/** A file system error in words. */
export function fileProblem(error: unknown): string {
  const code = (error as { code?: unknown }).code
  switch (code) {
    case 'ENOENT':
      return 'no such file or folder'
    case 'EACCES':
    case 'EPERM':
      return 'permission denied'
    case 'EISDIR':
      return 'is a folder, not a file'
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder'
    case 'EROFS':
      return 'read-only file system'
    case 'ENOSPC':
      return 'no space left on the device'
    case 'EEXIST':
      return 'exists and is not a folder'
    default:
      return error instanceof Error ? error.message : String(error)
  }
}
