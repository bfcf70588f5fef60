import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

/** One POST as the receiver got it: the raw body is what the signature covers. */
export interface ReceivedWebhook {
  readonly headers: IncomingHttpHeaders
  readonly rawBody: string
  readonly event: { id: string; type: string; created_at: string; data: Record<string, unknown> }
}

/**
 * A webhook receiver on loopback: records every POST and answers `status` (200 unless told otherwise).
 * It can be started later, or again, on a port chosen in advance: a receiver that is down.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = []
  readonly port: number
  status = 200
  #server: Server | undefined

  constructor(port: number) {
    this.port = port
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`
  }

  types(): string[] {
    return this.received.map((webhook) => webhook.event.type)
  }

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8')
        if (this.status >= 200 && this.status < 300) {
          this.received.push({
            headers: request.headers,
            rawBody,
            event: JSON.parse(rawBody) as ReceivedWebhook['event'],
          })
        }
        response.writeHead(this.status, { 'content-type': 'text/plain' }).end('ok')
      })
    })
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve))
    this.#server = server
  }

  async stop(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    if (!server) return
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

type Verify = (
  secret: string,
  header: unknown,
  rawBody: string | Buffer,
  toleranceSeconds?: number,
) => boolean

/** The verification snippet of docs/webhooks.md, run as it is written there. */
export async function documentedVerifier(): Promise<Verify> {
  const doc = readFileSync(new URL('../../docs/webhooks.md', import.meta.url), 'utf8')
  const marker = doc.indexOf('<!-- verification snippet')
  const code = /```js\n([\s\S]*?)```/.exec(doc.slice(marker))?.[1]
  if (marker < 0 || !code) throw new Error('docs/webhooks.md has no verification snippet')
  const folder = mkdtempSync(join(tmpdir(), 'hub-webhook-snippet-'))
  const file = join(folder, 'verify.mjs')
  writeFileSync(file, code)
  try {
    const module = (await import(pathToFileURL(file).href)) as { verifyHubSignature: Verify }
    return module.verifyHubSignature
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
}
