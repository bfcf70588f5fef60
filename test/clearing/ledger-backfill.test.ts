import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Cdr } from '../../src/modules/cdrs/cdrs.schema.ts'
import { aCdr } from '../fixtures/cdrs.ts'
import { envelope } from '../support/fake-platform.ts'
import { connectParty, type ConnectedParty } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'

const CDRS = '/2.3.0/receiver/cdrs'
const CPO_SENDER = '/2.3.0/sender/cdrs'

interface Statement {
  figures: { sessions: number; amount_excl_vat: number; energy_kwh: number }
  lines: { cdr_id: string }[]
}
interface Backfill {
  added: number
  unavailable: { cdr_id: string; reason: string }[]
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: CDRs delivered before the ledger existed are entered by the backfill, once`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let emsp: ConnectedParty
    /** What the eMSP keeps at the Location it answered, by CDR id. */
    const kept = new Map<string, Cdr>()
    const live = () =>
      aCdr({ id: 'LIVE-1', total_cost: { before_taxes: 12.5, taxes: [] } }, cpo.party, emsp.party)
    const old = () =>
      aCdr(
        { id: 'OLD-1', total_energy: 33, total_cost: { before_taxes: 4.75, taxes: [] } },
        cpo.party,
        emsp.party,
      )

    /** A CDR the hub delivered before migration 0017: its route is stored, its ledger entry is not. */
    async function deliveredBeforeTheLedger(cdrId: string, hubId: string): Promise<void> {
      await hub.testStore.store.db
        .insertInto('cdr_routes')
        .values({
          cpo_country_code: cpo.party.country_code,
          cpo_party_id: cpo.party.party_id,
          cdr_id: cdrId,
          hub_id: hubId,
          emsp_country_code: emsp.party.country_code,
          emsp_party_id: emsp.party.party_id,
          receiver_location: `${emsp.platform.url}${CDRS}/stored/${cdrId}`,
        })
        .execute()
    }
    /** The eMSP no longer holds it; its CPO still lists it on its CDRs Sender. */
    const atCpoOnly = () =>
      aCdr(
        { id: 'OLD-AT-CPO', total_energy: 7, total_cost: { before_taxes: 2.5, taxes: [] } },
        cpo.party,
        emsp.party,
      )
    const statements = async () => {
      const response = await hub.admin<{ statements: Statement[] }>(
        'GET',
        '/clearing/statements?month=2026-03',
      )
      expect(response.status, response.text).toBe(200)
      return response.body.statements
    }
    const backfill = async () => {
      const response = await hub.admin<Backfill>('POST', '/clearing/backfill')
      expect(response.status, response.text).toBe(200)
      return response.body
    }

    beforeAll(async () => {
      hub = await startTestHub(engine)
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1')
      emsp.platform.answer('POST', CDRS, (request) => {
        const cdr = request.body as Cdr
        kept.set(cdr.id, cdr)
        return {
          status: 201,
          body: envelope(null),
          headers: { location: `${emsp.platform.url}${CDRS}/stored/${cdr.id}` },
        }
      })
      for (const id of ['LIVE-1', 'OLD-1']) {
        emsp.platform.answer('GET', `${CDRS}/stored/${id}`, () => ({
          status: 200,
          body: envelope(kept.get(id)),
        }))
      }
      // The eMSP no longer has this one.
      emsp.platform.answer('GET', `${CDRS}/stored/OLD-GONE`, () => ({
        status: 404,
        body: envelope(null, 2003, 'unknown CDR'),
      }))
      emsp.platform.answer('GET', `${CDRS}/stored/OLD-AT-CPO`, () => ({
        status: 404,
        body: envelope(null, 2003, 'unknown CDR'),
      }))
      cpo.platform.answer('GET', CPO_SENDER, () => ({ status: 200, body: envelope([atCpoOnly()]) }))
      const sent = await cpo.call('/receiver/cdrs', { method: 'POST', body: live() })
      expect(sent.status, sent.text).toBe(201)
      kept.set('OLD-1', old())
      await deliveredBeforeTheLedger('OLD-1', 'pre-0017-old-1')
      await deliveredBeforeTheLedger('OLD-GONE', 'pre-0017-old-gone')
      await deliveredBeforeTheLedger('OLD-AT-CPO', 'pre-0017-old-at-cpo')
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo, emsp].map((party) => party?.platform.close()))
    })

    it('a CDR delivered before the ledger is not in the statements until the backfill enters it', async () => {
      const [before] = await statements()
      expect(before!.lines.map((line) => line.cdr_id)).toEqual(['LIVE-1'])

      const outcome = await backfill()
      expect(outcome.added).toBe(2)
      expect(outcome.unavailable.map((entry) => entry.cdr_id)).toEqual(['OLD-GONE'])
      expect(outcome.unavailable[0]!.reason).toContain('2003')
      expect(outcome.unavailable[0]!.reason).toContain('its CDRs Sender does not list it')

      const [after] = await statements()
      expect(after!.lines.map((line) => line.cdr_id).sort()).toEqual(['LIVE-1', 'OLD-1', 'OLD-AT-CPO'])
      expect(after!.figures.sessions).toBe(3)
      expect(after!.figures.amount_excl_vat).toBe(12.5 + 4.75 + 2.5)
      expect(after!.figures.energy_kwh).toBe(live().total_energy + 33 + 7)
      // The CPO's list was read once, as the eMSP reads it through the hub.
      const [listed] = cpo.platform.requestsTo('GET', CPO_SENDER)
      expect(cpo.platform.requestsTo('GET', CPO_SENDER)).toHaveLength(1)
      expect(listed!.headers['ocpi-from-party-id']).toBe('EM1')
    })

    it('running it again adds nothing and changes no statement; the one still missing is asked for again', async () => {
      const before = await statements()
      const again = await backfill()
      expect(again.added).toBe(0)
      expect(again.unavailable.map((entry) => entry.cdr_id)).toEqual(['OLD-GONE'])
      expect(await statements()).toEqual(before)
      expect(emsp.platform.requestsTo('GET', `${CDRS}/stored/OLD-1`)).toHaveLength(1)
      expect(emsp.platform.requestsTo('GET', `${CDRS}/stored/LIVE-1`)).toHaveLength(0)
      expect(emsp.platform.requestsTo('GET', `${CDRS}/stored/OLD-GONE`)).toHaveLength(2)
    })
  })
}
