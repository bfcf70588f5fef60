import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TLSSocket } from 'node:tls'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { makeCertificate, opensslMissing, type CertificateFiles } from '../support/certificates.ts'
import { eventually } from '../support/roaming-network.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'

/**
 * Mutual TLS towards partners (OUTBOUND_TLS_*; issue 14, item 7): a partner on HTTPS that accepts only
 * clients with a certificate of its own authority receives the hub's calls when the hub presents one, and
 * none otherwise; OUTBOUND_TLS_CA_FILE makes the hub trust that partner's private authority; a renewed
 * client certificate is used without a restart.
 */

const missing = opensslMissing()
if (missing) console.warn(missing)
// A reload is debounced and the machine may be busy: generous.
const RELOAD_WAIT_MS = Number(process.env['TEST_TLS_RELOAD_WAIT_MS'] ?? 60_000)
const TEST_TIMEOUT_MS = 120_000

interface PartnerCall {
  /** The CN of the client certificate the hub presented. */
  readonly clientName: string
  readonly path: string
}

/** A partner platform that requires a client certificate issued by `authority`, and records what reaches it. */
async function strictPartner(
  authority: CertificateFiles,
  server: CertificateFiles,
): Promise<{ url: string; calls: PartnerCall[]; close(): Promise<void> }> {
  const calls: PartnerCall[] = []
  const partner: Server = createServer(
    {
      cert: readFileSync(server.certFile),
      key: readFileSync(server.keyFile),
      ca: readFileSync(authority.certFile),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (request, response) => {
      const socket = request.socket as TLSSocket
      calls.push({ clientName: String(socket.getPeerCertificate().subject.CN), path: request.url ?? '' })
      // Any answer will do: the test is about who gets through, not about the handshake that follows. Each
      // call on a new connection: a renewed certificate is for new connections, pooled ones keep theirs.
      response
        .writeHead(401, { 'content-type': 'application/json', connection: 'close' })
        .end('{"status_code":2001}')
    },
  )
  partner.on('tlsClientError', () => {})
  await new Promise<void>((resolve) => partner.listen(0, '127.0.0.1', resolve))
  const address = partner.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `https://127.0.0.1:${port}`,
    calls,
    close: () => new Promise((resolve) => partner.close(() => resolve())),
  }
}

