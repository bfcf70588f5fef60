import { randomUUID } from 'node:crypto'
import { request } from 'node:http'
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeToken } from '../../src/core/tokens.ts'
import { HubProcess } from '../resilience/hub-process.ts'
import { eventually } from '../support/roaming-network.ts'
import { freePort } from '../support/test-hub.ts'

/**
 * TRUSTED_PROXIES (issue 14, item 7; docs/operations.md) on a real hub process: X-Forwarded-For is believed
 * only from a listed proxy, so the log shows the client behind it; from any other peer the header changes
 * nothing, neither the address logged nor the one the per-address connection cap counts. The hub's URLs
 * never follow X-Forwarded-Host/-Proto. Loopback stands in for the network: the proxy connects from
 * 127.0.0.2, a client straight from 127.0.0.3 (Linux routes all of 127.0.0.0/8 to the loopback interface).
 */

const PROXY = '127.0.0.2'
const DIRECT_CLIENT = '127.0.0.3'
// Starting a hub process on a busy 2-core machine (TypeScript compiled at start) can take a while.
const START_MS = Number(process.env['TEST_HUB_START_MS'] ?? 120_000)

interface Answer {
  readonly status: number
  readonly body: string
}

/** One request from `localAddress` on a new connection. */
function send(
  port: number,
  localAddress: string,
  path: string,
  headers: Record<string, string>,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: '127.0.0.1', port, localAddress, path, headers, agent: false },
      (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (body += chunk))
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
      },
    )
    outgoing.once('error', reject)
    outgoing.end()
  })
}

interface LogLine {
  readonly reqId?: string
  readonly msg?: string
  readonly req?: { readonly remoteAddress?: string }
}

describe('TRUSTED_PROXIES: whose X-Forwarded-For the hub believes', () => {
  let hub: HubProcess
  let port: number
  const sockets: Socket[] = []

  beforeAll(async () => {
    port = await freePort()
    hub = await HubProcess.start(port, {
      DATA_DIR: 'memory',
      DATABASE_URL: '',
      TRUSTED_PROXIES: `${PROXY}/32`,
      HTTP_MAX_CONNECTIONS_PER_ADDRESS: '2',
    })
  }, START_MS)

  afterAll(async () => {
    for (const socket of sockets) socket.destroy()
    await hub?.stop()
  })

  /** The client address the hub logged for the request with this X-Request-ID. */
  const loggedAddress = (requestId: string) =>
    eventually(() => {
      const line = hub.output
        .split('\n')
        .filter((text) => text.includes(requestId))
        .map((text) => JSON.parse(text) as LogLine)
        .find((entry) => entry.msg === 'incoming request')
      expect(line, hub.output).toBeDefined()
      return line!.req?.remoteAddress
    }, START_MS)

  it('logs the client behind a trusted proxy: the last address the proxies did not add', async () => {
    const requestId = randomUUID()
    // The client claimed 203.0.113.50 itself; the proxy appended the address it saw.
    await send(port, PROXY, '/ocpi/versions', {
      'x-request-id': requestId,
      'x-forwarded-for': '203.0.113.50, 198.51.100.7',
    })
    expect(await loggedAddress(requestId)).toBe('198.51.100.7')
  })

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const requestId = randomUUID()
    await send(port, DIRECT_CLIENT, '/ocpi/versions', {
      'x-request-id': requestId,
      'x-forwarded-for': '198.51.100.7',
    })
    expect(await loggedAddress(requestId)).toBe(DIRECT_CLIENT)
  })

  /** A kept-open connection from `localAddress` that sent one request: did the hub answer it? */
  const holdConnection = (localAddress: string, forwardedFor: string) =>
    new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, localAddress })
      sockets.push(socket)
      let received = ''
      socket.setEncoding('utf8')
      socket.on('error', () => resolve(false))
      socket.on('close', () => resolve(false))
      socket.on('data', (chunk: string) => {
        received += chunk
        if (received.includes('{"status":"ok"}')) resolve(received.startsWith('HTTP/1.1 200'))
      })
      socket.write(`GET /health HTTP/1.1\r\nHost: hub\r\nX-Forwarded-For: ${forwardedFor}\r\n\r\n`)
    })

  it('caps connections by the peer address: a spoofed X-Forwarded-For does not help; a trusted proxy is not capped', async () => {
    // HTTP_MAX_CONNECTIONS_PER_ADDRESS=2: two from the direct client are served, whatever each claims…
    expect(await holdConnection(DIRECT_CLIENT, '198.51.100.1')).toBe(true)
    expect(await holdConnection(DIRECT_CLIENT, '198.51.100.2')).toBe(true)
    // …and a third is closed at once, claiming to be yet another client.
    expect(await holdConnection(DIRECT_CLIENT, '198.51.100.3')).toBe(false)
    // The proxy carries everyone's connections: five at once are all served.
    const throughProxy = await Promise.all(
      [1, 2, 3, 4, 5].map((client) => holdConnection(PROXY, `198.51.100.${client}`)),
    )
    expect(throughProxy).toEqual([true, true, true, true, true])
  })

  it("hands out HUB_PUBLIC_URL whatever a trusted proxy's X-Forwarded-Host and -Proto say", async () => {
    const invited = await hub.network.admin<{ token_a: string }>('POST', '/invitations', {
      name: 'Proxy Test CPO',
      roles: [{ role: 'CPO', country_code: 'NL', party_id: 'PXY' }],
    })
    expect(invited.status, JSON.stringify(invited.body)).toBe(201)
    const versions = await send(port, PROXY, '/ocpi/versions', {
      authorization: `Token ${encodeToken(invited.body.token_a)}`,
      'x-forwarded-host': 'attacker.example',
      'x-forwarded-proto': 'https',
    })
    expect(versions.status, versions.body).toBe(200)
    const urls = (JSON.parse(versions.body) as { data: { url: string }[] }).data.map((version) => version.url)
    expect(urls.length).toBeGreaterThan(0)
    for (const url of urls) expect(url.startsWith(`${hub.url}/ocpi/`), url).toBe(true)
  })
})
