import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Cdr } from '../../src/modules/cdrs/cdrs.schema.ts'
import { aCdr } from '../fixtures/cdrs.ts'
import { envelope } from '../support/fake-platform.ts'
import { call } from '../support/http.ts'
import { connectParty, type ConnectedParty } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'

const CDRS = '/2.3.0/receiver/cdrs'

interface Statement {
  id: string | null
  cpo: { party_id: string }
  emsp: { party_id: string }
  currency: string
  figures: { sessions: number; amount_excl_vat: number }
  lines: { cdr_id: string }[]
}
interface Envelope<T> {
  status_code: number
  status_message?: string
  data: T
}
interface Analytics {
  party: { party_id: string }
  as_cpo: { sessions: number } | null
  as_emsp: { sessions: number; top_partners: { party: { party_id: string } }[] } | null
}

/** Which CDRs each CPO sends to which eMSP in March 2026, and their amounts before taxes. */
const TRAFFIC = [
  { id: 'CP1-EM1-A', cpo: 'CP1', emsp: 'EM1', excl: 10 },
  { id: 'CP1-EM1-B', cpo: 'CP1', emsp: 'EM1', excl: 20.5 },
  { id: 'CP1-EM2-A', cpo: 'CP1', emsp: 'EM2', excl: 7.25 },
  { id: 'CP2-EM1-A', cpo: 'CP2', emsp: 'EM1', excl: 3 },
] as const

