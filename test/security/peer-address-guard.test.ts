import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OcpiClient, PartnerCallError } from '../../src/partners/ocpi/ocpi-client.ts'
import {
  guardedLookup,
  isPrivateAddress,
  PeerAddressRefused,
} from '../../src/partners/ocpi/peer-address-guard.ts'

describe('the private-address guard (HUB_ALLOW_PRIVATE_PEERS=false)', () => {
  it('knows loopback, private, link-local and IPv4-mapped IPv6 addresses, in every spelling', () => {
    for (const address of [
      '127.0.0.1',
      '127.255.0.9',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      // How the URL parser writes [::ffff:127.0.0.1] and [::ffff:192.168.0.1].
      '::ffff:7f00:1',
      '::ffff:c0a8:1',
    ]) {
      expect(isPrivateAddress(address), address).toBe(true)
    }
    for (const address of [
      '8.8.8.8',
      '172.32.0.1',
      '2001:4860:4860::8888',
      '::ffff:8.8.8.8',
      '::ffff:808:808',
    ]) {
      expect(isPrivateAddress(address), address).toBe(false)
    }
  })

  it('checks the address a name resolves to, not only the name', async () => {
    const outcome = await new Promise<unknown>((resolve) =>
      guardedLookup('localhost', {}, (error, address) => resolve(error ?? address)),
    )
    expect(outcome).toBeInstanceOf(PeerAddressRefused)
    expect(String((outcome as Error).message)).toMatch(/HUB_ALLOW_PRIVATE_PEERS=true/)
  })

  describe('the outbound client', () => {
    let server: Server
    let port: number
    let requests = 0
    beforeAll(async () => {
      server = createServer((_request, response) => {
        requests++
        response.end('{}')
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      port = (server.address() as { port: number }).port
    })
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve))
    })

    it('refuses loopback by IP literal, IPv4-mapped IPv6 and by a name that resolves to it; allows it when told to', async () => {
      const guarded = new OcpiClient({ allowPrivatePeers: false, timeoutMs: 2000 })
      try {
        for (const url of [
          `http://127.0.0.1:${port}/versions`,
          `http://[::ffff:127.0.0.1]:${port}/versions`,
          `http://localhost:${port}/versions`,
        ]) {
          const failure = await guarded
            .send({ method: 'GET', url, token: 't' })
            .catch((error: unknown) => error)
          expect(failure, url).toBeInstanceOf(PartnerCallError)
          expect((failure as PartnerCallError).failure, url).toBe('address-refused')
        }
        expect(requests).toBe(0)
      } finally {
        await guarded.close()
      }
      const open = new OcpiClient({ allowPrivatePeers: true, timeoutMs: 2000 })
      try {
        const response = await open.send({
          method: 'GET',
          url: `http://127.0.0.1:${port}/versions`,
          token: 't',
        })
        expect(response.httpStatus).toBe(200)
        expect(requests).toBe(1)
      } finally {
        await open.close()
      }
    })
  })
})
