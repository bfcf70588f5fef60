import { createHash, X509Certificate } from 'node:crypto'
import { watch, type FSWatcher } from 'node:fs'
import { dirname } from 'node:path'
import type { Server as TlsServer } from 'node:tls'
import type { FastifyBaseLogger } from 'fastify'
import type { HubConfig } from '../config/config.ts'
import type { OutboundTlsMaterial } from '../partners/ocpi/partner-connector.ts'
import {
  OICP_TLS,
  OUTBOUND_TLS,
  readCertificateAuthority,
  readOutboundTls,
  readServerTls,
  StartupError,
  type OutboundTlsSettings,
  type TlsPair,
} from './startup-checks.ts'

/** A renewal writes the certificate and the key one after the other: wait for both before reading. */
export const CERTIFICATE_RELOAD_DEBOUNCE_MS = 500

export type ReloadTrigger = 'SIGHUP' | 'file change'

type OutboundSet = 'outbound' | 'oicp'
/** `oicpListenerCa`: OICP_INBOUND_CA_FILE, the authority the OICP listener checks HBS's client certificate with. */
type CertificateSet = 'server' | 'oicpListenerCa' | OutboundSet

type TlsClient = { useTls(tls: OutboundTlsMaterial): void }

export interface CertificateTargets {
  /** The hub's HTTPS listeners (the OCPI one, the admin one): empty without TLS_CERT_FILE. */
  readonly servers: readonly TlsServer[]
  /** The outbound pools: the partners' and the webhooks' (both present the same client certificate). */
  readonly clients: readonly TlsClient[]
  /** The OICP bridge's client to HBS: its own certificate from Hubject onboarding (OICP_CERT_FILE). */
  readonly oicp: TlsClient
  /**
   * The OICP listener (OICP_INBOUND_PORT) over HTTPS: it serves the server pair too, with the authority of
   * HBS's client certificates (OICP_INBOUND_CA_FILE) in the same secure context.
   */
  readonly oicpListener?: TlsServer | undefined
}

type ReloaderConfig = Pick<HubConfig, 'tls' | 'outboundTls' | 'oicp'>

/** One set of outbound TLS files: where it is configured, who uses it, how the log names it. */
interface OutboundFiles {
  readonly files: HubConfig['outboundTls']
  readonly settings: OutboundTlsSettings
  readonly clients: readonly TlsClient[]
  readonly users: string
}

/**
 * Reloads TLS_CERT_FILE/TLS_KEY_FILE, the OUTBOUND_TLS_* and the OICP_* files (OICP_INBOUND_CA_FILE too)
 * without a restart (docs/operations.md), on SIGHUP and when a file in their folders changes. A new server
 * pair or client authority is applied with setSecureContext: connections already open keep theirs, new
 * ones get the new certificate. A set that cannot be used (unreadable, not PEM, a key of another
 * certificate) is logged in one line and the one in force stays.
 */
export class CertificateReloader {
  readonly #config: ReloaderConfig
  readonly #targets: CertificateTargets
  readonly #outbound: Record<OutboundSet, OutboundFiles>
  readonly #log: FastifyBaseLogger
  readonly #watchers: FSWatcher[] = []
  #timer: NodeJS.Timeout | undefined
  /** What each set looked like at the last attempt, good or bad: an unchanged set is not applied or logged again. */
  readonly #seen: Record<CertificateSet, string>
  /** The server pair and the OICP listener's client authority in force: a new one of either needs the other. */
  #serverPair: TlsPair | undefined
  #oicpListenerCa: Buffer | undefined

