import { EventEmitter } from 'node:events'
import { connect, type Server, type Socket } from 'node:net'
import type { FastifyBaseLogger } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { capConnectionsPerAddress, REFUSED_LOG_INTERVAL_MS } from '../../src/transport/connection-cap.ts'
import { eventually } from '../support/roaming-network.ts'
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../support/test-hub.ts'

/** Short limits, as an operator could set them, so that the test sees them act (defaults: docs/configuration.md). */
const SHORT_LIMITS = {
  HTTP_HEADERS_TIMEOUT_MS: '1000',
  HTTP_REQUEST_TIMEOUT_MS: '1500',
  HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000',
  // Kept 5 s above the outbound and authorization timeouts by the configuration: 6 s here.
  HTTP_IDLE_TIMEOUT_MS: '4000',
  OUTBOUND_TIMEOUT_MS: '1000',
  AUTHORIZATION_TIMEOUT_MS: '1000',
}
/** Generous for a busy 2-core machine; without the limits these sockets stay open for a minute or more. */
const CLOSED_WITHIN_MS = 8_000

interface OpenSocket {
  readonly socket: Socket
  /** Resolves with the ms from opening until the hub closed the socket, and what the hub sent on it. */
  readonly closed: Promise<{ afterMs: number; received: string }>
}

const sockets = new Set<Socket>()

function open(hub: TestHub, localAddress = '127.0.0.1'): Promise<OpenSocket> {
  const { port } = new URL(hub.url)
  return new Promise((resolve, reject) => {
    const started = performance.now()
    let received = ''
    const socket = connect({ host: '127.0.0.1', port: Number(port), localAddress })
    sockets.add(socket)
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (received += chunk))
    socket.on('error', () => {})
    const closed = new Promise<{ afterMs: number; received: string }>((done) =>
      socket.once('close', () => done({ afterMs: performance.now() - started, received })),
    )
    socket.once('connect', () => resolve({ socket, closed }))
    socket.once('error', reject)
  })
}

/** Fails when the socket is still open after `ms`. */
async function closedWithin(open: OpenSocket, ms: number): Promise<{ afterMs: number; received: string }> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([open.closed, deadline])
  } finally {
    clearTimeout(timer)
    open.socket.destroy()
  }
}

/** One keep-alive GET of /health on `socket`; resolves with the status line. */
function getHealth(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    const onData = (chunk: string) => {
      text += chunk
      if (text.includes('\r\n\r\n')) {
        socket.off('data', onData)
        resolve(text.split('\r\n')[0]!)
      }
    }
    socket.on('data', onData)
    socket.once('close', () => reject(new Error(`closed before an answer: ${text}`)))
    socket.write('GET /health HTTP/1.1\r\nHost: hub\r\nConnection: keep-alive\r\n\r\n')
  })
}

describe('connection limits (a real hub on loopback, raw sockets)', () => {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const socket of sockets) socket.destroy()
    sockets.clear()
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  async function hubWith(env: Record<string, string>): Promise<TestHub> {
    const hub = await startTestHub('pglite', env)
    cleanups.push(() => hub.close())
    return hub
  }

  it('closes a socket that never sends a request, and a kept-alive one left idle, within the configured time', async () => {
    const hub = await hubWith(SHORT_LIMITS)
    const idle = await open(hub)
    const used = await open(hub)
    expect(await getHealth(used.socket)).toMatch(/^HTTP\/1\.1 [0-9]{3}/)

    const neverUsed = await closedWithin(idle, CLOSED_WITHIN_MS)
    expect(neverUsed.afterMs).toBeGreaterThanOrEqual(900)
    // Node answers a request whose headers never came with 408 before it closes.
    expect(neverUsed.received).toMatch(/^HTTP\/1\.1 408/)
    const keptAlive = await closedWithin(used, CLOSED_WITHIN_MS)
    expect(keptAlive.afterMs).toBeGreaterThanOrEqual(900)
  }, 60_000)

  it('closes a request whose body trickles in (408) within the whole-request time', async () => {
    const hub = await hubWith(SHORT_LIMITS)
    const slow = await open(hub)
    // Authenticated (the admin API), so the hub really waits for the body.
    slow.socket.write(
      'POST /admin/invitations HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n' +
        `Content-Length: 1000\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\n\r\n{`,
    )
    // A byte every 100 ms: the socket is never idle, the request never complete.
    const drip = setInterval(() => slow.socket.write(' '), 100)
    try {
      const closed = await closedWithin(slow, CLOSED_WITHIN_MS)
      expect(closed.afterMs).toBeGreaterThanOrEqual(1400)
      expect(closed.received).toMatch(/^HTTP\/1\.1 408/)
    } finally {
      clearInterval(drip)
    }
  }, 60_000)

  it('closes connections over the per-address cap at once while other addresses, and the first ones, still work', async () => {
    const hub = await hubWith({ HTTP_MAX_CONNECTIONS_PER_ADDRESS: '3' })
    const first = await Promise.all([open(hub), open(hub), open(hub)])
    for (const held of first) expect(await getHealth(held.socket)).toMatch(/^HTTP\/1\.1 200/)

    const over = await open(hub)
    const refused = await closedWithin(over, CLOSED_WITHIN_MS)
    expect(refused.received).toBe('')
    expect(refused.afterMs).toBeLessThan(CLOSED_WITHIN_MS)

    // Another client address (127.0.0.0/8 is all loopback) is not affected, nor are the connections held.
    const other = await open(hub, '127.0.0.2')
    expect(await getHealth(other.socket)).toMatch(/^HTTP\/1\.1 200/)
    expect(await getHealth(first[0].socket)).toMatch(/^HTTP\/1\.1 200/)

    // One closed frees a place for the same address (once the hub has seen it close: a moment later).
    first[2].socket.destroy()
    await eventually(async () => {
      const again = await open(hub)
      expect(await getHealth(again.socket)).toMatch(/^HTTP\/1\.1 200/)
    })
  }, 60_000)

  it('logs refused connections at most once per interval, with their count', () => {
    const server = new EventEmitter() as unknown as Server
    const lines: Record<string, unknown>[] = []
    const log = {
      warn: (fields: Record<string, unknown>) => lines.push(fields),
    } as unknown as FastifyBaseLogger
    let now = 0
    capConnectionsPerAddress(server, 1, log, { now: () => now })
    const socket = () => {
      const fake = new EventEmitter() as EventEmitter & {
        remoteAddress: string
        destroyed: boolean
        destroy(): void
      }
      fake.remoteAddress = '192.0.2.1'
      fake.destroyed = false
      fake.destroy = () => (fake.destroyed = true)
      return fake
    }
    const kept = socket()
    server.emit('connection', kept)
    const flood = Array.from({ length: 1000 }, () => socket())
    for (const fake of flood) server.emit('connection', fake)
    expect(kept.destroyed).toBe(false)
    expect(flood.every((fake) => fake.destroyed)).toBe(true)
    expect(lines).toHaveLength(1)

    now += REFUSED_LOG_INTERVAL_MS
    server.emit('connection', socket())
    expect(lines).toHaveLength(2)
    expect(lines[1]).toMatchObject({ refused: 1000, address: '192.0.2.1' })
  })
})
