import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import { serveRpc } from '../lib/rpc.ts'
import {
  DIRECT_TOKEN,
  type Coverage,
  type PlatformSpec,
  type RegisteredPlatform,
  type RegisterParams,
} from './partner-contract.ts'

/**
 * Simulated partner platforms, all in this one process, each on its own HTTP server (own origin, as
 * real partners have, so the hub keeps one connection pool per partner). Each serves the handshake
 * (versions, 2.3.0 details, credentials), answers the functional calls of the bench with an OCPI success
 * envelope at once, and counts and timestamps what arrives. The coordinator reads the timings at the end.
 */

interface Platform {
  readonly spec: PlatformSpec
  readonly server: Server
  url: string
  tokenFromHub: string
  tokenToHub: string
}

/** Epoch milliseconds with sub-millisecond precision, comparable across the bench's processes. */
const now = () => performance.timeOrigin + performance.now()

const envelope = (data: unknown) =>
  JSON.stringify({ data, status_code: 1000, timestamp: new Date().toISOString() })

const platforms = new Map<string, Platform>()
/** While set, every Locations receiver answers 503 with this Retry-After (seconds): receivers held down. */
let holdRetryAfterSeconds: number | undefined
const recording = {
  dedupe: false,
  total: 0,
  unique: 0,
  seen: new Set<string>(),
  /** Per platform and path, the `last_updated` values that arrived and when, in arrival order. */
  paths: new Map<string, Map<string, { stamps: string[]; at: number[] }>>(),
}

function record(platform: string, key: string): void {
  recording.total++
  if (recording.dedupe) {
    const seenKey = `${platform} ${key}`
    if (recording.seen.has(seenKey)) return
    recording.seen.add(seenKey)
  }
  recording.unique++
  const split = key.lastIndexOf('|')
  const path = key.slice(0, split)
  let byPath = recording.paths.get(platform)
  if (!byPath) {
    byPath = new Map<string, { stamps: string[]; at: number[] }>()
    recording.paths.set(platform, byPath)
  }
  let arrivals = byPath.get(path)
  if (!arrivals) byPath.set(path, (arrivals = { stamps: [], at: [] }))
  arrivals.stamps.push(key.slice(split + 1))
  arrivals.at.push(now())
}

/**
 * When `key` (path | last_updated) reached a platform: the first arrival there of the same path with a
 * `last_updated` at or after it. The hub may replace a waiting status PATCH by a newer one of the same EVSE
 * (latest state coalesces), so the newer one carries the change. Arrivals per path come in order (the hub
 * keeps order per object), so their stamps are sorted: binary search.
 */
function reachedAt(
  arrivals: { stamps: string[]; at: number[] } | undefined,
  stamp: string,
): number | undefined {
  if (!arrivals) return undefined
  let low = 0
  let high = arrivals.stamps.length
  while (low < high) {
    const middle = (low + high) >> 1
    if (arrivals.stamps[middle]! < stamp) low = middle + 1
    else high = middle
  }
  return low < arrivals.at.length ? arrivals.at[low] : undefined
}

function tokenOf(req: IncomingMessage): string | undefined {
  const encoded = /^Token (\S+)$/.exec(req.headers.authorization ?? '')?.[1]
  return encoded ? Buffer.from(encoded, 'base64').toString('utf8') : undefined
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

async function handle(platform: Platform, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const text = await readBody(req)
  const path = (req.url ?? '/').split('?')[0] ?? '/'
  const token = tokenOf(req)
  if (token === undefined || (token !== platform.tokenFromHub && token !== DIRECT_TOKEN))
    return send(res, 401, JSON.stringify({ status_code: 2000, timestamp: new Date().toISOString() }))

  if (path === '/versions')
    return send(res, 200, envelope([{ version: '2.3.0', url: `${platform.url}/2.3.0` }]))
  if (path === '/2.3.0') {
    const endpoints = [
      { identifier: 'credentials', role: 'SENDER', url: `${platform.url}/2.3.0/credentials` },
      ...platform.spec.endpoints.map((e) => ({
        ...e,
        url: `${platform.url}/2.3.0/${e.role.toLowerCase()}/${e.identifier}`,
      })),
    ]
    return send(res, 200, envelope({ version: '2.3.0', endpoints }))
  }
  if (path === '/2.3.0/credentials')
    return send(
      res,
      200,
      envelope({ token: platform.tokenFromHub, url: `${platform.url}/versions`, roles: [] }),
    )
  if (path.startsWith('/2.3.0/receiver/locations/')) {
    if (holdRetryAfterSeconds !== undefined) {
      res.setHeader('retry-after', String(holdRetryAfterSeconds))
      return send(res, 503, JSON.stringify({ status_code: 3000, timestamp: new Date().toISOString() }))
    }
    const body = JSON.parse(text) as { last_updated?: string }
    record(platform.spec.name, `${path.slice('/2.3.0/receiver/locations'.length)}|${body.last_updated ?? ''}`)
    return send(res, 200, envelope(null))
  }
  if (path.startsWith('/2.3.0/receiver/sessions/')) {
    JSON.parse(text)
    recording.total++
    return send(res, 200, envelope(null))
  }
  const authorize = /^\/2\.3\.0\/sender\/tokens\/([^/]+)\/authorize$/.exec(path)
  if (authorize && req.method === 'POST') {
    const [role] = platform.spec.roles
    recording.total++
    return send(
      res,
      200,
      envelope({
        allowed: 'ALLOWED',
        token: {
          country_code: role?.country_code,
          party_id: role?.party_id,
          uid: decodeURIComponent(authorize[1]!),
          type: 'RFID',
          contract_id: `${role?.country_code}-${role?.party_id}-C00001`,
          issuer: platform.spec.name,
          valid: true,
          whitelist: 'ALLOWED',
          last_updated: '2026-01-01T00:00:00Z',
        },
      }),
    )
  }
  return send(res, 404, JSON.stringify({ status_code: 2000, timestamp: new Date().toISOString() }))
}

async function startPlatform(spec: PlatformSpec): Promise<Platform> {
  const platform: Platform = {
    spec,
    server: createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
      handle(platform, req, res).catch(() => send(res, 500, '{}'))
    }),
    url: '',
    tokenFromHub: `B-${randomBytes(12).toString('hex')}`,
    tokenToHub: '',
  }
  await new Promise<void>((resolve) => platform.server.listen(0, '127.0.0.1', resolve))
  platform.url = `http://127.0.0.1:${(platform.server.address() as AddressInfo).port}`
  return platform
}

