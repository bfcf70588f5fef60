import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Cdr } from '../../src/modules/cdrs/cdrs.schema.ts'
import { aCdr } from '../fixtures/cdrs.ts'
import { envelope } from '../support/fake-platform.ts'
import { connectParty, type ConnectedParty } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'

const CDRS = '/2.3.0/receiver/cdrs'
/** Overlapping periods: a CDR of 20 March is in both, and must be closed in one document only. */
const OVERLAPPING = [
  { month: '2026-03' },
  { from: '2026-03-15T00:00:00Z', to: '2026-04-15T00:00:00Z' },
] as const
const ROUNDS = 5

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: overlapping periods closed at the same time`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let emsps: ConnectedParty[]

    beforeAll(async () => {
      hub = await startTestHub(engine)
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      // One eMSP per round: each round closes statements of its own.
      emsps = []
      for (let round = 0; round < ROUNDS; round++) {
        const emsp = await connectParty(hub, 'EMSP', 'DE', `EM${round}`)
        emsp.platform.answer('POST', CDRS, (request) => ({
          status: 201,
          body: envelope(null),
          headers: { location: `${emsp.platform.url}${CDRS}/stored/${(request.body as Cdr).id}` },
        }))
        const cdr = aCdr(
          {
            id: `CDR-${round}`,
            start_date_time: '2026-03-20T08:00:00Z',
            end_date_time: '2026-03-20T09:00:00Z',
          },
          cpo.party,
          emsp.party,
        )
        const sent = await cpo.call('/receiver/cdrs', { method: 'POST', body: cdr })
        expect(sent.status, sent.text).toBe(201)
        emsps.push(emsp)
      }
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo, ...(emsps ?? [])].map((party) => party?.platform.close()))
    })

    it('one of them closes, the other is refused (409): no CDR is in two closed documents', async () => {
      for (const emsp of emsps) {
        const party = `${emsp.party.country_code}*${emsp.party.party_id}`
        const answers = await Promise.all(
          OVERLAPPING.map((period) =>
            hub.admin('POST', '/clearing/periods/close', { ...period, emsp: party }),
          ),
        )
        expect(answers.map((answer) => answer.status).sort(), party).toEqual([201, 409])
        const closed = await hub.admin<{ statements: { lines: { cdr_id: string }[] }[] }>(
          'GET',
          `/clearing/statements/closed?month=2026-03&emsp=${party}`,
        )
        expect(
          closed.body.statements.flatMap((statement) => statement.lines.map((line) => line.cdr_id)),
        ).toEqual([`CDR-${emsp.party.party_id.slice(2)}`])
      }
    })
  })
}
