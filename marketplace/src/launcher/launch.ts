import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { Value } from '@sinclair/typebox/value'
import { loadMarketplaceConfig, type MarketplaceConfig } from '../config.ts'
import { MarketplaceMessage, type LauncherMessage } from './launcher-messages.ts'

/**
 * `npm start` (docs/marketplace.md, "Running it"): the compiled hub (`dist/main.js`) and the compiled
 * marketplace as two processes of their own, with the environment of this one. A marketplace not registered
 * yet asks for an invitation, which this launcher creates through the hub's admin API as an operator would;
 * neither process reads the other's store. Signals go to both.
 * Run from dist/marketplace/marketplace/src/launcher/ only (paths below).
 */

const HUB_ENTRY = fileURLToPath(new URL('../../../../main.js', import.meta.url))
const MARKETPLACE_ENTRY = fileURLToPath(new URL('../main.js', import.meta.url))
/** The line the hub logs on the start that generated its admin token (src/main.ts). */
const GENERATED_ADMIN_TOKEN = /Generated admin token \(shown once, store it now\): (\S+?)["\s]/

function say(message: string): void {
  console.log(`[launcher] ${message}`)
}

/** Where this machine reaches a listener on `host` (a wildcard address means any of its own). */
function localUrl(host: string | undefined, port: string): string {
  const reachable = !host || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`
}

class Launcher {
  readonly #env: NodeJS.ProcessEnv
  readonly #marketplaceConfig: MarketplaceConfig
  #generatedAdminToken: string | undefined
  #stopping = false
  readonly #children: ChildProcess[] = []

  constructor(env: NodeJS.ProcessEnv) {
    this.#env = env
    this.#marketplaceConfig = loadMarketplaceConfig(env)
  }

  async run(): Promise<void> {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => this.#stop(signal))
    const hub = this.#startHub()
    await this.#hubReady(hub)
    if (this.#stopping) return
    this.#startMarketplace()
  }

  #startHub(): ChildProcess {
    const env = { ...this.#env }
    // The marketplace listens on loopback by default: the hub must be allowed to call it there.
    if (env['HUB_ALLOW_PRIVATE_PEERS'] === undefined) {
      env['HUB_ALLOW_PRIVATE_PEERS'] = 'true'
      say('HUB_ALLOW_PRIVATE_PEERS=true: the hub may call the marketplace on loopback (set it to override)')
    }
    // Its own process group: a Ctrl-C in the terminal reaches the launcher only, which passes it on once.
    const hub = spawn(process.execPath, [HUB_ENTRY], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    for (const [from, to] of [
      [hub.stdout, process.stdout],
      [hub.stderr, process.stderr],
    ] as const)
      createInterface({ input: from, crlfDelay: Infinity }).on('line', (line) => {
        this.#generatedAdminToken ??= GENERATED_ADMIN_TOKEN.exec(`${line}\n`)?.[1]
        to.write(`${line}\n`)
      })
    this.#watch('hub', hub)
    return hub
  }

  #startMarketplace(): void {
    const env = { ...this.#env }
    // The hub in memory means a throwaway start: the marketplace's data goes with it.
    if (env['DATA_DIR'] === 'memory' && !env['MARKETPLACE_DATA_DIR']) env['MARKETPLACE_DATA_DIR'] = 'memory'
    const marketplace = spawn(process.execPath, [MARKETPLACE_ENTRY], {
      env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      detached: true,
    })
    marketplace.on('message', (message: unknown) => void this.#answer(marketplace, message))
    this.#watch('marketplace', marketplace)
  }

  async #answer(marketplace: ChildProcess, message: unknown): Promise<void> {
    if (!Value.Check(MarketplaceMessage, message)) return
    if (message.kind === 'registered') return say('the marketplace is registered at the hub')
    if (message.kind === 'not-registered')
      return say(`the marketplace is not registered at the hub: ${message.message}`)
    const answer = await this.#invitation()
    if (answer.kind === 'no-invitation') say(answer.message)
    else say('invited the marketplace through the admin API; it registers now')
    marketplace.send(answer)
  }

  /** An invitation for the marketplace's two roles, created with the admin token. */
  async #invitation(): Promise<LauncherMessage> {
    const token = this.#env['HUB_ADMIN_TOKEN'] || this.#generatedAdminToken
    if (!token)
      return {
        kind: 'no-invitation',
        message:
          'the marketplace is not registered and the hub has an admin token from an earlier start: start once ' +
          'with HUB_ADMIN_TOKEN=<admin token>, or invite it yourself and set MARKETPLACE_HUB_VERSIONS_URL and ' +
          'MARKETPLACE_HUB_TOKEN_A (docs/marketplace.md)',
      }
    const { countryCode, cpoPartyId, emspPartyId, businessName } = this.#marketplaceConfig
    const adminUrl = localUrl(this.#env['HOST'], this.#env['ADMIN_PORT'] || this.#env['PORT'] || '3000')
    try {
      const response = await fetch(`${adminUrl}/admin/invitations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: businessName,
          roles: [
            { role: 'CPO', country_code: countryCode, party_id: cpoPartyId },
            { role: 'EMSP', country_code: countryCode, party_id: emspPartyId },
          ],
        }),
      })
      const body = (await response.json()) as { versions_url?: string; token_a?: string; message?: string }
      if (response.status !== 201 || !body.versions_url || !body.token_a)
        return {
          kind: 'no-invitation',
          message: `the hub refused the invitation: HTTP ${response.status} ${body.message ?? ''}`.trim(),
        }
      return { kind: 'invitation', versions_url: body.versions_url, token_a: body.token_a }
    } catch (error) {
      return { kind: 'no-invitation', message: `the hub's admin API did not answer: ${String(error)}` }
    }
  }

  /** Waits until the hub answers GET /ready (its store is open and migrated), or it ended. */
  async #hubReady(hub: ChildProcess): Promise<void> {
    const url = `${localUrl(this.#env['HOST'], this.#env['PORT'] || '3000')}/ready`
    while (hub.exitCode === null && hub.signalCode === null && !this.#stopping) {
      const status = await fetch(url).then(
        (response) => response.arrayBuffer().then(() => response.status),
        () => 0,
      )
      if (status === 200) return
      await sleep(200)
    }
  }

  /**
   * The hub ending on its own stops the marketplace, and the launcher ends with the hub's exit code; the
   * marketplace ending on its own (its port taken, say) leaves the hub running, as `node dist/main.js` would.
   */
  #watch(name: 'hub' | 'marketplace', child: ChildProcess): void {
    this.#children.push(child)
    child.once('exit', (code, signal) => {
      if (!this.#stopping) say(`the ${name} ended (${signal ?? `exit code ${code}`})`)
      if (!this.#stopping && name === 'hub') {
        this.#stop('SIGTERM')
        process.exitCode = code || 1
      } else if (this.#stopping && code !== 0) process.exitCode = code ?? 1
    })
  }

  /** Passes the signal on to each process still running; the launcher ends once they all have. */
  #stop(signal: NodeJS.Signals): void {
    this.#stopping = true
    const running = this.#children.filter((child) => child.exitCode === null && child.signalCode === null)
    for (const child of running) child.kill(signal)
    void Promise.all(running.map((child) => once(child, 'exit'))).then(() => process.exit())
  }
}

await new Launcher(process.env).run()
