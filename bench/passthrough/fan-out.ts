import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Agent } from 'undici'
import { serveRpc } from '../lib/rpc.ts'
import { DIRECT_TOKEN } from '../partners/partner-contract.ts'

/**
 * The broadcast yardstick: the least a hub must do to fan a status change out, a bare node:http server
 * that takes an EVSE status PATCH from a CPO and sends it to every eMSP's receiver endpoint over keep-alive
 * undici pools (64 connections per origin, as the hub's OcpiClient). It answers the CPO once every eMSP
 * answered, as a synchronous broadcast would, so its accept time is also its last delivery. No store, no
 * validation, no queue, no log.
 */

let receivers: readonly string[] = []
const agent = new Agent({ connections: 64, keepAliveTimeout: 30_000 })
const authorization = `Token ${Buffer.from(DIRECT_TOKEN).toString('base64')}`
const accepted = Buffer.from(JSON.stringify({ status_code: 1000, timestamp: new Date().toISOString() }))

async function sendTo(origin: string, path: string, body: Buffer): Promise<boolean> {
  const answer = await agent.request({
    origin,
    path,
    method: 'PATCH',
    headers: { 'content-type': 'application/json', authorization },
    body,
  })
  await answer.body.dump()
  return answer.statusCode >= 200 && answer.statusCode < 300
}

async function fanOut(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const body = Buffer.concat(chunks)
  // The hub's URL /ocpi/2.3.0/receiver/locations/… is the partner's /2.3.0/receiver/locations/…
  const path = (req.url ?? '/').replace(/^\/ocpi/, '')
  const sent = await Promise.all(receivers.map((origin) => sendTo(origin, path, body)))
  if (!sent.every(Boolean)) {
    res.writeHead(502).end()
    return
  }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': accepted.length })
  res.end(accepted)
}

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  fanOut(req, res).catch(() => res.writeHead(502).end())
})

const handlers = {
  /** Starts serving (once) and sends every PATCH to these receiver origins from now on. */
  async start(params: { receivers: readonly string[] }): Promise<{ url: string }> {
    receivers = params.receivers
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
  },
}

export type FanOutHandlers = typeof handlers

serveRpc(handlers)
