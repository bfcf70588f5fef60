import { createServer, connect, type Server, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aLocation } from '../fixtures/locations.ts'
import { call } from '../support/http.ts'
import { connectParty, eventually, type ConnectedParty } from '../support/roaming-network.ts'
import { freePort } from '../support/test-hub.ts'
import { dataPlace, HubProcess, type DataPlace } from './hub-process.ts'

/** A TCP proxy in front of PostgreSQL that the test can cut (every connection dropped, port closed) and restore. */
class CuttableProxy {
  readonly #sockets = new Set<Socket>()
  #server: Server | undefined

  constructor(
    readonly port: number,
    readonly target: { host: string; port: number },
  ) {}

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host)
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket)
        socket.on('close', () => this.#sockets.delete(socket))
        socket.on('error', () => socket.destroy())
      }
      client.pipe(upstream).pipe(client)
    })
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve))
    this.#server = server
  }

  /** As a network cut or a database restart looks to the hub: open connections die, new ones are refused. */
  async cut(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    for (const socket of this.#sockets) socket.destroy()
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

/**
 * The hub loses its PostgreSQL (a restart, a failover, a network cut) while it serves: it stays up, answers
 * requests during the outage with a clean OCPI error and /ready 503, and carries on when the database is
 * back, delivering what it had accepted.
 */
describe.runIf(process.env['TEST_DATABASE_URL'])('postgres: the database goes away and comes back', () => {
  let place: DataPlace
  let proxy: CuttableProxy
  let hub: HubProcess | undefined
  const parties: ConnectedParty[] = []

  beforeAll(async () => {
    place = await dataPlace('postgres')
    const database = new URL(place.env['DATABASE_URL']!)
    proxy = new CuttableProxy(await freePort(), {
      host: database.hostname,
      port: Number(database.port || 5432),
    })
    await proxy.open()
  })
  afterAll(async () => {
    await hub?.kill()
    await proxy?.cut()
    await Promise.all(parties.map((p) => p.platform.close()))
    await place.dispose()
  })

  it('answers 503 + 3000 and /ready 503 during the outage, stays up, and delivers once the database is back', async () => {
    const viaProxy = new URL(place.env['DATABASE_URL']!)
    viaProxy.hostname = '127.0.0.1'
    viaProxy.port = String(proxy.port)
    hub = await HubProcess.start(await freePort(), {
      DATABASE_URL: viaProxy.toString(),
      LOG_LEVEL: 'warn',
      DELIVERY_POLL_INTERVAL_MS: '100',
      DELIVERY_RETRY_BASE_MS: '50',
    })
    const cpo = await connectParty(hub.network, 'CPO', 'NL', 'CPO', { modules: ['locations'] })
    const emsp = await connectParty(hub.network, 'EMSP', 'DE', 'EMP', { modules: ['locations'] })
    parties.push(cpo, emsp)
    const put = (id: string) =>
      cpo.call(`/receiver/locations/NL/CPO/${id}`, { method: 'PUT', body: aLocation({ id }, cpo.party) })
    const delivered = () => emsp.inbox('locations').map((r) => r.path.split('/').at(-1))

    expect((await put('BEFORE')).body.status_code).toBe(1000)
    await eventually(() => expect(delivered()).toContain('BEFORE'))

    await proxy.cut()
    const during = await put('DURING')
    expect(during.status).toBe(503)
    expect(during.body.status_code).toBe(3000)
    expect(during.body.status_message).toContain('database')
    expect((await call(`${hub.url}/ready`)).status).toBe(503)
    expect((await call(`${hub.url}/health`)).status).toBe(200)

    await proxy.open()
    await eventually(async () => expect((await put('AFTER')).body.status_code).toBe(1000), 20_000)
    await eventually(() => expect(delivered()).toContain('AFTER'), 20_000)
    expect((await call(`${hub.url}/ready`)).status).toBe(200)
    // Refused during the outage: stored nowhere, sent to nobody.
    expect(delivered()).not.toContain('DURING')
    expect(await Promise.race([hub.exited, Promise.resolve('running')])).toBe('running')
  })
})
