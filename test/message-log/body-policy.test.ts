import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aLocation } from '../fixtures/locations.ts'
import { connectParty, eventually, type ConnectedParty } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'

interface LoggedBodies {
  direction: 'in' | 'out'
  http_status: number | null
  ocpi_status: number | null
  request_body: string | null
  request_body_truncated: boolean
  response_body: string | null
  response_body_truncated: boolean
}

/** MESSAGE_LOG_ACCEPTED_BODY_LIMIT_BYTES's default. */
const ACCEPTED_LIMIT = 256

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: the message log's body policy (defaults)`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let emsp: ConnectedParty

    beforeAll(async () => {
      hub = await startTestHub(engine)
      cpo = await connectParty(hub, 'CPO', 'NL', 'CPO')
      emsp = await connectParty(hub, 'EMSP', 'DE', 'EMA')
    })
    afterAll(async () => {
      await cpo.platform.close()
      await emsp.platform.close()
      await hub.close()
    })

    /** The entries of one correlation id, once at least `count` of them are written (the writer batches). */
    async function chain(correlationId: string, count: number): Promise<LoggedBodies[]> {
      return eventually(async () => {
        const response = await hub.admin<{ messages: LoggedBodies[] }>(
          'GET',
          `/messages?correlation_id=${correlationId}`,
        )
        expect(response.body.messages.length).toBeGreaterThanOrEqual(count)
        return response.body.messages
      })
    }

    function expectPrefix(kept: string | null, truncated: boolean, full: string): void {
      expect(truncated).toBe(true)
      expect(Buffer.byteLength(kept!)).toBeLessThanOrEqual(ACCEPTED_LIMIT)
      expect(Buffer.byteLength(kept!)).toBeGreaterThan(ACCEPTED_LIMIT - 3)
      expect(full.startsWith(kept!)).toBe(true)
    }

    it('an accepted exchange keeps the first 256 bytes of each body, marked as cut; short bodies whole', async () => {
      const correlationId = `corr-${randomUUID()}`
      const location = aLocation({ id: 'POLICY-1' }, cpo.party)
      const push = await cpo.call('/receiver/locations/NL/CPO/POLICY-1', {
        method: 'PUT',
        body: location,
        headers: { 'x-correlation-id': correlationId },
      })
      expect(push.body.status_code).toBe(1000)

      const [incoming, outgoing] = await chain(correlationId, 2)
      const full = JSON.stringify(location)
      expect(Buffer.byteLength(full)).toBeGreaterThan(ACCEPTED_LIMIT)
      for (const entry of [incoming!, outgoing!]) {
        expect(entry.ocpi_status).toBe(1000)
        expectPrefix(entry.request_body, entry.request_body_truncated, full)
        expect(entry.response_body_truncated).toBe(false)
        expect(JSON.parse(entry.response_body!)).toMatchObject({ status_code: 1000 })
      }
    })

    it('a receiver that refuses: the outbound call keeps its bodies in full', async () => {
      const correlationId = `corr-${randomUUID()}`
      const location = aLocation({ id: 'POLICY-2' }, cpo.party)
      const refusal = {
        data: null,
        status_code: 2001,
        status_message: 'not like this',
        timestamp: new Date(),
      }
      emsp.platform.failNext('PUT', '/2.3.0/receiver/locations/NL/CPO/POLICY-2', 400, refusal)
      await cpo.call('/receiver/locations/NL/CPO/POLICY-2', {
        method: 'PUT',
        body: location,
        headers: { 'x-correlation-id': correlationId },
      })
      // The refused try (a retry may follow, accepted).
      const [incoming, refused] = await chain(correlationId, 2)
      const full = JSON.stringify(location)
      expectPrefix(incoming!.request_body, incoming!.request_body_truncated, full)
      expect(refused).toMatchObject({ direction: 'out', http_status: 400, ocpi_status: 2001 })
      expect(refused!.request_body_truncated).toBe(false)
      expect(JSON.parse(refused!.request_body!)).toEqual(location)
      expect(JSON.parse(refused!.response_body!)).toMatchObject({ status_message: 'not like this' })
    })

    it('a request the hub refuses keeps its bodies in full', async () => {
      const correlationId = `corr-${randomUUID()}`
      const location = aLocation({ id: 'POLICY-OTHER' }, cpo.party)
      // The body's id is not the URL's: refused.
      const response = await cpo.call('/receiver/locations/NL/CPO/POLICY-3', {
        method: 'PUT',
        body: location,
        headers: { 'x-correlation-id': correlationId },
      })
      expect(response.body.status_code).not.toBe(1000)

      const [entry] = await chain(correlationId, 1)
      expect(entry!.request_body_truncated).toBe(false)
      expect(JSON.parse(entry!.request_body!)).toEqual(location)
      expect(JSON.parse(entry!.response_body!)).toMatchObject({ status_code: response.body.status_code })
    })
  })
}
