import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aLocation, anEvse } from '../../fixtures/locations.ts'
import { makeCertificate, opensslMissing, type CertificateFiles } from '../../support/certificates.ts'
import { connectParty, eventually, type ConnectedParty } from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'
import { HbsSimulator, oicpDocumentsMissing } from './hbs-simulator.ts'

/**
 * The OICP bridge over mutual TLS (OICP_CERT_FILE, OICP_KEY_FILE, OICP_CA_FILE): HBS accepts only the
 * certificate from Hubject onboarding, and the hub trusts HBS's certificate through OICP_CA_FILE.
 */
const missing = oicpDocumentsMissing() ?? opensslMissing()
if (missing) console.warn(`OICP mutual TLS tests skipped: ${missing}`)

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
  describe.skipIf(missing !== undefined)(`${engine}: the OICP bridge over mutual TLS`, () => {
    let folder: string
    let authority: CertificateFiles
    let hbs: HbsSimulator
    /** One hub without the OICP client certificate, one with it: their hubs start in the hook, not the tests. */
    let without: { hub: TestHub; cpo: ConnectedParty }
    let withCertificate: { hub: TestHub; cpo: ConnectedParty }

    async function hubWith(env: Record<string, string>): Promise<{ hub: TestHub; cpo: ConnectedParty }> {
      const hub = await startTestHub(engine, {
        OICP_BASE_URL: hbs.url,
        OICP_PULL_INTERVAL_SECONDS: '0',
        OICP_CA_FILE: authority.certFile,
        DELIVERY_RETRY_BASE_MS: '50',
        DELIVERY_POLL_INTERVAL_MS: '50',
        ...env,
      })
      expect((await hub.admin('PUT', '/bridges/oicp', SETTINGS)).status).toBe(200)
      return { hub, cpo: await connectParty(hub, 'CPO', 'NL', 'CP1') }
    }

    beforeAll(async () => {
      folder = mkdtempSync(join(tmpdir(), 'oicp-mtls-'))
      authority = makeCertificate(folder, 'hubject-ca', { authority: true })
      const hbsServer = makeCertificate(folder, 'hbs', { issuer: authority })
      const hubClient = makeCertificate(folder, 'hub-oicp-client', { issuer: authority })
      hbs = await HbsSimulator.start({
        subOperators: ['NL*CP1'],
        tls: {
          cert: readFileSync(hbsServer.certFile),
          key: readFileSync(hbsServer.keyFile),
          ca: readFileSync(authority.certFile),
        },
      })
      without = await hubWith({})
      withCertificate = await hubWith({
        OICP_CERT_FILE: hubClient.certFile,
        OICP_KEY_FILE: hubClient.keyFile,
      })
    })
    afterAll(async () => {
      for (const side of [without, withCertificate]) {
        await side?.hub.close()
        await side?.cpo.platform.close()
      }
      await hbs?.close()
      rmSync(folder, { recursive: true, force: true })
    })

    function pushLocation({ cpo }: { cpo: ConnectedParty }) {
      return cpo.call('/receiver/locations/NL/CP1/LOC-TLS', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-TLS', evses: [anEvse('E1', {}, cpo.party)] }, cpo.party),
      })
    }

    it('without the OICP client certificate nothing reaches HBS, and the queued delivery records the failure', async () => {
      await pushLocation(without)
      await eventually(async () => {
        const deliveries = await without.hub.admin<{
          deliveries: { state: string; last_error: string | null }[]
        }>('GET', '/deliveries')
        expect(deliveries.body.deliveries.some((d) => d.last_error !== null)).toBe(true)
      })
      expect(hbs.requests).toEqual([])
    })

    it('presents the certificate from OICP_CERT_FILE to HBS, which accepts the push', async () => {
      await pushLocation(withCertificate)
      await eventually(() => expect(hbs.statuses.get('NL*CP1*EE1')).toBe('Available'))
      expect(new Set(hbs.requests.map((r) => r.clientName))).toEqual(new Set(['hub-oicp-client']))
      expect(hbs.violations).toEqual([])
    })
  })
}
