import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Agent } from 'undici'
import { serveRpc } from '../lib/rpc.ts'
import { DIRECT_TOKEN } from '../partners/partner-contract.ts'

/**
 * The yardstick: the least a hub must do, a bare node:http forwarder. It takes the requests the hub
 * would take (same paths, same `OCPI-to-*` headers), finds the receiver by the TO party, sends the
 * request on over a keep-alive pool (as the hub's OcpiClient does: undici, 64 connections per origin)
 * and relays status and body. No validation, no storage, no logging.
 */

/** `CC-PID` of a receiver → its origin. */
let routes = new Map<string, string>()
const agent = new Agent({ connections: 64, keepAliveTimeout: 30_000 })
const authorization = `Token ${Buffer.from(DIRECT_TOKEN).toString('base64')}`

async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const to = `${String(req.headers['ocpi-to-country-code'])}-${String(req.headers['ocpi-to-party-id'])}`
  const origin = routes.get(to)
  if (!origin) {
    res.writeHead(404).end()
    return
  }
  // The hub's URL /ocpi/2.3.0/<interface>/<module>/… is the partner's /2.3.0/<interface>/<module>/…
  const answer = await agent.request({
    origin,
    path: (req.url ?? '/').replace(/^\/ocpi/, ''),
    method: req.method as 'PATCH',
    headers: { 'content-type': 'application/json', authorization },
    body: Buffer.concat(chunks),
  })
  const body = Buffer.from(await answer.body.arrayBuffer())
  res.writeHead(answer.statusCode, { 'content-type': 'application/json', 'content-length': body.length })
  res.end(body)
}

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  forward(req, res).catch(() => res.writeHead(502).end())
})

const handlers = {
  async start(params: { routes: Record<string, string> }): Promise<{ url: string }> {
    routes = new Map(Object.entries(params.routes))
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
  },
}

export type ForwarderHandlers = typeof handlers

serveRpc(handlers)
