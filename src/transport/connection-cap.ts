import type { Server } from 'node:net'
import type { FastifyBaseLogger } from 'fastify'
import type { TrustedProxyCheck } from './trusted-proxies.ts'

/** A burst of refused connections is logged at most this often (one line with the count), never per connection. */
export const REFUSED_LOG_INTERVAL_MS = 10_000

/**
 * Caps the connections one client IP address may hold open at once (HTTP_MAX_CONNECTIONS_PER_ADDRESS): a
 * connection over the cap is destroyed as soon as it is accepted, before a byte is read, so one address
 * cannot use up the hub's file descriptors. Counted per process on the socket's remote address (behind a
 * proxy, the proxy's: a trusted proxy (`uncapped`, TRUSTED_PROXIES) carries every partner's connections and
 * is never capped). Refusals are logged at most once per REFUSED_LOG_INTERVAL_MS with how many there
 * were since the last line, so a flood of connections cannot flood the log.
 */
export function capConnectionsPerAddress(
  server: Server,
  maxPerAddress: number,
  log: FastifyBaseLogger,
  options: { readonly uncapped?: TrustedProxyCheck | undefined; readonly now?: () => number } = {},
): void {
  if (maxPerAddress <= 0) return
  const { uncapped, now = () => performance.now() } = options
  const open = new Map<string, number>()
  let refusedSinceLog = 0
  let loggedAt = -Infinity
  server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? 'unknown'
    if (uncapped?.(socket.remoteAddress)) return
    const count = open.get(address) ?? 0
    if (count >= maxPerAddress) {
      socket.destroy()
      refusedSinceLog += 1
      const time = now()
      if (time - loggedAt >= REFUSED_LOG_INTERVAL_MS) {
        log.warn(
          { address, refused: refusedSinceLog, maxConnectionsPerAddress: maxPerAddress },
          'connections over the per-address cap closed at once (HTTP_MAX_CONNECTIONS_PER_ADDRESS)',
        )
        refusedSinceLog = 0
        loggedAt = time
      }
      return
    }
    open.set(address, count + 1)
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1
      if (left > 0) open.set(address, left)
      else open.delete(address)
    })
  })
}