async function ocpiCall(url: string, token: string, method = 'GET', body?: unknown) {
  const response = await fetch(url, {
    method,
    headers: {
      authorization: `Token ${Buffer.from(token).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return (await response.json()) as { status_code: number; data?: unknown; status_message?: string }
}

/** The partner side of the credentials handshake (credentials.asciidoc, registration). */
async function registerOne(hubVersionsUrl: string, spec: PlatformSpec & { tokenA: string }) {
  const platform = await startPlatform(spec)
  platforms.set(spec.name, platform)
  const versions = (await ocpiCall(hubVersionsUrl, spec.tokenA)).data as { version: string; url: string }[]
  const detailsUrl = versions.find((v) => v.version === '2.3.0')?.url ?? ''
  const details = (await ocpiCall(detailsUrl, spec.tokenA)).data as {
    endpoints: { identifier: string; url: string }[]
  }
  const credentialsUrl = details.endpoints.find((e) => e.identifier === 'credentials')?.url ?? ''
  const roles = spec.roles.map((r) => ({ ...r, business_details: { name: spec.name } }))
  const answer = await ocpiCall(credentialsUrl, spec.tokenA, 'POST', {
    token: platform.tokenFromHub,
    url: `${platform.url}/versions`,
    roles,
  })
  if (answer.status_code !== 1000)
    throw new Error(`${spec.name}: registration refused: ${JSON.stringify(answer)}`)
  platform.tokenToHub = String((answer.data as { token: string }).token)
  return { name: spec.name, url: platform.url, tokenToHub: platform.tokenToHub }
}

const handlers = {
  /** Starts and registers platforms at the hub, a few at a time. */
  async register(params: RegisterParams): Promise<RegisteredPlatform[]> {
    const results: RegisteredPlatform[] = []
    const queue = [...params.platforms]
    const worker = async () => {
      for (let spec = queue.shift(); spec; spec = queue.shift())
        results.push(await registerOne(params.hubVersionsUrl, spec))
    }
    await Promise.all(Array.from({ length: 8 }, worker))
    return results
  },
  /** Forgets what arrived so far; `dedupe` counts a key only once per platform (redeliveries after a crash). */
  reset(params: { dedupe: boolean }): null {
    Object.assign(recording, {
      dedupe: params.dedupe,
      total: 0,
      unique: 0,
      seen: new Set(),
      paths: new Map(),
    })
    return null
  },
  /** Holds the Locations receivers down (503 + Retry-After) or, with null, lets them answer again. */
  hold(params: { retryAfterSeconds: number } | null): null {
    holdRetryAfterSeconds = params?.retryAfterSeconds
    return null
  },
  /** Requests received and distinct (platform, key) deliveries so far: cheap enough to poll. */
  counts(_params: null): { total: number; unique: number } {
    return { total: recording.total, unique: recording.unique }
  },
  /** For each key (path | last_updated): the platforms it (or a newer write of its path) reached, and when last. */
  coverage(params: { keys: readonly string[] }): Coverage {
    const reached = params.keys.map((key): [number, number] => {
      const split = key.lastIndexOf('|')
      const path = key.slice(0, split)
      const stamp = key.slice(split + 1)
      let platformsReached = 0
      let last = 0
      for (const byPath of recording.paths.values()) {
        const at = reachedAt(byPath.get(path), stamp)
        if (at === undefined) continue
        platformsReached++
        last = Math.max(last, at)
      }
      return [platformsReached, last]
    })
    return { reached, total: recording.total }
  },
  /** Stops the platforms of a hub that is gone. */
  async closeAll(_params: null): Promise<null> {
    await Promise.all(
      [...platforms.values()].map(
        (p) =>
          new Promise<void>((resolve) => {
            p.server.closeAllConnections()
            p.server.close(() => resolve())
          }),
      ),
    )
    platforms.clear()
    holdRetryAfterSeconds = undefined
    return null
  },
}

export type PartnerHandlers = typeof handlers

serveRpc(handlers)
