import { setTimeout as pause } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aTariff } from '../../fixtures/tariffs.ts'
import { aToken } from '../../fixtures/tokens.ts'
import type { RecordedRequest } from '../../support/fake-platform.ts'
import {
  connectParty,
  eventually,
  HUB_PARTY,
  routeHeaders,
  type ConnectedParty,
} from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

/** Long enough for a wrongly queued message to reach a fake platform (the worker polls every 50 ms). */
const QUIET_MS = 300

/** What a delivery looked like, in a form that compares well. */
const summary = (r: RecordedRequest) => ({ method: r.method, path: r.path, query: r.query, body: r.body })

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: broadcast of Tokens and Tariffs`, () => {
    let hub: TestHub
    let cpos: ConnectedParty[]
    let cpoWithoutTokens: ConnectedParty
    let emsp: ConnectedParty
    let otherEmsp: ConnectedParty
    let nsp: ConnectedParty
    let other: ConnectedParty
    let emspWithoutTariffs: ConnectedParty
    let bareEmsp: ConnectedParty
    let everyone: ConnectedParty[]

    beforeAll(async () => {
      hub = await startTestHub(engine, { DELIVERY_RETRY_BASE_MS: '50', DELIVERY_POLL_INTERVAL_MS: '50' })
      cpos = [await connectParty(hub, 'CPO', 'NL', 'CP1'), await connectParty(hub, 'CPO', 'NL', 'CP2')]
      cpoWithoutTokens = await connectParty(hub, 'CPO', 'NL', 'CP3', { modules: ['locations', 'tariffs'] })
      emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1')
      otherEmsp = await connectParty(hub, 'EMSP', 'DE', 'EM2')
      nsp = await connectParty(hub, 'NSP', 'BE', 'NS1')
      other = await connectParty(hub, 'OTHER', 'FR', 'OT1')
      emspWithoutTariffs = await connectParty(hub, 'EMSP', 'DE', 'EM3', { modules: ['locations', 'tokens'] })
      bareEmsp = await connectParty(hub, 'EMSP', 'DE', 'EM4', { modules: [] })
      everyone = [...cpos, cpoWithoutTokens, emsp, otherEmsp, nsp, other, emspWithoutTariffs, bareEmsp]
    })
    /**
     * Every queued message was delivered and left the queue: a message for a platform without the
     * module's RECEIVER endpoint, which no HTTP request could reveal, would stay there.
     */
    const queueDrains = () =>
      eventually(async () => {
        const queue = await hub.admin<{ deliveries: unknown[] }>('GET', '/deliveries')
        expect(queue.body.deliveries).toEqual([])
      })

    afterAll(async () => {
      await hub?.close()
      await Promise.all((everyone ?? []).map((p) => p.platform.close()))
    })

    it('[tokens PUT+PATCH ?type=APP_USER] reach every CPO with the tokens RECEIVER, keep ?type=, and reach no eMSP/NSP/OTHER', async () => {
      const token = aToken({ uid: 'TOK-APP-1', type: 'APP_USER', whitelist: 'NEVER' }, emsp.party)
      const put = await emsp.call('/receiver/tokens/DE/EM1/TOK-APP-1?type=APP_USER', {
        method: 'PUT',
        body: token,
        headers: routeHeaders(emsp.party, HUB_PARTY),
      })
      expect(put.status).toBe(201)
      expect(put.body.status_code).toBe(1000)
      const patch = { valid: false, last_updated: '2026-03-02T10:00:00Z' }
      const patched = await emsp.call('/receiver/tokens/DE/EM1/TOK-APP-1?type=APP_USER', {
        method: 'PATCH',
        body: patch,
        headers: routeHeaders(emsp.party, HUB_PARTY),
      })
      expect(patched.status).toBe(200)
      expect(patched.body.status_code).toBe(1000)

      const path = '/2.3.0/receiver/tokens/DE/EM1/TOK-APP-1'
      for (const cpo of cpos) {
        const delivered = await cpo.platform.waitForRequests('/2.3.0/receiver/tokens', 2)
        expect(delivered.map(summary)).toEqual([
          { method: 'PUT', path, query: '?type=APP_USER', body: token },
          { method: 'PATCH', path, query: '?type=APP_USER', body: patch },
        ])
        for (const request of delivered) {
          expect(request.headers['ocpi-from-country-code']).toBe(HUB_PARTY.country_code)
          expect(request.headers['ocpi-from-party-id']).toBe(HUB_PARTY.party_id)
          expect(request.headers['ocpi-to-country-code']).toBe(cpo.party.country_code)
          expect(request.headers['ocpi-to-party-id']).toBe(cpo.party.party_id)
          expect(request.token).toBe(cpo.platform.tokenFromHub)
        }
      }
      await queueDrains()
      await pause(QUIET_MS)
      for (const party of everyone.filter((p) => !cpos.includes(p))) {
        expect(party.platform.requestsUnder('/2.3.0/receiver/'), party.platform.options.name).toEqual([])
      }
      for (const cpo of cpos) expect(cpo.inbox('tokens')).toHaveLength(2)

      const stored = await cpos[0]!.call<{ data: unknown[] }>('/sender/tokens')
      expect(stored.body.data).toEqual([{ ...token, ...patch }])
    })

    it('[tariffs PUT TO=hub, DELETE with open routing] reach every eMSP/NSP/OTHER with the tariffs RECEIVER and no CPO', async () => {
      const owner = cpos[0]!
      const tariff = aTariff({ id: 'TARIFF-B1' }, owner.party)
      const put = await owner.call('/receiver/tariffs/NL/CP1/TARIFF-B1', {
        method: 'PUT',
        body: tariff,
        headers: routeHeaders(owner.party, HUB_PARTY),
      })
      expect(put.status).toBe(201)
      expect(put.body.status_code).toBe(1000)
      // No TO headers: the hub cannot narrow the audience of an owner's push down, so it broadcasts.
      const removed = await owner.call('/receiver/tariffs/NL/CP1/TARIFF-B1', { method: 'DELETE' })
      expect(removed.status).toBe(200)
      expect(removed.body.status_code).toBe(1000)

      const audience = [emsp, otherEmsp, nsp, other]
      const path = '/2.3.0/receiver/tariffs/NL/CP1/TARIFF-B1'
      for (const receiver of audience) {
        const delivered = await receiver.platform.waitForRequests('/2.3.0/receiver/tariffs', 2)
        expect(delivered.map(summary)).toEqual([
          { method: 'PUT', path, query: '', body: tariff },
          { method: 'DELETE', path, query: '', body: undefined },
        ])
        expect(delivered.map((r) => r.headers['ocpi-from-party-id'])).toEqual(['HUB', 'HUB'])
        expect(delivered.map((r) => r.headers['ocpi-to-party-id'])).toEqual([
          receiver.party.party_id,
          receiver.party.party_id,
        ])
      }
      await queueDrains()
      await pause(QUIET_MS)
      for (const receiver of audience) expect(receiver.inbox('tariffs')).toHaveLength(2)
      for (const party of [...cpos, cpoWithoutTokens, emspWithoutTariffs, bareEmsp]) {
        expect(party.inbox('tariffs'), party.platform.options.name).toEqual([])
      }

      const stored = await emsp.call<{ data: unknown[] }>('/sender/tariffs')
      expect(stored.body.data).toEqual([])
    })

    it('[tokens GET All] a CPO sees every eMSP token; an eMSP sees only its own', async () => {
      const mine = [aToken({ uid: 'TOK-EM1-A' }, emsp.party), aToken({ uid: 'TOK-EM1-B' }, emsp.party)]
      const theirs = [aToken({ uid: 'TOK-EM2-A' }, otherEmsp.party)]
      for (const [pusher, token] of [
        ...mine.map((t) => [emsp, t] as const),
        ...theirs.map((t) => [otherEmsp, t] as const),
      ]) {
        const response = await pusher.call(
          `/receiver/tokens/${token.country_code}/${token.party_id}/${token.uid}`,
          {
            method: 'PUT',
            body: token,
          },
        )
        expect(response.status).toBe(201)
      }
      const idsOf = (tokens: { party_id: string; uid: string }[]) =>
        tokens.map((t) => `${t.party_id}/${t.uid}`).sort()

      for (const cpo of [...cpos, cpoWithoutTokens]) {
        const all = await cpo.call<{ data: { party_id: string; uid: string }[] }>('/sender/tokens', {
          headers: routeHeaders(cpo.party, HUB_PARTY),
        })
        expect(all.status).toBe(200)
        expect(all.headers.get('x-total-count')).toBe('4')
        expect(idsOf(all.body.data)).toEqual([
          'EM1/TOK-APP-1',
          'EM1/TOK-EM1-A',
          'EM1/TOK-EM1-B',
          'EM2/TOK-EM2-A',
        ])
      }
      const own = await emsp.call<{ data: { party_id: string; uid: string }[] }>('/sender/tokens')
      expect(own.headers.get('x-total-count')).toBe('3')
      expect(idsOf(own.body.data)).toEqual(['EM1/TOK-APP-1', 'EM1/TOK-EM1-A', 'EM1/TOK-EM1-B'])
      const others = await otherEmsp.call<{ data: { party_id: string; uid: string }[] }>('/sender/tokens')
      expect(idsOf(others.body.data)).toEqual(['EM2/TOK-EM2-A'])
      const none = await nsp.call<{ data: unknown[] }>('/sender/tokens')
      expect(none.body.data).toEqual([])
    })
  })
}
