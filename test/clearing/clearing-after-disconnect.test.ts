import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Cdr } from '../../src/modules/cdrs/cdrs.schema.ts'
import { aCdr } from '../fixtures/cdrs.ts'
import { aLocation } from '../fixtures/locations.ts'
import { envelope } from '../support/fake-platform.ts'
import { call } from '../support/http.ts'
import { connectParty, eventually, type ConnectedParty } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'

const CDRS = '/2.3.0/receiver/cdrs'

interface Statement {
  id: string | null
  cpo: { party_id: string }
  emsp: { party_id: string }
  lines: { cdr_id: string }[]
}
interface Envelope<T> {
  status_code: number
  data: T
}

const pair = (s: Statement) => `${s.cpo.party_id}>${s.emsp.party_id}`

/** A party whose platform stopped answering, or unregistered, still reads its own clearing (decision 0033). */
for (const engine of STORE_VARIANTS) {
  describe(`${engine}: clearing of an OFFLINE or unregistered platform`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let emsp: ConnectedParty
    let closedId: string

    const read = <T>(party: ConnectedParty, path: string) =>
      call<Envelope<T>>(`${hub.url}/ocpi/hub/clearing${path}`, { token: party.platform.tokenToHub })

    beforeAll(async () => {
      // One failed push marks a receiver OFFLINE.
      hub = await startTestHub(engine, { DELIVERY_OFFLINE_AFTER_FAILURES: '1' })
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1')
      emsp.platform.answer('POST', CDRS, (request) => ({
        status: 201,
        body: envelope(null),
        headers: { location: `${emsp.platform.url}${CDRS}/stored/${(request.body as Cdr).id}` },
      }))
      const cdr = aCdr({ id: 'CDR-OFF-1' }, cpo.party, emsp.party)
      const sent = await cpo.call('/receiver/cdrs', { method: 'POST', body: cdr })
      expect(sent.status, sent.text).toBe(201)
      const closed = await hub.admin<{ statements: Statement[] }>('POST', '/clearing/periods/close', {
        month: '2026-03',
      })
      expect(closed.status, closed.text).toBe(201)
      closedId = closed.body.statements[0]!.id!
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo, emsp].map((party) => party?.platform.close()))
    })

    it('an eMSP whose platform went OFFLINE reads its statements', async () => {
      emsp.platform.setDown(true)
      const put = await cpo.call('/receiver/locations/NL/CP1/LOC-OFF', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-OFF' }, cpo.party),
      })
      expect(put.status, put.text).toBe(201)
      await eventually(async () => {
        const platform = await hub.admin<{ status: string }>('GET', `/platforms/${emsp.platformId}`)
        expect(platform.body.status).toBe('OFFLINE')
      })
      for (const path of ['/statements?month=2026-03', '/statements/closed?month=2026-03']) {
        const answer = await read<Statement[]>(emsp, path)
        expect(answer.status, answer.text).toBe(200)
        expect(answer.body.data.map(pair), path).toEqual(['CP1>EM1'])
      }
    })

    it('a CPO that unregistered reads its clearing with its last token, and nothing else', async () => {
      const unregistered = await cpo.call('/credentials', { method: 'DELETE' })
      expect(unregistered.status, unregistered.text).toBe(200)
      for (const path of ['/statements?month=2026-03', '/statements/closed?month=2026-03']) {
        const answer = await read<Statement[]>(cpo, path)
        expect(answer.status, answer.text).toBe(200)
        expect(answer.body.data.map(pair), path).toEqual(['CP1>EM1'])
        expect(answer.body.data[0]!.lines.map((line) => line.cdr_id)).toEqual(['CDR-OFF-1'])
      }
      const closed = await read<Statement>(cpo, `/statements/${closedId}?format=csv`)
      expect(closed.status, closed.text).toBe(200)
      expect(closed.text).toContain('CDR-OFF-1')
      const invoices = await read<{ party: { party_id: string } }[]>(cpo, '/invoices?month=2026-03')
      expect(invoices.body.data.map((invoice) => invoice.party.party_id)).toEqual(['CP1'])
      // Everywhere else the token is unknown, as before: no module, no versions, no credentials.
      for (const path of ['/sender/locations', '/credentials', '']) {
        const refused = await cpo.call(path)
        expect(refused.status, path).toBe(401)
      }
      const versions = await call(`${hub.url}/ocpi/versions`, { token: cpo.platform.tokenToHub })
      expect(versions.status).toBe(401)
      const update = await cpo.call('/credentials', { method: 'PUT', body: {} })
      expect(update.status).toBe(401)
    })

    it('once another platform holds its ids in that role, their clearing is the new holder’s', async () => {
      const successor = await connectParty(hub, 'CPO', 'NL', 'CP1')
      try {
        const own = await read<Statement[]>(successor, '/statements?month=2026-03')
        expect(own.body.data.map(pair)).toEqual(['CP1>EM1'])
        const former = await read<Statement[]>(cpo, '/statements?month=2026-03')
        expect(former.status, former.text).toBe(200)
        expect(former.body.data).toEqual([])
      } finally {
        await successor.platform.close()
      }
    })
  })
}
