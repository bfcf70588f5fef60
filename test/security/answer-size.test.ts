import { once } from 'node:events'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aLocation } from '../fixtures/locations.ts'
import { aRole, envelope, FakePlatform } from '../support/fake-platform.ts'
import { connectParty, eventually, routeHeaders, type ConnectedParty } from '../support/roaming-network.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'

/**
 * A partner's answer larger than OUTBOUND_ANSWER_LIMIT_BYTES (issue 11, D7): the hub stops reading, closes
 * the connection and fails the call: a forwarded request gets 4000 naming the reason, a delivery is
 * retried. The huge answers are streamed in chunks, so neither side holds them in memory.
 */

const LIMIT_BYTES = 64 * 1024
const HUGE_BYTES = 32 * 1024 * 1024
const CHUNK = Buffer.from(`"${'x'.repeat(64 * 1024 - 4)}",`)

/** An OCPI endpoint that answers every request with a 32 MB envelope, or a small one when told to. */
class HugeAnswers {
  readonly server: Server
  readonly answers: { path: string; written: number; closedEarly: boolean }[] = []
  huge = true
  /** Send Content-Length up front (the hub may refuse before reading) instead of chunked. */
  announce = false

  private constructor() {
    this.server = createServer((request, response) => {
      request.resume()
      void this.#answer(request.url ?? '', response)
    })
  }

  static async start(): Promise<HugeAnswers> {
    const endpoint = new HugeAnswers()
    endpoint.server.listen(0, '127.0.0.1')
    await once(endpoint.server, 'listening')
    return endpoint
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  async #answer(path: string, response: ServerResponse): Promise<void> {
    if (!this.huge) {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify(envelope(null)))
      return
    }
    const record = { path, written: 0, closedEarly: false }
    this.answers.push(record)
    const head = Buffer.from(`{"status_code":1000,"timestamp":"${new Date().toISOString()}","data":[`)
    const tail = Buffer.from('"end"]}')
    const chunks = Math.floor((HUGE_BYTES - head.length - tail.length) / CHUNK.length)
    response.writeHead(200, {
      'content-type': 'application/json',
      ...(this.announce
        ? { 'content-length': String(head.length + chunks * CHUNK.length + tail.length) }
        : {}),
    })
    const closed = once(response, 'close')
    const write = async (buffer: Buffer): Promise<boolean> => {
      if (response.destroyed) return false
      record.written += buffer.length
      if (!response.write(buffer)) await Promise.race([once(response, 'drain'), closed])
      return !response.destroyed
    }
    let going = await write(head)
    for (let i = 0; going && i < chunks; i++) going = await write(CHUNK)
    if (going) response.end(tail)
    else record.closedEarly = true
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}

/** A party whose platform offers `module` `interfaceRole` at `url` (the huge endpoint) and nothing else of it. */
async function connectWithEndpoint(
  hub: TestHub,
  role: 'CPO' | 'EMSP',
  partyId: string,
  module: string,
  interfaceRole: 'SENDER' | 'RECEIVER',
  url: string,
): Promise<FakePlatform> {
  const platform = await FakePlatform.start({
    name: `${role} NL${partyId}`,
    roles: [aRole(role, 'NL', partyId)],
    endpoints: [
      { identifier: 'credentials', role: 'SENDER', url: '{base}/2.3.0/credentials' },
      { identifier: module, role: interfaceRole, url },
    ],
  })
  const invitation = await hub.admin<{ token_a: string; versions_url: string }>('POST', '/invitations', {
    name: `${role} NL${partyId}`,
    roles: [{ role, country_code: 'NL', party_id: partyId }],
  })
  const { response } = await platform.registerAt(invitation.body.versions_url, invitation.body.token_a)
  expect(response.body.status_code, response.text).toBe(1000)
  return platform
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: partner answers above OUTBOUND_ANSWER_LIMIT_BYTES (D7)`, () => {
    let hub: TestHub
    let huge: HugeAnswers
    let cpo: ConnectedParty
    let emsp: ConnectedParty
    const platforms: FakePlatform[] = []

    beforeAll(async () => {
      hub = await startTestHub(engine, {
        OUTBOUND_ANSWER_LIMIT_BYTES: String(LIMIT_BYTES),
        DELIVERY_RETRY_BASE_MS: '100',
        DELIVERY_RETRY_MAX_MS: '200',
        DELIVERY_OFFLINE_AFTER_FAILURES: '1000',
      })
      huge = await HugeAnswers.start()
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1')
    })
    afterAll(async () => {
      await hub?.close()
      await huge?.close()
      await Promise.all([cpo, emsp].map((p) => p?.platform.close()))
      await Promise.all(platforms.map((p) => p.close()))
    })

    it('answers a forwarded GET whose answer is too large with 4000 naming the limit, having stopped reading', async () => {
      platforms.push(
        await connectWithEndpoint(hub, 'CPO', 'BIG', 'locations', 'SENDER', `${huge.url}/sender/locations`),
      )
      for (const announce of [false, true]) {
        huge.announce = announce
        const before = huge.answers.length
        const answer = await emsp.call('/sender/locations', {
          headers: routeHeaders(emsp.party, { country_code: 'NL', party_id: 'BIG' }),
        })
        expect(answer.status, answer.text.slice(0, 300)).toBe(200)
        expect(answer.body.status_code, answer.text.slice(0, 300)).toBe(4000)
        expect(answer.body.status_message).toMatch(
          /NL\*BIG answered with more than OUTBOUND_ANSWER_LIMIT_BYTES/,
        )
        expect(answer.text.length).toBeLessThan(1000)
        // The hub closed the connection: the partner could not write its whole answer.
        const sent = await eventually(() => {
          const record = huge.answers[before]
          expect(record?.closedEarly, `announce=${announce}`).toBe(true)
          return record!
        })
        expect(sent.written).toBeLessThan(HUGE_BYTES / 2)
      }
    })

    it('retries a delivery whose receiver answers too much, and delivers it once the answer is small', async () => {
      platforms.push(
        await connectWithEndpoint(
          hub,
          'EMSP',
          'EMB',
          'locations',
          'RECEIVER',
          `${huge.url}/receiver/locations`,
        ),
      )
      huge.announce = false
      huge.huge = true
      const before = huge.answers.length
      const pushed = await cpo.call('/receiver/locations/NL/CP1/LOC-BIG', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-BIG' }, cpo.party),
      })
      expect(pushed.body.status_code).toBe(1000)
      type Deliveries = { deliveries: { state: string; last_error: string | null; attempts: number }[] }
      const failed = await eventually(async () => {
        const listed = await hub.admin<Deliveries>('GET', '/deliveries?party=NL-EMB')
        const [row] = listed.body.deliveries
        expect(row?.last_error ?? '', JSON.stringify(listed.body)).toMatch(/OUTBOUND_ANSWER_LIMIT_BYTES/)
        return row!
      })
      expect(failed.state).not.toBe('dead')
      expect(huge.answers.length).toBeGreaterThan(before)

      huge.huge = false
      await eventually(async () => {
        const listed = await hub.admin<Deliveries>('GET', '/deliveries?party=NL-EMB')
        expect(listed.body.deliveries, JSON.stringify(listed.body)).toEqual([])
      })
    })
  })
}
