import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeCertificate, opensslMissing, type CertificateFiles } from '../../support/certificates.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { freePort, startTestHub, type TestHub } from '../../support/test-hub.ts'
import { HbsSimulator, oicpDocumentsMissing } from './hbs-simulator.ts'

/**
 * The OICP listener over mutual TLS (OICP_INBOUND_PORT with TLS_CERT_FILE and OICP_INBOUND_CA_FILE): only
 * a caller with a client certificate of HBS's authority gets an answer.
 */
const missing = oicpDocumentsMissing() ?? opensslMissing()
if (missing) console.warn(`OICP listener mutual TLS tests skipped: ${missing}`)

const REMOTE_START_PATH = '/charging/v21/providers/DE*8EO/authorize-remote/start'
const REMOTE_START = {
  SessionID: 'f6a22299-1d44-0006-a1c2-820c27dae0fa',
  ProviderID: 'DE*8EO',
  EvseID: 'NL*CP1*EE1',
  Identification: { RemoteIdentification: { EvcoID: 'DE-8EO-CAET5E4XY-3' } },
}

for (const engine of STORE_VARIANTS) {
  describe.skipIf(missing !== undefined)(`${engine}: the OICP listener over mutual TLS`, () => {
    let folder: string
    let hubCertificate: CertificateFiles
    let hbsClient: CertificateFiles
    let stranger: CertificateFiles
    let hbs: HbsSimulator
    let hub: TestHub
    let oicpUrl: string

    beforeAll(async () => {
      folder = mkdtempSync(join(tmpdir(), 'oicp-inbound-mtls-'))
      const hubject = makeCertificate(folder, 'hubject-ca', { authority: true })
      const other = makeCertificate(folder, 'other-ca', { authority: true })
      hubCertificate = makeCertificate(folder, 'hub')
      hbsClient = makeCertificate(folder, 'hbs-client', { issuer: hubject })
      stranger = makeCertificate(folder, 'stranger', { issuer: other })
      hbs = await HbsSimulator.start({ subOperators: ['NL*CP1'] })
      const port = await freePort()
      oicpUrl = `https://127.0.0.1:${port}`
      hub = await startTestHub(engine, {
        OICP_BASE_URL: hbs.url,
        OICP_INBOUND_PORT: String(port),
        OICP_INBOUND_CA_FILE: hubject.certFile,
        OICP_PULL_INTERVAL_SECONDS: '0',
        TLS_CERT_FILE: hubCertificate.certFile,
        TLS_KEY_FILE: hubCertificate.keyFile,
      })
    })
    afterAll(async () => {
      await hub?.close()
      await hbs?.close()
      rmSync(folder, { recursive: true, force: true })
    })

    const tlsOf = (client: CertificateFiles | undefined) => ({
      ca: readFileSync(hubCertificate.certFile),
      ...(client ? { cert: readFileSync(client.certFile), key: readFileSync(client.keyFile) } : {}),
    })

    it('refuses a caller without a certificate or with one of another authority in the handshake, and answers HBS’s certificate', async () => {
      await expect(
        hbs.forwardToHub(oicpUrl, REMOTE_START_PATH, REMOTE_START, { tls: tlsOf(undefined) }),
      ).rejects.toThrow()
      await expect(
        hbs.forwardToHub(oicpUrl, REMOTE_START_PATH, REMOTE_START, { tls: tlsOf(stranger) }),
      ).rejects.toThrow()
      // The bridge was never configured: HBS hears so, in OICP's words.
      const answer = await hbs.forwardToHub(oicpUrl, REMOTE_START_PATH, REMOTE_START, {
        tls: tlsOf(hbsClient),
      })
      expect(answer.body).toMatchObject({
        Result: false,
        StatusCode: { Code: '320' },
        SessionID: REMOTE_START.SessionID,
      })
      expect(hbs.violations).toEqual([])
    })
  })
}
