import { X509Certificate } from 'node:crypto'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { capturedLog } from '../../support/captured-log.ts'
import { makeCertificate, opensslMissing, type CertificateFiles } from '../../support/certificates.ts'
import { eventually } from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { freePort, startTestHub, type TestHub } from '../../support/test-hub.ts'
import { HbsSimulator, oicpDocumentsMissing } from './hbs-simulator.ts'

/**
 * The OICP listener's certificates reloaded without a restart (docs/operations.md): its server pair
 * (TLS_CERT_FILE, TLS_KEY_FILE) on SIGHUP, the authority of HBS's client certificate (OICP_INBOUND_CA_FILE)
 * when its file changes; HBS's real TLS connections see the new ones, and a file that cannot be used keeps
 * the one in force, in one error line.
 */
const missing = oicpDocumentsMissing() ?? opensslMissing()
if (missing) console.warn(`OICP listener certificate reload tests skipped: ${missing}`)

const REMOTE_START_PATH = '/charging/v21/providers/DE*8EO/authorize-remote/start'
const REMOTE_START = {
  SessionID: 'c3a1e0b4-5d6f-4e71-9a2b-0c8d7e6f5a41',
  ProviderID: 'DE*8EO',
  EvseID: 'NL*CP1*EE1',
  Identification: { RemoteIdentification: { EvcoID: 'DE-8EO-CAET5E4XY-3' } },
}

const fingerprintOf = (files: CertificateFiles) => new X509Certificate(files.cert).fingerprint256