const pair = (s: Statement) => `${s.cpo.party_id}>${s.emsp.party_id}`

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: parties read their own clearing, nothing of another's`, () => {
    let hub: TestHub
    const parties = new Map<string, ConnectedParty>()
    const party = (name: string) => parties.get(name)!
    const closedIds = new Map<string, string>()

    /** A hub extension route of the clearing, called with the party's OCPI token. */
    const read = <T>(name: string, path: string) =>
      call<Envelope<T>>(`${hub.url}/ocpi/hub/clearing${path}`, { token: party(name).platform.tokenToHub })

    beforeAll(async () => {
      hub = await startTestHub(engine, { CLEARING_FEE_PERCENT: '2', CLEARING_FEE_PER_CDR: '0.1' })
      for (const [name, role, country] of [
        ['CP1', 'CPO', 'NL'],
        ['CP2', 'CPO', 'NL'],
        ['EM1', 'EMSP', 'DE'],
        ['EM2', 'EMSP', 'DE'],
      ] as const) {
        parties.set(name, await connectParty(hub, role, country, name))
      }
      for (const emsp of [party('EM1'), party('EM2')]) {
        emsp.platform.answer('POST', CDRS, (request) => ({
          status: 201,
          body: envelope(null),
          headers: { location: `${emsp.platform.url}${CDRS}/stored/${(request.body as Cdr).id}` },
        }))
      }
      for (const { id, cpo, emsp, excl } of TRAFFIC) {
        const cdr = aCdr(
          { id, total_cost: { before_taxes: excl, taxes: [] } },
          party(cpo).party,
          party(emsp).party,
        )
        const sent = await party(cpo).call('/receiver/cdrs', { method: 'POST', body: cdr })
        expect(sent.status, sent.text).toBe(201)
      }
      const closed = await hub.admin<{ statements: Statement[] }>('POST', '/clearing/periods/close', {
        month: '2026-03',
      })
      expect(closed.status, closed.text).toBe(201)
      for (const statement of closed.body.statements) closedIds.set(pair(statement), statement.id!)
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([...parties.values()].map((p) => p.platform.close()))
    })

    it.each([
      ['CP1', ['CP1>EM1', 'CP1>EM2']],
      ['CP2', ['CP2>EM1']],
      ['EM1', ['CP1>EM1', 'CP2>EM1']],
      ['EM2', ['CP1>EM2']],
    ])('%s reads the statements it is the CPO or the eMSP of, with their lines', async (name, pairs) => {
      for (const path of ['/statements?month=2026-03', '/statements/closed?month=2026-03']) {
        const answer = await read<Statement[]>(name, path)
        expect(answer.status, answer.text).toBe(200)
        expect(answer.body.status_code).toBe(1000)
        expect(answer.body.data.map(pair).sort(), path).toEqual(pairs)
        for (const statement of answer.body.data) {
          const sent = TRAFFIC.filter((cdr) => `${cdr.cpo}>${cdr.emsp}` === pair(statement))
          expect(statement.lines.map((line) => line.cdr_id).sort()).toEqual(sent.map((cdr) => cdr.id).sort())
          expect(statement.figures.sessions).toBe(sent.length)
          expect(statement.figures.amount_excl_vat).toBe(sent.reduce((sum, cdr) => sum + cdr.excl, 0))
        }
      }
    })

    it('a closed statement is read by its CPO and its eMSP, as JSON and CSV; to anyone else it is unknown', async () => {
      const id = closedIds.get('CP1>EM1')!
      for (const name of ['CP1', 'EM1']) {
        const answer = await read<Statement>(name, `/statements/${id}`)
        expect(answer.status, answer.text).toBe(200)
        expect(answer.body.data.id).toBe(id)
      }
      const csv = await read('EM1', `/statements/${id}?format=csv`)
      expect(csv.status).toBe(200)
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/)
      expect(csv.text).toContain('CP1-EM1-B')
      expect(csv.text).not.toContain('CP1-EM2-A')
      for (const name of ['CP2', 'EM2']) {
        const answer = await read(name, `/statements/${id}`)
        expect({ http: answer.status, status: answer.body.status_code }, answer.text).toEqual({
          http: 404,
          status: 2001,
        })
        expect(answer.text).not.toContain('CP1-EM1')
        const pdf = await read(name, `/statements/${id}?format=pdf`)
        expect(pdf.status).toBe(404)
      }
      const unknown = await read('EM1', '/statements/no-such-statement')
      expect(unknown.status).toBe(404)
    })

    it("a CPO reads the hub's invoice to it; an eMSP has none; another party's is unknown", async () => {
      const invoices = await read<{ party: { party_id: string }; currency: string; total: number }[]>(
        'CP1',
        '/invoices?month=2026-03',
      )
      expect(invoices.status, invoices.text).toBe(200)
      // 2 % of the CDRs' amounts and 0.10 per CDR.
      const own = TRAFFIC.filter((cdr) => cdr.cpo === 'CP1')
      const expected = own.reduce((sum, cdr) => sum + cdr.excl * 0.02 + 0.1, 0)
      expect(invoices.body.data.map((invoice) => invoice.party.party_id)).toEqual(['CP1'])
      expect(invoices.body.data[0]!.total).toBeCloseTo(expected, 4)
      const csv = await read('CP1', '/invoices?month=2026-03&format=csv')
      expect(csv.text).toContain('NL*CP1')
      expect(csv.text).not.toContain('NL*CP2')
      expect((await read<unknown[]>('EM1', '/invoices?month=2026-03')).body.data).toEqual([])
      const other = await read('CP2', '/invoices?month=2026-03&party=NL*CP1')
      expect({ http: other.status, status: other.body.status_code }, other.text).toEqual({
        http: 404,
        status: 2001,
      })
    })

    it('analytics are of the caller’s own parties, in the roles it holds them', async () => {
      const emsp = await read<Analytics[]>('EM1', '/analytics?month=2026-03')
      expect(emsp.status, emsp.text).toBe(200)
      expect(emsp.body.data.map((entry) => entry.party.party_id)).toEqual(['EM1'])
      expect(emsp.body.data[0]!.as_cpo).toBeNull()
      expect(emsp.body.data[0]!.as_emsp!.sessions).toBe(3)
      expect(emsp.body.data[0]!.as_emsp!.top_partners.map((p) => p.party.party_id).sort()).toEqual([
        'CP1',
        'CP2',
      ])
      const cpo = await read<Analytics[]>('CP1', '/analytics?month=2026-03&party=nl*cp1')
      expect(cpo.body.data[0]!.as_cpo!.sessions).toBe(3)
      expect(cpo.body.data[0]!.as_emsp).toBeNull()
      const other = await read('EM2', '/analytics?month=2026-03&party=DE*EM1')
      expect({ http: other.status, status: other.body.status_code }, other.text).toEqual({
        http: 404,
        status: 2001,
      })
    })

    it('a request without a period, or without a registered token, is refused', async () => {
      const noPeriod = await read('EM1', '/statements')
      expect({ http: noPeriod.status, status: noPeriod.body.status_code }).toEqual({
        http: 200,
        status: 2001,
      })
      const anonymous = await call(`${hub.url}/ocpi/hub/clearing/statements?month=2026-03`)
      expect(anonymous.status).toBe(401)
    })
  })
}
