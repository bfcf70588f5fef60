import { createHash, X509Certificate } from 'node:crypto'
import { watch, type FSWatcher } from 'node:fs'
import { dirname } from 'node:path'
import type { Server as TlsServer } from 'node:tls'
import type { FastifyBaseLogger } from 'fastify'
import type { HubConfig } from '../config/config.ts'
import type { OutboundTlsMaterial } from '../partners/ocpi/partner-connector.ts'
import { readOutboundTls, readServerTls, StartupError, type TlsPair } from './startup-checks.ts'

/** A renewal writes the certificate and the key one after the other: wait for both before reading. */
export const CERTIFICATE_RELOAD_DEBOUNCE_MS = 500

export type ReloadTrigger = 'SIGHUP' | 'file change'

type CertificateSet = 'server' | 'outbound'

export interface CertificateTargets {
  /** The hub's HTTPS listeners (the OCPI one, the admin one): empty without TLS_CERT_FILE. */
  readonly servers: readonly TlsServer[]
  /** The outbound pools: the partners' and the webhooks' (both present the same client certificate). */
  readonly clients: readonly { useTls(tls: OutboundTlsMaterial): void }[]
}

/**
 * Reloads TLS_CERT_FILE/TLS_KEY_FILE and the OUTBOUND_TLS_* files without a restart (docs/operations.md),
 * on SIGHUP and when a file in their folders changes. A new server pair is applied with setSecureContext:
 * connections already open keep theirs, new ones get the new certificate. A set that cannot be used
 * (unreadable, not PEM, a key of another certificate) is logged in one line and the one in force stays.
 */
export class CertificateReloader {
  readonly #config: Pick<HubConfig, 'tls' | 'outboundTls'>
  readonly #targets: CertificateTargets
  readonly #log: FastifyBaseLogger
  readonly #watchers: FSWatcher[] = []
  #timer: NodeJS.Timeout | undefined
  /** What each set looked like at the last attempt, good or bad: an unchanged set is not applied or logged again. */
  readonly #seen: Record<CertificateSet, string>

  constructor(
    config: Pick<HubConfig, 'tls' | 'outboundTls'>,
    targets: CertificateTargets,
    log: FastifyBaseLogger,
    loaded: { readonly server: TlsPair | undefined; readonly outbound: OutboundTlsMaterial },
  ) {
    this.#config = config
    this.#targets = targets
    this.#log = log
    this.#seen = {
      server: loaded.server ? fingerprint([loaded.server.cert, loaded.server.key]) : '',
      outbound: outboundFingerprint(loaded.outbound),
    }
  }

  /** The files configured, server and outbound. */
  get files(): string[] {
    const { tls, outboundTls } = this.#config
    return [tls?.certFile, tls?.keyFile, outboundTls.client?.certFile, outboundTls.client?.keyFile]
      .concat(outboundTls.caFile)
      .filter((file): file is string => Boolean(file))
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
    const { tls, outboundTls } = this.#config
    const changedServer = tls ? this.#reloadSet(trigger, 'server', () => this.#applyServer(tls)) : false
    const changedOutbound = this.#reloadSet(trigger, 'outbound', () => this.#applyOutbound(outboundTls))
    if (trigger === 'SIGHUP' && !changedServer && !changedOutbound) {
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
        `${error.message}: not reloaded, ${set === 'server' ? 'the certificate served until now stays' : 'the outbound TLS settings in use until now stay'} in force`,
      )
      return false
    }
  }

  #applyServer(files: NonNullable<HubConfig['tls']>): boolean {
    const pair = readServerTls(files)
    const seen = fingerprint([pair.cert, pair.key])
    if (seen === this.#seen.server) return false
    for (const server of this.#targets.servers) server.setSecureContext({ cert: pair.cert, key: pair.key })
    this.#seen.server = seen
    this.#log.info(
      { setting: 'TLS_CERT_FILE', ...describeCertificate(pair.cert) },
      `TLS certificate reloaded from ${files.certFile}: new connections get it`,
    )
    return true
  }

  #applyOutbound(outbound: HubConfig['outboundTls']): boolean {
    const material = readOutboundTls(outbound)
    const seen = outboundFingerprint(material)
    if (seen === this.#seen.outbound) return false
    for (const client of this.#targets.clients) client.useTls(material)
    this.#seen.outbound = seen
    this.#log.info(
      {
        setting: 'OUTBOUND_TLS_CERT_FILE',
        ...(material.clientCertificate ? describeCertificate(material.clientCertificate.cert) : {}),
      },
      'outbound TLS settings reloaded: new connections to partners and webhook receivers use them',
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
