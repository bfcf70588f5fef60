import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Cdr } from '../../src/modules/cdrs/cdrs.schema.ts'
import { aCdr } from '../fixtures/cdrs.ts'
import { aRole, envelope, FakePlatform } from '../support/fake-platform.ts'
import { call } from '../support/http.ts'
import { routeHeaders } from '../support/roaming-network.ts'
import { pdfText } from '../support/pdf-text.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../support/test-hub.ts'

const CDRS = '/2.3.0/receiver/cdrs'

interface Figures {
  sessions: number
  credit_cdrs: number
  amount_excl_vat: number
  tax_amount: number
  amount_incl_vat: number
}
interface PlatformStatement {
  platform: string
  partner: string | null
  role: 'CPO' | 'EMSP'
  currency: string
  status: 'OPEN' | 'CLOSED'
  figures: Figures
  statements: { id: string | null; cpo: { party_id: string }; emsp: { party_id: string }; figures: Figures }[]
}
interface Envelope<T> {
  status_code: number
  data: T
}

/** Three platforms, each with several parties: which party is on which platform, in which role. */
const PLATFORMS = {
  A: [
    ['CPO', 'NL', 'CA1'],
    ['CPO', 'NL', 'CA2'],
    ['EMSP', 'NL', 'EA1'],
  ],
  B: [
    ['EMSP', 'DE', 'EB1'],
    ['EMSP', 'DE', 'EB2'],
  ],
  C: [
    ['CPO', 'BE', 'CC1'],
    ['EMSP', 'BE', 'EC1'],
  ],
} as const
type PlatformName = keyof typeof PLATFORMS
const platformOf = (partyId: string): PlatformName =>
  (Object.keys(PLATFORMS) as PlatformName[]).find((name) =>
    PLATFORMS[name].some(([, , id]) => id === partyId),
  )!
const countryOf = (partyId: string) =>
  Object.values(PLATFORMS)
    .flat()
    .find(([, , id]) => id === partyId)![1]

interface Traffic {
  readonly id: string
  readonly cpo: string
  readonly emsp: string
  readonly excl: number
  readonly currency: string
  /** A credit CDR: the id of the CDR it credits. */
  readonly credits?: string
}

/** March 2026: amounts before taxes (a credit CDR carries the negated amount), 21 % VAT on each. */
const TRAFFIC: readonly Traffic[] = [
  { id: 'A-B-1', cpo: 'CA1', emsp: 'EB1', excl: 10.5, currency: 'EUR' },
  { id: 'A-B-2', cpo: 'CA1', emsp: 'EB2', excl: 3.25, currency: 'EUR' },
  { id: 'A-B-3', cpo: 'CA2', emsp: 'EB1', excl: 7.1, currency: 'EUR' },
  { id: 'A-B-3-C', cpo: 'CA2', emsp: 'EB1', excl: -7.1, currency: 'EUR', credits: 'A-B-3' },
  { id: 'A-B-4', cpo: 'CA2', emsp: 'EB2', excl: 5.05, currency: 'CHF' },
  { id: 'A-C-1', cpo: 'CA1', emsp: 'EC1', excl: 4.2, currency: 'EUR' },
  { id: 'C-A-1', cpo: 'CC1', emsp: 'EA1', excl: 6.3, currency: 'EUR' },
]
const taxOf = (excl: number) => Math.round(excl * 0.21 * 100) / 100

/** The test's own sums of `cdrs`, in cents, independent of the hub's arithmetic. */
function expectedFigures(cdrs: readonly Traffic[]): Figures {
  const cents = (value: number) => Math.round(value * 100)
  const excl = cdrs.reduce((sum, cdr) => sum + cents(cdr.excl), 0)
  const tax = cdrs.reduce((sum, cdr) => sum + cents(taxOf(cdr.excl)), 0)
  const credits = cdrs.filter((cdr) => cdr.credits).length
  return {
    sessions: cdrs.length - 2 * credits,
    credit_cdrs: credits,
    amount_excl_vat: excl / 100,
    tax_amount: tax / 100,
    amount_incl_vat: (excl + tax) / 100,
  }
}

const pick = ({ sessions, credit_cdrs, amount_excl_vat, tax_amount, amount_incl_vat }: Figures) => ({
  sessions,
  credit_cdrs,
  amount_excl_vat,
  tax_amount,
  amount_incl_vat,
})