describe.skipIf(missing !== undefined)('mutual TLS towards partners (OUTBOUND_TLS_*)', () => {
  let folder: string
  let authority: CertificateFiles
  let partnerServer: CertificateFiles
  let hubClient: CertificateFiles
  let outsider: CertificateFiles
  let partner: Awaited<ReturnType<typeof strictPartner>>

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'hub-mtls-'))
    authority = makeCertificate(folder, 'partner-ca', { authority: true })
    partnerServer = makeCertificate(folder, 'partner-server', { issuer: authority })
    hubClient = makeCertificate(folder, 'hub-client', { issuer: authority })
    // Self-signed: not of the partner's authority.
    outsider = makeCertificate(folder, 'outsider')
    partner = await strictPartner(authority, partnerServer)
  })

  afterAll(async () => {
    await partner?.close()
    rmSync(folder, { recursive: true, force: true })
  })

  for (const engine of STORE_VARIANTS) {
    describe(engine, () => {
      const hubs: TestHub[] = []
      afterEach(async () => {
        for (const hub of hubs.splice(0)) await hub.close()
      })

      /** Asks the hub to register at the partner: its first call is GET versions_url. */
      const connectAt = (hub: TestHub, path: string) =>
        hub.admin('POST', '/connections', {
          versions_url: `${partner.url}${path}`,
          token_a: 'token-a-for-mtls',
          name: 'Strict Partner',
        })

      it(
        "the partner receives the hub's calls only when the hub presents its client certificate",
        async () => {
          const withoutCertificate = await startTestHub(engine, { OUTBOUND_TLS_CA_FILE: authority.certFile })
          hubs.push(withoutCertificate)
          const refused = await connectAt(withoutCertificate, '/no-certificate/versions')
          expect(refused.status).toBe(502)
          expect(partner.calls.filter((call) => call.path.startsWith('/no-certificate'))).toEqual([])

          const withCertificate = await startTestHub(engine, {
            OUTBOUND_TLS_CERT_FILE: hubClient.certFile,
            OUTBOUND_TLS_KEY_FILE: hubClient.keyFile,
            OUTBOUND_TLS_CA_FILE: authority.certFile,
          })
          hubs.push(withCertificate)
          await connectAt(withCertificate, '/with-certificate/versions')
          const received = partner.calls.filter((call) => call.path.startsWith('/with-certificate'))
          expect(received.length).toBeGreaterThan(0)
          for (const call of received) expect(call.clientName).toBe('hub-client')
        },
        TEST_TIMEOUT_MS,
      )

      it(
        "without OUTBOUND_TLS_CA_FILE the partner's private authority is not trusted: no call goes out",
        async () => {
          const hub = await startTestHub(engine, {
            OUTBOUND_TLS_CERT_FILE: hubClient.certFile,
            OUTBOUND_TLS_KEY_FILE: hubClient.keyFile,
          })
          hubs.push(hub)
          const refused = await connectAt(hub, '/untrusted-partner/versions')
          expect(refused.status).toBe(502)
          expect(JSON.stringify(refused.body)).toMatch(/SELF_SIGNED|UNABLE_TO|certificate/i)
          expect(partner.calls.filter((call) => call.path.startsWith('/untrusted-partner'))).toEqual([])
        },
        TEST_TIMEOUT_MS,
      )

      /**
       * A hub whose client certificate lives in files of its own, and `renew`, which replaces them on
       * disk by a certificate the partner does not accept.
       */
      async function hubWithReplaceableCertificate(env: Record<string, string> = {}) {
        const live = mkdtempSync(join(folder, 'live-'))
        const certFile = join(live, 'client.pem')
        const keyFile = join(live, 'client.key')
        copyFileSync(hubClient.certFile, certFile)
        copyFileSync(hubClient.keyFile, keyFile)
        const hub = await startTestHub(engine, {
          OUTBOUND_TLS_CERT_FILE: certFile,
          OUTBOUND_TLS_KEY_FILE: keyFile,
          OUTBOUND_TLS_CA_FILE: authority.certFile,
          ...env,
        })
        hubs.push(hub)
        const renew = () => {
          copyFileSync(outsider.certFile, certFile)
          copyFileSync(outsider.keyFile, keyFile)
        }
        return { hub, renew }
      }

      it(
        'a client certificate replaced on disk is presented on new connections, without a restart',
        async () => {
          const { hub, renew } = await hubWithReplaceableCertificate()
          await connectAt(hub, '/before-renewal/versions')
          expect(partner.calls.some((call) => call.path.startsWith('/before-renewal'))).toBe(true)
          // Replaced by a certificate the partner does not accept: the hub's next connections are refused.
          renew()
          await eventually(async () => {
            const path = `/after-renewal-${Date.now()}/versions`
            const refused = await connectAt(hub, path)
            expect(refused.status).toBe(502)
            expect(partner.calls.some((call) => call.path === path)).toBe(false)
          }, RELOAD_WAIT_MS)
        },
        TEST_TIMEOUT_MS + RELOAD_WAIT_MS,
      )

      it(
        'webhook receivers get the same client certificate, and its replacement on disk too, without a restart',
        async () => {
          const { hub, renew } = await hubWithReplaceableCertificate({
            // The strict partner answers 401: each event is tried once and parked, which ends the wait.
            DELIVERY_MAX_ATTEMPTS: '1',
          })
          /** Subscribes `path` at the partner, sends it a test event and waits until the try is over. */
          const pingAt = async (path: string) => {
            const subscribed = await hub.admin<{ id: string }>('POST', '/webhooks', {
              url: `${partner.url}${path}`,
              events: ['delivery.dead'],
            })
            expect(subscribed.status, subscribed.text).toBe(201)
            await hub.admin('POST', `/webhooks/${subscribed.body.id}/ping`)
            return eventually(async () => {
              const dead = await hub.admin<{ deliveries: { last_error: string }[] }>(
                'GET',
                `/deliveries?state=dead&party=${subscribed.body.id}`,
              )
              expect(dead.body.deliveries).toHaveLength(1)
              return dead.body.deliveries[0]!
            })
          }

          await pingAt(`/hook-before-renewal-${engine}`)
          const before = partner.calls.filter((call) => call.path === `/hook-before-renewal-${engine}`)
          expect(before.map((call) => call.clientName)).toEqual(['hub-client'])

          renew()
          await eventually(async () => {
            const path = `/hook-after-renewal-${Date.now()}`
            const parked = await pingAt(path)
            expect(partner.calls.some((call) => call.path === path)).toBe(false)
            expect(parked.last_error).not.toMatch(/HTTP 401/)
          }, RELOAD_WAIT_MS)
        },
        TEST_TIMEOUT_MS + RELOAD_WAIT_MS,
      )
    })
  }
})
