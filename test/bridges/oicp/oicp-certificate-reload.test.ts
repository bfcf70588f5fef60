import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dataPlace, HubProcess, type DataPlace } from '../../resilience/hub-process.ts'
import { makeCertificate, opensslMissing, type CertificateFiles } from '../../support/certificates.ts'
import { freePort } from '../../support/test-hub.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { HbsSimulator, oicpDocumentsMissing } from './hbs-simulator.ts'

/**
 * The OICP client certificate (OICP_CERT_FILE, OICP_KEY_FILE) reloaded like the hub's other certificates
 * (docs/operations.md): a real hub process, HBS demanding a client certificate of Hubject's authority, the
 * files replaced and SIGHUP sent. HBS records the certificate each call presented.
 */

// A busy 2-core machine: starting a hub process (TypeScript compiled at start) takes a while.
const WAIT_MS = 120_000
const missing = oicpDocumentsMissing() ?? opensslMissing()
if (missing) console.warn(`OICP certificate reload tests skipped: ${missing}`)

const SETTINGS = {
  enabled: true,
  operator_id: 'DE*OPH',
  operator_name: 'Open OCPI Hub',
  provider_id: 'DE-OPH',
  represented_cpos: [{ country_code: 'NL', party_id: 'CP1' }],
  default_hotline_phone: '+31201234567',
  language: 'en',
}

for (const engine of STORE_VARIANTS) {
  describe.skipIf(missing !== undefined)(`${engine}: reloading the OICP client certificate`, () => {
    let folder: string
    let live: { certFile: string; keyFile: string }
    let first: CertificateFiles
    let second: CertificateFiles
    let hbs: HbsSimulator
    let place: DataPlace
    let hub: HubProcess

    /** The certificate names HBS saw on the calls of one sync (a pull: two calls). */
    async function presentedOnSync(): Promise<string[]> {
      const before = hbs.requests.length
      const sync = await hub.network.admin('POST', '/bridges/oicp/sync', {})
      expect(sync.status).toBe(200)
      return [...new Set(hbs.requests.slice(before).map((request) => String(request.clientName)))]
    }

    beforeAll(async () => {
      folder = mkdtempSync(join(tmpdir(), 'oicp-cert-reload-'))
      const spare = mkdtempSync(join(folder, 'spare-'))
      const authority = makeCertificate(spare, 'hubject-ca', { authority: true })
      const hbsServer = makeCertificate(spare, 'hbs', { issuer: authority })
      first = makeCertificate(spare, 'oicp-client-a', { issuer: authority })
      second = makeCertificate(spare, 'oicp-client-b', { issuer: authority })
      const liveFolder = mkdtempSync(join(folder, 'live-'))
      live = { certFile: join(liveFolder, 'oicp.pem'), keyFile: join(liveFolder, 'oicp.key') }
      copyFileSync(first.certFile, live.certFile)
      copyFileSync(first.keyFile, live.keyFile)
      hbs = await HbsSimulator.start({
        subOperators: ['NL*CP1'],
        tls: {
          cert: readFileSync(hbsServer.certFile),
          key: readFileSync(hbsServer.keyFile),
          ca: readFileSync(authority.certFile),
        },
      })
      place = await dataPlace(engine)
      hub = new HubProcess(await freePort(), {
        ...place.env,
        OICP_BASE_URL: hbs.url,
        OICP_PULL_INTERVAL_SECONDS: '0',
        OICP_CA_FILE: authority.certFile,
        OICP_CERT_FILE: live.certFile,
        OICP_KEY_FILE: live.keyFile,
      })
      await hub.waitFor(/OCPI hub listening/, WAIT_MS)
      expect((await hub.network.admin('PUT', '/bridges/oicp', SETTINGS)).status).toBe(200)
    }, WAIT_MS + 10_000)

    afterAll(async () => {
      await hub?.stop()
      await hbs?.close()
      await place?.dispose()
      rmSync(folder, { recursive: true, force: true })
    })

    it(
      'a broken certificate file keeps the one in force, in one log line; a renewed pair and SIGHUP: the next call presents it',
      async () => {
        expect(await presentedOnSync()).toEqual(['oicp-client-a'])

        writeFileSync(live.certFile, 'not a certificate\n')
        hub.signal('SIGHUP')
        await hub.waitFor(/OICP_CERT_FILE.*not reloaded.*HBS \(the OICP bridge\)/, WAIT_MS)
        expect(await presentedOnSync()).toEqual(['oicp-client-a'])

        copyFileSync(second.keyFile, live.keyFile)
        copyFileSync(second.certFile, live.certFile)
        hub.signal('SIGHUP')
        await hub.waitFor(/outbound TLS settings reloaded: new connections to HBS/, WAIT_MS)
        expect(await presentedOnSync()).toEqual(['oicp-client-b'])
        expect(hbs.violations).toEqual([])
      },
      WAIT_MS * 2,
    )
  })
}
