import { afterEach, describe, expect, it } from 'vitest'
import { classify, type PartnerRequest } from '../../src/partners/ocpi/ocpi-client.ts'
import { aLocation } from '../fixtures/locations.ts'
import { connectParty, eventually } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { startTestHub } from '../support/test-hub.ts'

/** What undici raises when the hub's process is out of file descriptors (ulimit -n) as it opens a socket. */
function undiciConnectError(code: string): Error {
  const cause = Object.assign(new Error(`connect ${code} 127.0.0.1:1 - Local (undefined:undefined)`), {
    code,
    errno: -24,
    syscall: 'connect',
  })
  return new TypeError('fetch failed', { cause })
}

interface DeliveryView {
  state: string
  attempts: number
  last_error: string | null
}

describe('failure kinds of an outbound call', () => {
  it("sorts the hub's own resource exhaustion apart from a partner's failure", () => {
    for (const code of ['EMFILE', 'ENFILE', 'ENOMEM', 'ENOBUFS', 'EADDRNOTAVAIL']) {
      const failure = classify(undiciConnectError(code), 'http://partner.example/x', 1000)
      expect(failure.failure, code).toBe('local-resource')
      expect(failure.message, code).toContain(code)
    }
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND']) {
      expect(classify(undiciConnectError(code), 'http://partner.example/x', 1000).failure, code).toBe(
        'unreachable',
      )
    }
  })
})

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: the hub out of file descriptors`, () => {
    const cleanups: (() => Promise<void>)[] = []
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    })

    it('neither marks the receiver OFFLINE nor parks its messages as dead, and delivers them once it recovers', async () => {
      // Two failures of the receiver's own would mark it OFFLINE, two tries would park a message as dead.
      const hub = await startTestHub(engine, {
        DELIVERY_RETRY_BASE_MS: '100',
        DELIVERY_RETRY_MAX_MS: '200',
        DELIVERY_POLL_INTERVAL_MS: '50',
        DELIVERY_OFFLINE_AFTER_FAILURES: '2',
        DELIVERY_MAX_ATTEMPTS: '2',
      })
      cleanups.push(() => hub.close())
      const cpo = await connectParty(hub, 'CPO', 'NL', 'CPO', { modules: ['locations'] })
      const emsp = await connectParty(hub, 'EMSP', 'DE', 'EMP', { modules: ['locations'] })
      cleanups.push(
        () => cpo.platform.close(),
        () => emsp.platform.close(),
      )
      // The failure injected where undici hands it to the hub's client: every call to the eMSP fails with
      // EMFILE, sorted by the client's own classification, as when `ulimit -n` is reached.
      const client = hub.hub.context.client
      const send = client.send.bind(client)
      let failing = true
      let injected = 0
      client.send = (call: PartnerRequest) => {
        if (!failing || !call.url.startsWith(emsp.platform.url)) return send(call)
        injected += 1
        return Promise.reject(classify(undiciConnectError('EMFILE'), call.url, 1000))
      }

      for (const id of ['L1', 'L2', 'L3']) {
        const pushed = await cpo.call(`/receiver/locations/NL/CPO/${id}`, {
          method: 'PUT',
          body: aLocation({ id }, cpo.party),
        })
        expect(pushed.body.status_code).toBe(1000)
      }
      const emspStatus = async () =>
        (await hub.admin<{ status: string }>('GET', `/platforms/${emsp.platformId}`)).body.status
      const deliveries = async () =>
        (await hub.admin<{ deliveries: DeliveryView[] }>('GET', '/deliveries')).body.deliveries

      // Many more failed calls than either threshold; stops early when the old verdicts come in.
      await eventually(async () => {
        const verdictIn =
          (await emspStatus()) !== 'CONNECTED' || (await deliveries()).some((d) => d.state === 'dead')
        expect(injected >= 12 || verdictIn).toBe(true)
      }, 20_000)
      expect(await emspStatus()).toBe('CONNECTED')
      const waiting = await deliveries()
      expect(waiting).toHaveLength(3)
      for (const delivery of waiting) {
        expect(delivery.state).not.toBe('dead')
        expect(delivery.attempts).toBe(0)
        expect(delivery.last_error ?? '').toMatch(/^hub: .*EMFILE/)
      }
      expect(emsp.inbox('locations')).toEqual([])

      failing = false
      await eventually(() =>
        expect(new Set(emsp.inbox('locations').map((r) => r.path))).toEqual(
          new Set(['L1', 'L2', 'L3'].map((id) => `/2.3.0/receiver/locations/NL/CPO/${id}`)),
        ),
      )
      expect(await emspStatus()).toBe('CONNECTED')
    }, 60_000)
  })
}