for (const engine of STORE_VARIANTS) {
  describe.skipIf(missing !== undefined)(`${engine}: reloading the OICP listener's certificates`, () => {
    let folder: string
    let live: { certFile: string; keyFile: string; caFile: string }
    let first: CertificateFiles
    let second: CertificateFiles
    let secondAuthority: CertificateFiles
    let hbsOfFirstAuthority: CertificateFiles
    let hbsOfSecondAuthority: CertificateFiles
    let hbs: HbsSimulator
    let hub: TestHub
    let port: number
    const log = capturedLog()

    beforeAll(async () => {
      folder = mkdtempSync(join(tmpdir(), 'oicp-inbound-reload-'))
      const spare = mkdtempSync(join(folder, 'spare-'))
      const firstAuthority = makeCertificate(spare, 'hubject-ca-1', { authority: true })
      secondAuthority = makeCertificate(spare, 'hubject-ca-2', { authority: true })
      hbsOfFirstAuthority = makeCertificate(spare, 'hbs-1', { issuer: firstAuthority })
      hbsOfSecondAuthority = makeCertificate(spare, 'hbs-2', { issuer: secondAuthority })
      first = makeCertificate(spare, 'hub-1')
      second = makeCertificate(spare, 'hub-2')
      const liveFolder = mkdtempSync(join(folder, 'live-'))
      live = {
        certFile: join(liveFolder, 'hub.pem'),
        keyFile: join(liveFolder, 'hub.key'),
        caFile: join(liveFolder, 'hubject-ca.pem'),
      }
      copyFileSync(first.certFile, live.certFile)
      copyFileSync(first.keyFile, live.keyFile)
      copyFileSync(firstAuthority.certFile, live.caFile)
      hbs = await HbsSimulator.start({ subOperators: ['NL*CP1'] })
      port = await freePort()
      hub = await startTestHub(
        engine,
        {
          OICP_BASE_URL: hbs.url,
          OICP_INBOUND_PORT: String(port),
          OICP_INBOUND_CA_FILE: live.caFile,
          OICP_PULL_INTERVAL_SECONDS: '0',
          TLS_CERT_FILE: live.certFile,
          TLS_KEY_FILE: live.keyFile,
        },
        { logger: log.logger },
      )
    })
    afterAll(async () => {
      await hub?.close()
      await hbs?.close()
      rmSync(folder, { recursive: true, force: true })
    })

    /** The certificate a new TLS connection to the listener is served, presenting HBS's `client` certificate. */
    const servedFingerprint = (client: CertificateFiles) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(
          {
            host: '127.0.0.1',
            port,
            rejectUnauthorized: false,
            cert: readFileSync(client.certFile),
            key: readFileSync(client.keyFile),
          },
          () => {
            resolve(socket.getPeerCertificate().fingerprint256)
            socket.destroy()
          },
        )
        socket.once('error', reject)
      })

    /** HBS's remote start over a new connection that trusts only `server`, presenting `client`. */
    const remoteStart = (server: CertificateFiles, client: CertificateFiles | undefined) =>
      hbs.forwardToHub(`https://127.0.0.1:${port}`, REMOTE_START_PATH, REMOTE_START, {
        tls: {
          ca: readFileSync(server.certFile),
          ...(client ? { cert: readFileSync(client.certFile), key: readFileSync(client.keyFile) } : {}),
        },
      })
    // The bridge was never configured: an answer at all (320 in OICP's words) means the handshake passed.
    const answered = { Result: false, StatusCode: { Code: '320' }, SessionID: REMOTE_START.SessionID }

    const notReloaded = (setting: string) =>
      log.lines.filter((line) => line['setting'] === setting && String(line['msg']).includes('not reloaded'))

    it('a broken server certificate keeps the one in force; a renewed pair and SIGHUP: new connections get it, HBS’s certificate still accepted', async () => {
      expect(await servedFingerprint(hbsOfFirstAuthority)).toBe(fingerprintOf(first))
      expect((await remoteStart(first, hbsOfFirstAuthority)).body).toMatchObject(answered)

      writeFileSync(live.certFile, 'not a certificate\n')
      hub.hub.reloadCertificates()
      expect(notReloaded('TLS_CERT_FILE')).toHaveLength(1)
      expect(notReloaded('TLS_CERT_FILE')[0]).toMatchObject({ level: 50 })
      expect(await servedFingerprint(hbsOfFirstAuthority)).toBe(fingerprintOf(first))
      expect((await remoteStart(first, hbsOfFirstAuthority)).body).toMatchObject(answered)

      copyFileSync(second.keyFile, live.keyFile)
      copyFileSync(second.certFile, live.certFile)
      hub.hub.reloadCertificates()
      // At once, before the folder watcher's debounce: SIGHUP itself applied it.
      expect(await servedFingerprint(hbsOfFirstAuthority)).toBe(fingerprintOf(second))
      expect(log.lines.map((line) => line['msg'])).toContainEqual(
        expect.stringMatching(/TLS certificate reloaded from .*, on the OICP listener too/),
      )
      expect((await remoteStart(second, hbsOfFirstAuthority)).body).toMatchObject(answered)
      // Still mutual TLS: the new context kept HBS's authority.
      await expect(remoteStart(second, undefined)).rejects.toThrow()
      await expect(remoteStart(second, hbsOfSecondAuthority)).rejects.toThrow()
      expect(hbs.violations).toEqual([])
    })

    it('a renewed authority of HBS’s certificate is taken when its file changes; a broken one keeps it', async () => {
      copyFileSync(secondAuthority.certFile, live.caFile)
      await eventually(async () => {
        expect((await remoteStart(second, hbsOfSecondAuthority)).body).toMatchObject(answered)
      }, 20_000)
      const reloaded = log.lines.find((line) => line['setting'] === 'OICP_INBOUND_CA_FILE')
      expect(reloaded).toMatchObject({ level: 30, subject: 'CN=hubject-ca-2' })
      expect(String(reloaded?.['msg'])).toMatch(/client certificate authority reloaded/)
      await expect(remoteStart(second, hbsOfFirstAuthority)).rejects.toThrow()

      writeFileSync(live.caFile, 'not a certificate\n')
      await eventually(() => expect(notReloaded('OICP_INBOUND_CA_FILE')).toHaveLength(1), 20_000)
      expect(notReloaded('OICP_INBOUND_CA_FILE')[0]).toMatchObject({ level: 50 })
      expect((await remoteStart(second, hbsOfSecondAuthority)).body).toMatchObject(answered)
      expect(await servedFingerprint(hbsOfSecondAuthority)).toBe(fingerprintOf(second))
      expect(hbs.violations).toEqual([])
    })
  })
}
