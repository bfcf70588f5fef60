import { rootCertificates } from 'node:tls'
import { buildConnector } from 'undici'
import { guardedLookup } from './peer-address-guard.ts'

/** What the hub presents and trusts on outbound TLS connections (PEM contents, not paths). */
export interface OutboundTlsMaterial {
  /** The client certificate (chain) and key for partners that require mutual TLS. */
  readonly clientCertificate?: { readonly cert: Buffer; readonly key: Buffer } | undefined
  /** Certificate authorities trusted besides Node's public roots (a partner's private PKI). */
  readonly extraCa?: Buffer | undefined
}

/**
 * Opens the sockets of the hub's outbound connection pool. Its TLS material can be replaced while the hub
 * runs (a renewed client certificate): new connections use the new material, pooled ones keep theirs
 * until they close.
 */
export class PartnerConnector {
  readonly #guardAddresses: boolean
  #connect: buildConnector.connector

  constructor(options: { readonly allowPrivatePeers: boolean; readonly tls?: OutboundTlsMaterial }) {
    this.#guardAddresses = !options.allowPrivatePeers
    this.#connect = this.#build(options.tls ?? {})
  }

  /** For undici's `connect` option: always the latest material. */
  readonly connect: buildConnector.connector = (options, callback) => this.#connect(options, callback)

  use(tls: OutboundTlsMaterial): void {
    this.#connect = this.#build(tls)
  }

  #build(tls: OutboundTlsMaterial): buildConnector.connector {
    return buildConnector({
      ...(this.#guardAddresses ? { lookup: guardedLookup } : {}),
      ...(tls.clientCertificate ? { cert: tls.clientCertificate.cert, key: tls.clientCertificate.key } : {}),
      // `ca` replaces Node's roots: keep them, so public partners stay trusted.
      ...(tls.extraCa ? { ca: [...rootCertificates, tls.extraCa.toString('utf8')] } : {}),
    })
  }
}
