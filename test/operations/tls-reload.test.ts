import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'node:tls'
import { X509Certificate } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HubProcess } from '../resilience/hub-process.ts'
import { makeCertificate, opensslMissing, type CertificateFiles } from '../support/certificates.ts'
import { eventually } from '../support/roaming-network.ts'
import { freePort } from '../support/test-hub.ts'

/**
 * TLS certificate reload (issue 14, item 7; docs/operations.md): the real hub serving HTTPS picks up a
 * renewed certificate from disk, without a restart and without closing the connections already open; a
 * pair that does not belong together is refused in one log line and the certificate in force stays.
 */

// A busy 2-core machine: starting a hub (TypeScript compiled at start) and a reload (debounced) take a while.
const WAIT_MS = Number(process.env['TEST_TLS_RELOAD_WAIT_MS'] ?? 120_000)
const missing = opensslMissing()
if (missing) console.warn(missing)

interface TlsConnection {
  /** SHA-256 fingerprint of the certificate the hub presented. */
  readonly fingerprint: string
  /** GET /health on this connection (kept alive): the status line of the answer. */
  health(): Promise<string>
  close(): void
}

/** A new TLS connection to the hub. */
async function openConnection(port: number): Promise<TlsConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve({
        fingerprint: socket.getPeerCertificate().fingerprint256,
        health: () =>
          new Promise((answered, failed) => {
            let answer = ''
            const onData = (chunk: Buffer) => {
              answer += chunk.toString('utf8')
              if (!answer.includes('{"status":"ok"}')) return
              socket.off('data', onData)
              answered(answer.split('\r\n')[0]!)
            }
            socket.on('data', onData)
            socket.once('close', () => failed(new Error(`connection closed; answer so far: ${answer}`)))
            socket.write('GET /health HTTP/1.1\r\nHost: hub\r\n\r\n')
          }),
        close: () => socket.destroy(),
      })
    })
    socket.once('error', reject)
  })
}

async function servedFingerprint(port: number): Promise<string> {
  const connection = await openConnection(port)
  connection.close()
  return connection.fingerprint
}

const fingerprintOf = (files: CertificateFiles) => new X509Certificate(files.cert).fingerprint256

describe.skipIf(missing !== undefined)('TLS certificate reload (TLS_CERT_FILE, TLS_KEY_FILE)', () => {
  let folder: string
  let live: CertificateFiles
  let first: CertificateFiles
  let second: CertificateFiles
  let hub: HubProcess
  let port: number

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'hub-tls-reload-'))
    const spare = mkdtempSync(join(folder, 'spare-'))
    first = makeCertificate(spare, 'first')
    second = makeCertificate(spare, 'second')
    live = { certFile: join(folder, 'live.pem'), keyFile: join(folder, 'live.key'), cert: first.cert }
    copyFileSync(first.certFile, live.certFile)
    copyFileSync(first.keyFile, live.keyFile)
    port = await freePort()
    hub = new HubProcess(port, {
      DATA_DIR: 'memory',
      DATABASE_URL: '',
      HUB_PUBLIC_URL: `https://127.0.0.1:${port}`,
      TLS_CERT_FILE: live.certFile,
      TLS_KEY_FILE: live.keyFile,
      // The connection opened before the renewal is used again after it, however long the reload takes.
      HTTP_KEEP_ALIVE_TIMEOUT_MS: String(WAIT_MS * 2),
      HTTP_IDLE_TIMEOUT_MS: '0',
    })
    await hub.waitFor(/OCPI hub listening/, WAIT_MS)
  }, WAIT_MS + 10_000)

  afterAll(async () => {
    await hub?.stop()
    rmSync(folder, { recursive: true, force: true })
  })

  it(
    'serves a renewed pair to new connections once both files are replaced; an open connection stays open',
    async () => {
      const before = await openConnection(port)
      expect(before.fingerprint).toBe(fingerprintOf(first))
      expect(await before.health()).toBe('HTTP/1.1 200 OK')
      // As a renewal does it: one file after the other (the pair is mismatched in between).
      copyFileSync(second.certFile, live.certFile)
      copyFileSync(second.keyFile, live.keyFile)
      await eventually(async () => {
        expect(await servedFingerprint(port)).toBe(fingerprintOf(second))
      }, WAIT_MS)
      await hub.waitFor(/TLS certificate reloaded from/, WAIT_MS)
      // The connection opened before the renewal was not dropped: it still talks.
      expect(await before.health()).toBe('HTTP/1.1 200 OK')
      before.close()
    },
    WAIT_MS * 2,
  )

  it(
    'a key that does not belong to the certificate is refused in one line; the certificate in force stays',
    async () => {
      copyFileSync(first.keyFile, live.keyFile) // second's certificate, first's key
      await hub.waitFor(/TLS_KEY_FILE .* is not the key of the certificate .*: not reloaded/, WAIT_MS)
      const refusal = hub.output
        .split('\n')
        .filter((line) => line.includes('not reloaded'))
        .map((line) => JSON.parse(line) as { level: number; setting: string; msg: string })
      expect(refusal).toHaveLength(1)
      expect(refusal[0]).toMatchObject({ level: 50, setting: 'TLS_KEY_FILE' })
      expect(await servedFingerprint(port)).toBe(fingerprintOf(second))
    },
    WAIT_MS * 2,
  )

  it(
    'SIGHUP reloads (the hub keeps running) and says what it found',
    async () => {
      // Still the mismatched pair on disk: SIGHUP reports it again, and the hub goes on serving.
      hub.signal('SIGHUP')
      await eventually(() => {
        expect(hub.output.match(/not reloaded/g)).toHaveLength(2)
      }, WAIT_MS)
      copyFileSync(second.keyFile, live.keyFile)
      hub.signal('SIGHUP')
      await hub.waitFor(/SIGHUP: certificate files unchanged|TLS certificate reloaded/, WAIT_MS)
      expect(await servedFingerprint(port)).toBe(fingerprintOf(second))
      expect(await Promise.race([hub.exited, Promise.resolve('running')])).toBe('running')
    },
    WAIT_MS * 2,
  )
})
