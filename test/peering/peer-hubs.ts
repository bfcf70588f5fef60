import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { StoreEngine } from '../../src/storage/database.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'

/** Fast retries and liveness checks, so that a peer going away and coming back takes a second. */
export const PEERING_HUB_ENV = {
  DELIVERY_RETRY_BASE_MS: '50',
  DELIVERY_RETRY_MAX_MS: '200',
  DELIVERY_POLL_INTERVAL_MS: '50',
  DELIVERY_OFFLINE_AFTER_FAILURES: '3',
  STILL_ALIVE_AFTER_MS: '1000',
  STILL_ALIVE_CHECK_INTERVAL_MS: '200',
  // Several hubs on PGlite share the test's process: a slow answer must not be taken for a lost one and
  // sent again (an unreachable peer fails at once, it does not time out).
  OUTBOUND_TIMEOUT_MS: '15000',
}

/**
 * A TCP-level stand-in for a hub's network: HTTP requests pass through to `target` until `setDown(true)`,
 * after which every connection, open or new, is dropped without an answer. Test-only code.
 */
export class SwitchableProxy {
  target = ''
  readonly #server: Server
  readonly #sockets = new Set<Socket>()
  #down = false

  private constructor() {
    this.#server = createServer((incoming, outgoing) => {
      if (this.#down) {
        incoming.socket.destroy()
        return
      }
      const forwarded = httpRequest(
        `${this.target}${incoming.url ?? '/'}`,
        // A fresh connection each time: a kept-alive one the hub has just closed would fail the request.
        { method: incoming.method, headers: incoming.headers, agent: false },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(outgoing)
        },
      )
      forwarded.on('error', () => incoming.socket.destroy())
      incoming.pipe(forwarded)
    })
    this.#server.on('connection', (socket) => {
      if (this.#down) socket.destroy()
      this.#sockets.add(socket)
      socket.on('close', () => this.#sockets.delete(socket))
    })
  }

  static async start(): Promise<SwitchableProxy> {
    const proxy = new SwitchableProxy()
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve))
    return proxy
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
  }

  setDown(down: boolean): void {
    this.#down = down
    if (down) for (const socket of this.#sockets) socket.destroy()
  }

  async close(): Promise<void> {
    this.setDown(true)
    await new Promise((resolve) => this.#server.close(resolve))
  }
}

/** A hub reached by its peers only through a proxy that the test can switch off. */
export async function startHubBehindProxy(
  engine: StoreEngine,
  env: Record<string, string>,
): Promise<{ hub: TestHub; proxy: SwitchableProxy }> {
  const proxy = await SwitchableProxy.start()
  const hub = await startTestHub(engine, { ...env, HUB_PUBLIC_URL: proxy.url })
  proxy.target = hub.url
  return { hub, proxy }
}

/**
 * Peers two hubs as their operators would: `invited` invites a peer hub, `connecting` runs the credentials
 * handshake with the token A it was handed. Returns each side's platform id of the other.
 */
export async function peerHubs(
  connecting: TestHub,
  invited: TestHub,
): Promise<{ atConnecting: string; atInvited: string }> {
  const invitation = await invited.admin<{ id: string; token_a: string; versions_url: string }>(
    'POST',
    '/peers/invitations',
    { name: 'peer hub' },
  )
  if (invitation.status !== 201) throw new Error(`peer invitation failed: ${invitation.text}`)
  const connected = await connecting.admin<{ id: string }>('POST', '/peers', {
    name: 'peer hub',
    versions_url: invitation.body.versions_url,
    token_a: invitation.body.token_a,
  })
  if (connected.status !== 201) throw new Error(`peering failed: ${connected.text}`)
  return { atConnecting: connected.body.id, atInvited: invitation.body.id }
}
