import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Cdr } from '../../src/modules/cdrs/cdrs.schema.ts'
import { aCdr } from '../fixtures/cdrs.ts'
import { aLocation, anEvse } from '../fixtures/locations.ts'
import { aToken } from '../fixtures/tokens.ts'
import { envelope } from '../support/fake-platform.ts'
import { createOperator, signIn } from '../support/operator-session.ts'
import { connectParty, type ConnectedParty } from '../support/roaming-network.ts'
import { pdfText } from '../support/pdf-text.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../support/test-hub.ts'

const CDRS = '/2.3.0/receiver/cdrs'
const FEE_PERCENT = 1.5
const FEE_PER_CDR = 0.05
/** Free below 2 EVSEs; the CPO has 2 live EVSEs (and a REMOVED one): 25 EUR. */
const MEMBERSHIP_TIERS = '0:0,2:25,10:80'
const MEMBERSHIP_FEE = 25

interface Figures {
  sessions: number
  credit_cdrs: number
  energy_kwh: number
  amount_excl_vat: number
  tax_amount: number
  amount_incl_vat: number
  disputed_lines: number
  disputed_amount_excl_vat: number
}
interface Statement {
  id: string | null
  status: string
  cpo: { country_code: string; party_id: string }
  emsp: { country_code: string; party_id: string }
  currency: string
  corrects_id: string | null
  agreement_id: string | null
  figures: Figures
  lines: { cdr_id: string; dispute: unknown }[]
}
interface Invoice {
  party: { party_id: string }
  currency: string
  total: number
  lines: { description: string; cdrs: number; amount: number }[]
}

/** Deterministic amounts in cents, so the test's own sums are exact. */
function* amounts(seed: number): Generator<number> {
  let state = seed
  for (;;) {
    state = (state * 1103515245 + 12345) % 2147483648
    yield 500 + (state % 4000)
  }
}

/** What the test expects, summed in cents and milli-kWh independently of the hub. */
interface Expected {
  sessions: number
  credits: number
  energyMilli: number
  exclCents: number
  taxCents: number
}