/** The platform statements the test expects of `platform` (against `partner`, or everyone). */
function expected(platform: PlatformName, partner?: PlatformName) {
  const result: { role: string; currency: string; figures: Figures; pairs: string[] }[] = []
  for (const role of ['CPO', 'EMSP'] as const) {
    const own = (cdr: Traffic) => platformOf(role === 'CPO' ? cdr.cpo : cdr.emsp) === platform
    const other = (cdr: Traffic) => !partner || platformOf(role === 'CPO' ? cdr.emsp : cdr.cpo) === partner
    const cdrs = TRAFFIC.filter((cdr) => own(cdr) && other(cdr))
    for (const currency of [...new Set(cdrs.map((cdr) => cdr.currency))].sort()) {
      const inCurrency = cdrs.filter((cdr) => cdr.currency === currency)
      result.push({
        role,
        currency,
        figures: expectedFigures(inCurrency),
        pairs: [...new Set(inCurrency.map((cdr) => `${cdr.cpo}>${cdr.emsp}`))].sort(),
      })
    }
  }
  return result
}

const shape = (statements: readonly PlatformStatement[]) =>
  statements
    .map((s) => ({
      role: s.role,
      currency: s.currency,
      figures: pick(s.figures),
      pairs: s.statements.map((one) => `${one.cpo.party_id}>${one.emsp.party_id}`).sort(),
    }))
    .sort((a, b) => `${a.role}${a.currency}`.localeCompare(`${b.role}${b.currency}`))

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: statements per platform, its parties summed`, () => {
    let hub: TestHub
    const platforms = new Map<PlatformName, { fake: FakePlatform; id: string }>()
    const platform = (name: PlatformName) => platforms.get(name)!

    const partyRef = (partyId: string) => ({ country_code: countryOf(partyId), party_id: partyId })
    const read = <T>(name: PlatformName, path: string) =>
      call<Envelope<T>>(`${hub.url}/ocpi/hub/clearing${path}`, { token: platform(name).fake.tokenToHub })

    async function send(cdr: Traffic): Promise<void> {
      const body: Cdr = aCdr(
        {
          id: cdr.id,
          currency: cdr.currency,
          total_cost: {
            before_taxes: cdr.excl,
            taxes: [{ name: 'VAT', percentage: 21, amount: taxOf(cdr.excl) }],
          },
          ...(cdr.credits ? { credit: true, credit_reference_id: cdr.credits } : {}),
        },
        partyRef(cdr.cpo),
        partyRef(cdr.emsp),
      )
      const sent = await call(`${hub.url}/ocpi/2.3.0/receiver/cdrs`, {
        method: 'POST',
        body,
        token: platform(platformOf(cdr.cpo)).fake.tokenToHub,
        headers: routeHeaders(partyRef(cdr.cpo), partyRef(cdr.emsp)),
      })
      expect(sent.status, sent.text).toBe(201)
    }

    beforeAll(async () => {
      hub = await startTestHub(engine)
      for (const [name, roles] of Object.entries(PLATFORMS) as [
        PlatformName,
        (typeof PLATFORMS)[PlatformName],
      ][]) {
        const fake = await FakePlatform.start({
          name: `platform ${name}`,
          roles: roles.map(([role, country, id]) => aRole(role, country, id)),
          endpoints: [
            { identifier: 'credentials', role: 'SENDER', url: '{base}/2.3.0/credentials' },
            { identifier: 'cdrs', role: 'SENDER', url: '{base}/2.3.0/sender/cdrs' },
            { identifier: 'cdrs', role: 'RECEIVER', url: `{base}${CDRS}` },
          ],
        })
        fake.answer('POST', CDRS, (request) => ({
          status: 201,
          body: envelope(null),
          headers: { location: `${fake.url}${CDRS}/stored/${(request.body as Cdr).id}` },
        }))
        const invitation = await hub.admin<{ id: string; token_a: string; versions_url: string }>(
          'POST',
          '/invitations',
          {
            name: `platform ${name}`,
            roles: roles.map(([role, country_code, party_id]) => ({ role, country_code, party_id })),
          },
        )
        expect(invitation.status, invitation.text).toBe(201)
        const registration = await fake.registerAt(invitation.body.versions_url, invitation.body.token_a)
        expect(registration.response.body.status_code, registration.response.text).toBe(1000)
        platforms.set(name, { fake, id: invitation.body.id })
      }
      for (const cdr of TRAFFIC) await send(cdr)
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([...platforms.values()].map(({ fake }) => fake.close()))
    })

    const adminRead = (path: string, name: PlatformName, partner?: PlatformName, extra = '') =>
      hub.admin<{ statements: PlatformStatement[] }>(
        'GET',
        `/clearing/${path}?month=2026-03&platform=${platform(name).id}${partner ? `&partner=${platform(partner).id}` : ''}${extra}`,
      )

    it.each([
      ['A', 'B'],
      ['A', 'C'],
      ['B', 'A'],
      ['C', 'A'],
      ['A', undefined],
      ['B', undefined],
      ['C', undefined],
    ] as const)(
      'the admin API sums platform %s against %s per role and currency, credits netted',
      async (name, partner) => {
        const answer = await adminRead('platform-statements', name, partner)
        expect(answer.status, answer.text).toBe(200)
        expect(shape(answer.body.statements)).toEqual(expected(name, partner))
        for (const statement of answer.body.statements) {
          expect(statement).toMatchObject({
            platform: platform(name).id,
            partner: partner ? platform(partner).id : null,
            status: 'OPEN',
          })
        }
      },
    )

    it("a partner reads its own platform's statements against everyone, and no one else's", async () => {
      for (const name of ['A', 'B', 'C'] as const) {
        const answer = await read<PlatformStatement[]>(name, '/platform-statements?month=2026-03')
        expect(answer.status, answer.text).toBe(200)
        expect(answer.body.status_code).toBe(1000)
        expect(shape(answer.body.data)).toEqual(expected(name))
      }
      const missing = await read<unknown>('A', '/platform-statements')
      expect({ http: missing.status, status: missing.body.status_code }).toEqual({ http: 200, status: 2001 })
    })

    it('CSV and PDF carry the same totals; an unknown platform is 404, a missing period 400', async () => {
      const csv = await adminRead('platform-statements', 'A', 'B', '&format=csv')
      expect(csv.status).toBe(200)
      const euro = expected('A', 'B').find((s) => s.role === 'CPO' && s.currency === 'EUR')!
      const total = csv.text.split('\n').find((row) => row.includes(',TOTAL,') && row.includes(',EUR,'))!
      expect(total.split(',').slice(-7, -1).map(Number)).toEqual([
        euro.figures.sessions,
        euro.figures.credit_cdrs,
        expect.any(Number),
        euro.figures.amount_excl_vat,
        euro.figures.tax_amount,
        euro.figures.amount_incl_vat,
      ])
      const pdf = await fetch(
        `${hub.url}/admin/clearing/platform-statements?month=2026-03&platform=${platform('A').id}&partner=${platform('B').id}&format=pdf`,
        { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
      )
      expect(pdf.status).toBe(200)
      const text = pdfText(Buffer.from(await pdf.arrayBuffer()))
      expect(text).toContain(`Total: Sessions ${euro.figures.sessions}, energy`)
      expect(text).toContain(`incl. VAT ${euro.figures.amount_incl_vat}`)

      const unknown = await hub.admin('GET', '/clearing/platform-statements?month=2026-03&platform=nope')
      expect(unknown.status).toBe(404)
      const noPeriod = await hub.admin('GET', `/clearing/platform-statements?platform=${platform('A').id}`)
      expect(noPeriod.status).toBe(400)
    })

    it('closed: the documents summed, a correction replacing what it corrects, the documents unchanged', async () => {
      const closed = await hub.admin<{ statements: { id: string }[] }>('POST', '/clearing/periods/close', {
        month: '2026-03',
      })
      expect(closed.status, closed.text).toBe(201)
      const atClose = await adminRead('platform-statements/closed', 'A', 'B')
      expect(shape(atClose.body.statements)).toEqual(expected('A', 'B'))
      expect(atClose.body.statements.every((s) => s.status === 'CLOSED')).toBe(true)

      // A late CDR of CA1 to EB1 for March, then a correction of that statement.
      const late: Traffic = { id: 'A-B-LATE', cpo: 'CA1', emsp: 'EB1', excl: 2.35, currency: 'EUR' }
      await send(late)
      const before = await adminRead('platform-statements/closed', 'A', 'B')
      expect(shape(before.body.statements)).toEqual(expected('A', 'B'))
      const original = atClose.body.statements
        .flatMap((s) => s.statements)
        .find((one) => one.cpo.party_id === 'CA1' && one.emsp.party_id === 'EB1')!
      const corrected = await hub.admin('POST', `/clearing/statements/${original.id}/corrections`)
      expect(corrected.status, corrected.text).toBe(201)

      const after = await adminRead('platform-statements/closed', 'A', 'B')
      const euro = after.body.statements.find((s) => s.role === 'CPO' && s.currency === 'EUR')!
      const withLate = [...TRAFFIC, late].filter(
        (cdr) => platformOf(cdr.cpo) === 'A' && platformOf(cdr.emsp) === 'B' && cdr.currency === 'EUR',
      )
      expect(pick(euro.figures)).toEqual(expectedFigures(withLate))
      expect(euro.statements.map((one) => one.id)).not.toContain(original.id)
      // The original document is as it was closed.
      const documents = await hub.admin<{ statements: { id: string; figures: Figures }[] }>(
        'GET',
        '/clearing/statements/closed?month=2026-03&cpo=NL*CA1&emsp=DE*EB1',
      )
      const kept = documents.body.statements.find((s) => s.id === original.id)!
      expect(pick(kept.figures)).toEqual(
        expectedFigures(TRAFFIC.filter((cdr) => cdr.cpo === 'CA1' && cdr.emsp === 'EB1')),
      )
    })
  })
}