  constructor(
    config: ReloaderConfig,
    targets: CertificateTargets,
    log: FastifyBaseLogger,
    loaded: {
      readonly server: TlsPair | undefined
      readonly outbound: OutboundTlsMaterial
      readonly oicp: OutboundTlsMaterial
      readonly oicpListenerCa: Buffer | undefined
    },
  ) {
    this.#config = config
    this.#targets = targets
    this.#log = log
    this.#outbound = {
      outbound: {
        files: config.outboundTls,
        settings: OUTBOUND_TLS,
        clients: targets.clients,
        users: 'partners and webhook receivers',
      },
      oicp: {
        files: { client: config.oicp.client, caFile: config.oicp.caFile },
        settings: OICP_TLS,
        clients: [targets.oicp],
        users: 'HBS (the OICP bridge)',
      },
    }
    this.#seen = {
      server: loaded.server ? fingerprint([loaded.server.cert, loaded.server.key]) : '',
      oicpListenerCa: fingerprint([loaded.oicpListenerCa]),
      outbound: outboundFingerprint(loaded.outbound),
      oicp: outboundFingerprint(loaded.oicp),
    }
    this.#serverPair = loaded.server
    this.#oicpListenerCa = loaded.oicpListenerCa
  }

  /** OICP_INBOUND_CA_FILE, when the OICP listener serves HTTPS and checks HBS's client certificate. */
  get #oicpListenerCaFile(): string | undefined {
    return this.#targets.oicpListener ? this.#config.oicp.inbound?.clientCaFile : undefined
  }

  /** The files configured: server (with the OICP listener's client authority) and outbound (the partners' and the OICP bridge's). */
  get files(): string[] {
    const { tls } = this.#config
    const outbound = Object.values(this.#outbound).flatMap(({ files }) => [
      files.client?.certFile,
      files.client?.keyFile,
      files.caFile,
    ])
    return [...new Set([tls?.certFile, tls?.keyFile, this.#oicpListenerCaFile, ...outbound])].filter(
      (file): file is string => Boolean(file),
    )
  }

  /**
   * Watches the folders, not the files: renewals replace a file (certbot's symlinks, a Kubernetes
   * Secret's `..data` swap), and a watch on the replaced file would see nothing after the first time.
   */
  start(): void {
    for (const folder of new Set(this.files.map((file) => dirname(file)))) {
      try {
        const watcher = watch(folder, { persistent: false }, () => this.#schedule())
        watcher.on('error', (error) =>
          this.#log.warn(
            { err: error, folder },
            'certificate folder no longer watched; SIGHUP still reloads',
          ),
        )
        this.#watchers.push(watcher)
      } catch (error) {
        this.#log.warn({ err: error, folder }, 'certificate folder cannot be watched; SIGHUP still reloads')
      }
    }
  }

  stop(): void {
    clearTimeout(this.#timer)
    for (const watcher of this.#watchers.splice(0)) watcher.close()
  }

  /** Reads every configured set and applies the ones that changed. */
  reload(trigger: ReloadTrigger): void {
    const { tls } = this.#config
    const changedServer = tls ? this.#reloadSet(trigger, 'server', () => this.#applyServer(tls)) : false
    // After the server pair: a new authority goes with the pair now in force.
    const caFile = this.#oicpListenerCaFile
    const changedListenerCa = caFile
      ? this.#reloadSet(trigger, 'oicpListenerCa', () => this.#applyOicpListenerCa(caFile))
      : false
    // Each set on its own: a broken OICP certificate keeps the partners' renewal from nothing.
    const changedOutbound = (['outbound', 'oicp'] as const).map((set) =>
      this.#reloadSet(trigger, set, () => this.#applyOutbound(set)),
    )
    if (trigger === 'SIGHUP' && !changedServer && !changedListenerCa && !changedOutbound.includes(true)) {
      this.#log.info(
        { trigger, files: this.files },
        this.files.length === 0
          ? 'SIGHUP: no certificate files are configured, nothing to reload'
          : 'SIGHUP: certificate files unchanged',
      )
    }
  }

  #schedule(): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => this.reload('file change'), CERTIFICATE_RELOAD_DEBOUNCE_MS)
    this.#timer.unref()
  }

  /** True when the set changed and was applied. A failure is logged once per distinct failure. */
  #reloadSet(trigger: ReloadTrigger, set: CertificateSet, apply: () => boolean): boolean {
    try {
      return apply()
    } catch (error) {
      if (!(error instanceof StartupError)) throw error
      const seen = `error:${error.message}`
      if (trigger !== 'SIGHUP' && this.#seen[set] === seen) return false
      this.#seen[set] = seen
      this.#log.error(
        { setting: error.setting, trigger },
        `${error.message}: not reloaded, ${this.#keptInForce(set)} in force`,
      )
      return false
    }
  }

  #keptInForce(set: CertificateSet): string {
    switch (set) {
      case 'server':
        return 'the certificate served until now stays'
      case 'oicpListenerCa':
        return "the authority HBS's client certificates were checked against until now stays"
      default:
        return `the TLS settings used towards ${this.#outbound[set].users} until now stay`
    }
  }

  #applyServer(files: NonNullable<HubConfig['tls']>): boolean {
    const pair = readServerTls(files)
    const seen = fingerprint([pair.cert, pair.key])
    if (seen === this.#seen.server) return false
    for (const server of this.#targets.servers) server.setSecureContext({ cert: pair.cert, key: pair.key })
    this.#applyOicpListener(pair, this.#oicpListenerCa)
    this.#seen.server = seen
    this.#serverPair = pair
    this.#log.info(
      { setting: 'TLS_CERT_FILE', ...describeCertificate(pair.cert) },
      `TLS certificate reloaded from ${files.certFile}: new connections get it${this.#targets.oicpListener ? ', on the OICP listener too' : ''}`,
    )
    return true
  }

  #applyOicpListenerCa(caFile: string): boolean {
    const ca = readCertificateAuthority('OICP_INBOUND_CA_FILE', caFile)
    const seen = fingerprint([ca])
    if (seen === this.#seen.oicpListenerCa) return false
    // The listener serves HTTPS only with a server pair, read at start: there is one in force.
    if (this.#serverPair) this.#applyOicpListener(this.#serverPair, ca)
    this.#seen.oicpListenerCa = seen
    this.#oicpListenerCa = ca
    this.#log.info(
      { setting: 'OICP_INBOUND_CA_FILE', ...describeCertificate(ca) },
      `OICP listener's client certificate authority reloaded from ${caFile}: HBS's new connections are checked against it`,
    )
    return true
  }

  /**
   * The OICP listener's whole secure context: setSecureContext replaces it, and a context without `ca`
   * would check HBS's certificate against the public roots instead, refusing it.
   */
  #applyOicpListener(pair: TlsPair, ca: Buffer | undefined): void {
    this.#targets.oicpListener?.setSecureContext({ cert: pair.cert, key: pair.key, ...(ca ? { ca } : {}) })
  }

  #applyOutbound(set: OutboundSet): boolean {
    const { files, settings, clients, users } = this.#outbound[set]
    const material = readOutboundTls(files, settings)
    const seen = outboundFingerprint(material)
    if (seen === this.#seen[set]) return false
    for (const client of clients) client.useTls(material)
    this.#seen[set] = seen
    this.#log.info(
      {
        setting: settings.cert,
        ...(material.clientCertificate ? describeCertificate(material.clientCertificate.cert) : {}),
      },
      `outbound TLS settings reloaded: new connections to ${users} use them`,
    )
    return true
  }
}

function fingerprint(parts: readonly (Buffer | undefined)[]): string {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(part ?? '').update('\u0000')
  return hash.digest('hex')
}

function outboundFingerprint(material: OutboundTlsMaterial): string {
  const { clientCertificate, extraCa } = material
  return fingerprint([clientCertificate?.cert, clientCertificate?.key, extraCa])
}

function describeCertificate(cert: Buffer): Record<string, string> {
  const certificate = new X509Certificate(cert)
  return {
    subject: certificate.subject,
    validTo: certificate.validTo,
    fingerprint256: certificate.fingerprint256,
  }
}