const groupKey = (emsp: string, currency: string) => `${emsp}/${currency}`
const cents = (value: number) => Math.round(value * 100)

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: clearing a month of CDRs`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let emsps: ConnectedParty[]
    const expected = new Map<string, Expected>()
    const sent: Cdr[] = []

    function expect_(emsp: ConnectedParty, currency: string): Expected {
      const key = groupKey(emsp.party.party_id, currency)
      const found = expected.get(key) ?? {
        sessions: 0,
        credits: 0,
        energyMilli: 0,
        exclCents: 0,
        taxCents: 0,
      }
      expected.set(key, found)
      return found
    }

    async function send(cdr: Cdr): Promise<void> {
      const response = await cpo.call('/receiver/cdrs', { method: 'POST', body: cdr })
      expect(response.status, response.text).toBe(201)
      sent.push(cdr)
    }

    function aPricedCdr(id: string, day: number, emsp: ConnectedParty, currency: string, excl: number): Cdr {
      const tax = Math.round(excl * 0.21)
      const energyMilli = 5000 + (excl % 30) * 1000
      const date = (hour: number) =>
        `2026-03-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00Z`
      return aCdr(
        {
          id,
          currency,
          start_date_time: date(8),
          end_date_time: date(10),
          total_energy: energyMilli / 1000,
          total_time: 2,
          total_cost: {
            before_taxes: excl / 100,
            taxes: [{ name: 'VAT', percentage: 21, amount: tax / 100 }],
          },
        },
        cpo.party,
        emsp.party,
      )
    }

    beforeAll(async () => {
      hub = await startTestHub(engine, {
        CLEARING_FEE_PERCENT: String(FEE_PERCENT),
        CLEARING_FEE_PER_CDR: String(FEE_PER_CDR),
        CLEARING_MEMBERSHIP_TIERS: MEMBERSHIP_TIERS,
      })
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      emsps = [await connectParty(hub, 'EMSP', 'DE', 'EM1'), await connectParty(hub, 'EMSP', 'CH', 'EM2')]
      for (const emsp of emsps) {
        emsp.platform.answer('POST', CDRS, (request) => ({
          status: 201,
          body: envelope(null),
          headers: { location: `${emsp.platform.url}${CDRS}/stored/${(request.body as Cdr).id}` },
        }))
      }
      const location = aLocation({}, cpo.party)
      location.evses = [...location.evses!, anEvse('EVSE-C', { status: 'REMOVED' }, cpo.party)]
      const put = await cpo.call(`/receiver/locations/NL/CP1/${location.id}`, {
        method: 'PUT',
        body: location,
      })
      expect(put.status, put.text).toBeLessThan(300)
      // A month of CDRs: EM1 in EUR, EM2 in EUR and CHF.
      const next = amounts(7)
      for (let day = 1; day <= 30; day++) {
        const emsp = emsps[day % 2]!
        const currency = day % 2 === 1 && day % 3 === 0 ? 'CHF' : 'EUR'
        const excl = next.next().value as number
        const cdr = aPricedCdr(`CDR-${day}`, day, emsp, currency, excl)
        await send(cdr)
        const sums = expect_(emsp, currency)
        sums.sessions++
        sums.energyMilli += Math.round(cdr.total_energy * 1000)
        sums.exclCents += excl
        sums.taxCents += cents(cdr.total_cost.taxes![0]!.amount)
      }
      // A credit CDR for CDR-4 (EM1, EUR): same data, negated costs.
      const original = sent.find((c) => c.id === 'CDR-4')!
      const credit: Cdr = {
        ...original,
        id: 'CDR-4-C',
        credit: true,
        credit_reference_id: 'CDR-4',
        total_cost: {
          before_taxes: -original.total_cost.before_taxes,
          taxes: [{ name: 'VAT', percentage: 21, amount: -original.total_cost.taxes![0]!.amount }],
        },
      }
      await send(credit)
      const sums = expect_(emsps[0]!, 'EUR')
      sums.sessions--
      sums.credits++
      sums.energyMilli -= Math.round(original.total_energy * 1000)
      sums.exclCents -= cents(original.total_cost.before_taxes)
      sums.taxCents -= cents(original.total_cost.taxes![0]!.amount)
      // Outside the month: never on its statements.
      await send(
        aCdr(
          { id: 'CDR-APRIL', start_date_time: '2026-04-01T08:00:00Z', end_date_time: '2026-04-01T09:00:00Z' },
          cpo.party,
          emsps[0]!.party,
        ),
      )
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo, ...(emsps ?? [])].filter(Boolean).map((p) => p.platform.close()))
    })

    const statementsOf = async (path = '/clearing/statements?month=2026-03') => {
      const response = await hub.admin<{ statements: Statement[] }>('GET', path)
      expect(response.status, response.text).toBe(200)
      return response.body.statements
    }
    const find = (statements: Statement[], emsp: string, currency: string) =>
      statements.find((s) => s.emsp.party_id === emsp && s.currency === currency)

    it('statements per eMSP and currency add up to the sums of the CDRs sent, the credit CDR netted', async () => {
      const statements = await statementsOf()
      expect(statements.map((s) => groupKey(s.emsp.party_id, s.currency)).sort()).toEqual(
        [...expected.keys()].sort(),
      )
      expect(new Set(expected.keys()).size).toBe(3)
      for (const statement of statements) {
        const sums = expected.get(groupKey(statement.emsp.party_id, statement.currency))!
        expect(statement.status).toBe('OPEN')
        expect(statement.figures.sessions).toBe(sums.sessions)
        expect(statement.figures.credit_cdrs).toBe(sums.credits)
        expect(Math.round(statement.figures.energy_kwh * 1000)).toBe(sums.energyMilli)
        expect(cents(statement.figures.amount_excl_vat)).toBe(sums.exclCents)
        expect(cents(statement.figures.tax_amount)).toBe(sums.taxCents)
        expect(cents(statement.figures.amount_incl_vat)).toBe(sums.exclCents + sums.taxCents)
      }
      expect(statements.flatMap((s) => s.lines.map((l) => l.cdr_id))).not.toContain('CDR-APRIL')
      const token = aToken({}, emsps[0]!.party)
      const text = JSON.stringify(statements)
      expect(text).not.toContain(token.uid)
      expect(text).not.toContain(token.contract_id)
    })

    it('a statement names the roaming agreement of its CPO and eMSP once one was accepted; a proposal is not one', async () => {
      const created = await hub.admin<{ id: string }>('POST', '/agreements', {
        cpo: { country_code: 'NL', party_id: 'CP1' },
        emsp: { country_code: 'DE', party_id: 'EM1' },
      })
      expect(created.status, created.text).toBe(201)
      const proposed = await statementsOf()
      expect(proposed.map((statement) => statement.agreement_id)).toEqual(proposed.map(() => null))
      expect((await hub.admin('POST', `/agreements/${created.body.id}/accept`)).status).toBe(200)
      const statements = await statementsOf()
      for (const statement of statements) {
        expect(statement.agreement_id, `${statement.emsp.party_id} ${statement.currency}`).toBe(
          statement.emsp.party_id === 'EM1' ? created.body.id : null,
        )
      }
    })

    it('a disputed line is counted as disputed until resolved; the audit log has it', async () => {
      const disputed = await hub.admin('PUT', '/clearing/cdrs/NL*CP1/CDR-5/dispute', {
        reason: 'energy too high',
      })
      expect(disputed.status, disputed.text).toBe(200)
      const line = sent.find((c) => c.id === 'CDR-5')!
      const emsp = line.cdr_token.party_id
      const statement = find(await statementsOf(), emsp, line.currency)!
      expect(statement.figures.disputed_lines).toBe(1)
      expect(cents(statement.figures.disputed_amount_excl_vat)).toBe(cents(line.total_cost.before_taxes))

      const resolvingUndisputed = await hub.admin('PUT', '/clearing/cdrs/NL*CP1/CDR-6/dispute', {
        resolution: 'ok',
      })
      expect(resolvingUndisputed.status).toBe(400)
      const unknown = await hub.admin('PUT', '/clearing/cdrs/NL*CP1/NOPE/dispute', { reason: 'x' })
      expect(unknown.status).toBe(404)

      const audit = await hub.admin<{ entries: { action: string; target: string }[] }>('GET', '/audit')
      expect(audit.body.entries).toContainEqual(
        expect.objectContaining({ action: 'dispute-cdr', target: 'cdr:NL*CP1/CDR-5' }),
      )
    })

    it("the hub's invoices charge the CPO its membership tier and each statement's transaction fee", async () => {
      const response = await hub.admin<{ invoices: Invoice[] }>('GET', '/clearing/invoices?month=2026-03')
      expect(response.status, response.text).toBe(200)
      const byCurrency = new Map(response.body.invoices.map((i) => [i.currency, i]))
      expect([...byCurrency.keys()].sort()).toEqual(['CHF', 'EUR'])
      for (const [currency, invoice] of byCurrency) {
        expect(invoice.party.party_id).toBe('CP1')
        let total = 0
        for (const [key, sums] of expected) {
          if (!key.endsWith(`/${currency}`)) continue
          // In ten-thousandths: percent of the cents, plus the fixed fee per net session.
          total += Math.round(sums.exclCents * FEE_PERCENT) + sums.sessions * FEE_PER_CDR * 10_000
        }
        if (currency === 'EUR') {
          expect(invoice.lines[0]).toEqual({
            description: 'Membership, 2 EVSEs',
            cdrs: 0,
            basis_excl_vat: 0,
            amount: MEMBERSHIP_FEE,
          })
          total += MEMBERSHIP_FEE * 10_000
        }
        expect(Math.round(invoice.total * 10_000)).toBe(total)
      }
      const csv = await hub.admin('GET', '/clearing/invoices?month=2026-03&format=csv')
      const rows = parse<Record<string, string>>(csv.text, { columns: true })
      for (const invoice of byCurrency.values()) {
        const totalRow = rows.find((r) => r['description'] === 'TOTAL' && r['currency'] === invoice.currency)
        expect(Number(totalRow!['amount'])).toBe(invoice.total)
      }
    })

    it('the CSV parses back to the same figures; the PDF is a PDF showing the totals', async () => {
      const statements = await statementsOf()
      const csv = await hub.admin('GET', '/clearing/statements?month=2026-03&format=csv')
      expect(csv.status).toBe(200)
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/)
      const rows = parse<Record<string, string>>(csv.text, { columns: true })
      for (const statement of statements) {
        const ofStatement = rows.filter(
          (r) =>
            r['emsp'] === `${statement.emsp.country_code}*${statement.emsp.party_id}` &&
            r['currency'] === statement.currency,
        )
        const total = ofStatement.find((r) => r['row'] === 'TOTAL')!
        expect(Number(total['amount_excl_vat'])).toBe(statement.figures.amount_excl_vat)
        expect(Number(total['tax_amount'])).toBe(statement.figures.tax_amount)
        expect(Number(total['amount_incl_vat'])).toBe(statement.figures.amount_incl_vat)
        expect(Number(total['energy_kwh'])).toBe(statement.figures.energy_kwh)
        expect(Number(total['sessions'])).toBe(statement.figures.sessions)
        const lines = ofStatement.filter((r) => r['row'] === 'LINE')
        expect(lines.map((r) => r['cdr_id'])).toEqual(statement.lines.map((l) => l.cdr_id))
        const lineSum = lines.reduce((sum, r) => sum + cents(Number(r['amount_excl_vat'])), 0)
        expect(lineSum).toBe(cents(statement.figures.amount_excl_vat))
      }

      const response = await fetch(`${hub.url}/admin/clearing/statements?month=2026-03&format=pdf`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      })
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('application/pdf')
      const pdf = Buffer.from(await response.arrayBuffer())
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-')
      const text = pdfText(pdf)
      for (const statement of statements) {
        expect(text).toContain(`incl. VAT ${statement.figures.amount_incl_vat}`)
      }
    })

    it("a party's analytics: per Location sessions by hour and utilisation, top partners; the network's name nobody", async () => {
      const credited = new Set(sent.filter((c) => c.credit).map((c) => c.credit_reference_id))
      const counted = sent.filter(
        (c) => !c.credit && !credited.has(c.id) && c.end_date_time.startsWith('2026-03'),
      )
      const response = await hub.admin<{
        as_cpo: {
          sessions: number
          locations: {
            location_id: string
            sessions: number
            sessions_by_hour: number[]
            evses: number
            utilisation: number
          }[]
          top_partners: { party: { party_id: string }; sessions: number; share: number }[]
        }
        as_emsp: { sessions: number }
      }>('GET', '/clearing/analytics/parties/NL*CP1?month=2026-03')
      expect(response.status, response.text).toBe(200)
      const { as_cpo: asCpo, as_emsp: asEmsp } = response.body
      expect(asCpo.sessions).toBe(counted.length)
      expect(asEmsp.sessions).toBe(0)
      const [location, ...others] = asCpo.locations
      expect(others).toEqual([])
      expect(location!.location_id).toBe(counted[0]!.cdr_location.id)
      expect(location!.sessions_by_hour[8]).toBe(counted.length)
      expect(location!.evses).toBe(2)
      const hours = counted.reduce((sum, c) => sum + c.total_time, 0)
      expect(location!.utilisation).toBeCloseTo(hours / (2 * 31 * 24), 4)
      for (const partner of asCpo.top_partners) {
        const sessions = counted.filter((c) => c.cdr_token.party_id === partner.party.party_id).length
        expect(partner.sessions).toBe(sessions)
        expect(partner.share).toBeCloseTo(sessions / counted.length, 4)
      }
      expect(asCpo.top_partners.map((p) => p.party.party_id).sort()).toEqual(['EM1', 'EM2'])

      const emsp = await hub.admin<{ as_emsp: { sessions: number } }>(
        'GET',
        '/clearing/analytics/parties/DE*EM1?month=2026-03',
      )
      expect(emsp.body.as_emsp.sessions).toBe(counted.filter((c) => c.cdr_token.party_id === 'EM1').length)

      const network = await hub.admin<{ sessions: number; active_cpos: number; active_emsps: number }>(
        'GET',
        '/clearing/analytics/network?month=2026-03',
      )
      expect(network.status).toBe(200)
      expect(network.body).toMatchObject({ sessions: counted.length, active_cpos: 1, active_emsps: 2 })
      for (const name of ['CP1', 'EM1', 'EM2', counted[0]!.cdr_location.id, counted[0]!.cdr_token.uid]) {
        expect(network.text).not.toContain(name)
      }
    })

    it('a viewer reads statements, invoices and analytics, and closes or disputes nothing (403)', async () => {
      await createOperator(hub, 'vic.viewer@example.com', 'viewer passphrase 0002', 'viewer')
      const viewer = await signIn(hub.url, 'vic.viewer@example.com', 'viewer passphrase 0002')
      for (const path of [
        '/clearing/statements?month=2026-03',
        '/clearing/statements/closed?month=2026-03',
        '/clearing/invoices?month=2026-03&format=csv',
        '/clearing/analytics/network?month=2026-03',
      ]) {
        const read = await viewer.call('GET', path)
        expect(read.status, `${path}: ${read.text}`).toBe(200)
      }
      const changes: [string, string, unknown][] = [
        ['POST', '/clearing/periods/close', { month: '2026-03' }],
        ['PUT', '/clearing/cdrs/NL*CP1/CDR-6/dispute', { reason: 'viewer' }],
      ]
      for (const [method, path, body] of changes) {
        const refused = await viewer.call(method, path, body)
        expect(refused.status, `${method} ${path}`).toBe(403)
      }
      const statements = await statementsOf('/clearing/statements/closed?month=2026-03')
      expect(statements).toEqual([])
      const line = (await statementsOf()).flatMap((s) => s.lines).find((l) => l.cdr_id === 'CDR-6')
      expect(line).toMatchObject({ dispute: null })
    })

    it('closing the month makes its statements immutable; a correction is a new document naming the old one', async () => {
      const before = await statementsOf()
      const closed = await hub.admin<{ statements: Statement[] }>('POST', '/clearing/periods/close', {
        month: '2026-03',
      })
      expect(closed.status, closed.text).toBe(201)
      expect(closed.body.statements).toHaveLength(before.length)
      for (const statement of closed.body.statements) {
        expect(statement.status).toBe('CLOSED')
        expect(statement.figures).toEqual(find(before, statement.emsp.party_id, statement.currency)!.figures)
      }

      const again = await hub.admin<{ detail: string }>('POST', '/clearing/periods/close', {
        month: '2026-03',
      })
      expect(again.status).toBe(409)
      expect(again.text).toContain('closed already')
      const overlapping = await hub.admin('POST', '/clearing/periods/close', {
        from: '2026-03-15T00:00:00Z',
        to: '2026-04-15T00:00:00Z',
      })
      expect(overlapping.status).toBe(409)
      const noPeriod = await hub.admin('POST', '/clearing/periods/close', {
        month: '2026-03',
        from: '2026-03-01T00:00:00Z',
      })
      expect(noPeriod.status).toBe(400)
      const stored = await hub.testStore.store.db.selectFrom('clearing_statements').select('id').execute()
      expect(stored).toHaveLength(closed.body.statements.length)
      const dispute = await hub.admin('PUT', '/clearing/cdrs/NL*CP1/CDR-5/dispute', { resolution: 'agreed' })
      expect(dispute.status).toBe(409)
      expect(dispute.text).toContain('closed statement')

      // A CDR of March that arrives late changes the ledger, never the closed document.
      const late = aPricedCdr('CDR-LATE', 31, emsps[1]!, 'EUR', 1234)
      await send(late)
      const eurEm2 = closed.body.statements.find((s) => s.emsp.party_id === 'EM2' && s.currency === 'EUR')!
      const stillClosed = await statementsOf('/clearing/statements/closed?month=2026-03&emsp=CH*EM2')
      expect(stillClosed.find((s) => s.id === eurEm2.id)!.figures).toEqual(eurEm2.figures)

      const correction = await hub.admin<Statement>('POST', `/clearing/statements/${eurEm2.id}/corrections`)
      expect(correction.status, correction.text).toBe(201)
      expect(correction.body.corrects_id).toBe(eurEm2.id)
      expect(correction.body.id).not.toBe(eurEm2.id)
      expect(correction.body.figures.sessions).toBe(eurEm2.figures.sessions + 1)
      expect(cents(correction.body.figures.amount_excl_vat)).toBe(
        cents(eurEm2.figures.amount_excl_vat) + 1234,
      )

      const unknown = await hub.admin('POST', '/clearing/statements/nope/corrections')
      expect(unknown.status).toBe(404)
      const audit = await hub.admin<{ entries: { action: string }[] }>('GET', '/audit')
      const actions = audit.body.entries.map((e) => e.action)
      expect(actions).toContain('close-clearing-period')
      expect(actions).toContain('correct-clearing-statement')
    })

    it('the ledger keeps no token uid or contract id, and one row per delivered CDR', async () => {
      const rows = await hub.testStore.store.db.selectFrom('cdr_ledger').selectAll().execute()
      expect(rows).toHaveLength(sent.length)
      const token = aToken({}, emsps[0]!.party)
      expect(JSON.stringify(rows)).not.toContain(token.uid)
      expect(JSON.stringify(rows)).not.toContain(token.contract_id)
    })
  })
}
