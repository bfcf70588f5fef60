import { readFile } from 'node:fs/promises'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Cdr } from '../../src/modules/cdrs/cdrs.schema.ts'
import { aCdr } from '../fixtures/cdrs.ts'
import { aLocation } from '../fixtures/locations.ts'
import { aTariff } from '../fixtures/tariffs.ts'
import {
  browserAvailable,
  openBrowser,
  openConsolePage,
  screenshot,
  seriousAccessibilityViolations,
  signInThroughPage,
} from '../support/browser.ts'
import { envelope } from '../support/fake-platform.ts'
import { createOperator } from '../support/operator-session.ts'
import { connectParty, type ConnectedParty } from '../support/roaming-network.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { scaled } from '../support/time-limits.ts'

/**
 * The Clearing page in a real browser: a month of CDRs of one CPO to two eMSPs (a credit CDR among them,
 * one billed above its tariffs) shows statements whose totals match the test's own sum and the API; a
 * line is disputed and resolved in the page; the downloads are the hub's CSV and PDF; closing the period
 * makes the statements closed documents whose lines cannot change; a correction names the closed one;
 * the fee invoice and the analytics show the API's figures; a viewer changes nothing.
 */

const ADMIN = { email: 'money@hub.example', password: 'who owes whom what' }
const VIEWER = { email: 'money-viewer@hub.example', password: 'only reading the books' }
const MONTH = '2026-03'

interface Figures {
  sessions: number
  amount_excl_vat: number
  amount_incl_vat: number
  disputed_lines: number
}
interface StatementView {
  id: string | null
  status: string
  emsp: { party_id: string }
  corrects_id: string | null
  figures: Figures
}

/**
 * A CDR of March with its amounts in cents (the test sums cents, never floats), without tariffs: the CPO
 * publishes none, so the hub's price check has nothing to compare unless `extra` gives tariffs.
 */
function aMarchCdr(
  id: string,
  day: number,
  emsp: ConnectedParty,
  cpo: ConnectedParty,
  cents: number,
  extra: Partial<Cdr> = {},
) {
  const date = (hour: number) =>
    `2026-03-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00Z`
  return aCdr(
    {
      id,
      session_id: `SES-${id}`,
      tariffs: undefined,
      start_date_time: date(9),
      end_date_time: date(10),
      total_cost: {
        before_taxes: cents / 100,
        taxes: [{ name: 'VAT', percentage: 21, amount: Math.round(cents * 0.21) / 100 }],
      },
      ...extra,
    },
    cpo.party,
    emsp.party,
  )
}

const inclCents = (cents: number) => cents + Math.round(cents * 0.21)
const euros = (cents: number) => `${(cents / 100).toFixed(2)} EUR`

describe.skipIf(!browserAvailable()).each(STORE_VARIANTS)('the console clearing page (%s)', (engine) => {
  let hub: TestHub
  let browser: Browser
  let page: Page
  let cpo: ConnectedParty
  let emsp1: ConnectedParty
  let emsp2: ConnectedParty
  /** What each eMSP owes, summed by the test: excl. and incl. VAT in cents. */
  const owed = { EM1: { excl: 0, incl: 0 }, EM2: { excl: 0, incl: 0 } }

  const statements = async (path = `/clearing/statements?month=${MONTH}`) =>
    (await hub.admin<{ statements: StatementView[] }>('GET', path)).body.statements
  const row = (emsp: string): Locator => page.locator(`tr[data-statement="NL*CP1 DE*${emsp} EUR"]`)

  beforeAll(async () => {
    hub = await startTestHub(engine, { CLEARING_FEE_PERCENT: '2', CLEARING_FEE_PER_CDR: '0.10' })
    await createOperator(hub, ADMIN.email, ADMIN.password, 'admin')
    await createOperator(hub, VIEWER.email, VIEWER.password, 'viewer')
    cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
    emsp1 = await connectParty(hub, 'EMSP', 'DE', 'EM1')
    emsp2 = await connectParty(hub, 'EMSP', 'DE', 'EM2')
    for (const emsp of [emsp1, emsp2]) {
      emsp.platform.answer('POST', '/2.3.0/receiver/cdrs', () => ({
        status: 201,
        body: envelope(null),
        headers: { location: `${emsp.platform.url}/2.3.0/receiver/cdrs/stored/1` },
      }))
    }
    // The price check needs the Location's time zone.
    const location = aLocation({}, cpo.party)
    await cpo.call(`/receiver/locations/NL/CP1/${location.id}`, { method: 'PUT', body: location })
    const send = async (cdr: Cdr, owes: { excl: number; incl: number }, cents: number) => {
      const posted = await cpo.call('/receiver/cdrs', { method: 'POST', body: cdr })
      expect(posted.body.status_code, posted.text).toBe(1000)
      owes.excl += cents
      owes.incl += cents < 0 ? -inclCents(-cents) : inclCents(cents)
    }
    await send(aMarchCdr('CDR-M-1', 3, emsp1, cpo, 1234), owed.EM1, 1234)
    await send(aMarchCdr('CDR-M-2', 9, emsp1, cpo, 701), owed.EM1, 701)
    // The fixture's tariffs give 8.90: this CDR says 9.50, a price discrepancy listed beside the statement.
    await send(
      aMarchCdr('CDR-M-OVER', 14, emsp1, cpo, 950, { tariffs: [aTariff({}, cpo.party)] }),
      owed.EM1,
      950,
    )
    await send(
      aMarchCdr('CDR-M-1-C', 20, emsp1, cpo, -1234, { credit: true, credit_reference_id: 'CDR-M-1' }),
      owed.EM1,
      -1234,
    )
    await send(aMarchCdr('CDR-M-3', 11, emsp2, cpo, 2599), owed.EM2, 2599)
    ;({ browser, page } = await openBrowser())
    page.setDefaultTimeout(scaled(15_000))
    await signInThroughPage(page, hub.url, ADMIN.email, ADMIN.password)
  })
  afterAll(async () => {
    await browser?.close()
    await Promise.all([cpo, emsp1, emsp2].map((party) => party?.platform.close()))
    await hub?.close()
  })

  it("shows each statement's totals as the test sums them and as the API gives them", async () => {
    await openConsolePage(page, 'Clearing')
    await page.getByLabel('Month').fill(MONTH)
    await page.getByRole('heading', { name: `Statements of ${MONTH}` }).waitFor()
    const fromApi = await statements()
    for (const emsp of ['EM1', 'EM2'] as const) {
      const figures = fromApi.find((statement) => statement.emsp.party_id === emsp)!.figures
      expect(Math.round(figures.amount_excl_vat * 100)).toBe(owed[emsp].excl)
      expect(Math.round(figures.amount_incl_vat * 100)).toBe(owed[emsp].incl)
      await row(emsp).getByText('OPEN').waitFor()
      expect(await row(emsp).getByTestId('excl-vat').textContent()).toBe(euros(owed[emsp].excl))
      expect(await row(emsp).getByTestId('incl-vat').textContent()).toBe(euros(owed[emsp].incl))
      expect(await row(emsp).getByTestId('sessions').textContent()).toBe(String(figures.sessions))
    }
    // Three CDRs less one credited.
    expect(await row('EM1').getByTestId('sessions').textContent()).toBe('2')
  })

  it("opens a statement's lines with its price discrepancy, and disputes and resolves a line", async () => {
    await page.getByRole('button', { name: 'Show lines of NL*CP1 → DE*EM1 EUR' }).click()
    const lines = page.getByRole('region', { name: 'Lines of NL*CP1 → DE*EM1 in EUR' })
    await lines.locator('tr[data-cdr-id="CDR-M-1-C"]').getByText('credit of CDR-M-1').waitFor()
    await lines
      .locator('li')
      .filter({ hasText: 'CDR-M-OVER' })
      .getByText(/total_cost \(before_taxes\): CDR 9.5/)
      .waitFor()

    await page.getByLabel('Dispute reason for CDR-M-2').fill('Charged twice for the same hour')
    await page.getByRole('button', { name: 'Flag dispute CDR-M-2' }).click()
    const disputed = lines.locator('tr[data-cdr-id="CDR-M-2"]')
    await disputed.getByTestId('dispute').getByText('Charged twice for the same hour').waitFor()
    await row('EM1')
      .getByText(`1 (${euros(701)})`)
      .waitFor()
    expect((await statements()).find((s) => s.emsp.party_id === 'EM1')!.figures.disputed_lines).toBe(1)

    await page.getByLabel('Resolution for CDR-M-2').fill('One hour, as the meter says')
    await page.getByRole('button', { name: 'Resolve CDR-M-2' }).click()
    await disputed.getByText('resolved').waitFor()
    await disputed.getByText('One hour, as the meter says').waitFor()
    expect((await statements()).find((s) => s.emsp.party_id === 'EM1')!.figures.disputed_lines).toBe(0)
    expect(await seriousAccessibilityViolations(page)).toEqual([])
    if (engine === 'pglite') {
      await page.evaluate('window.scrollTo(0, 0)')
      await screenshot(page, 'clearing')
    }
  })

  it("downloads the statements as the hub's CSV and PDF", async () => {
    const download = async (name: string) => {
      const [file] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name }).click(),
      ])
      return readFile(await file.path())
    }
    const csv = (await download('Download the open statements as CSV')).toString('utf8')
    expect(csv).toContain('CDR-M-OVER')
    expect(csv).toContain('TOTAL')
    const pdf = await download('Download the open statements as PDF')
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-')
  })

  it('closing the period makes its statements closed documents whose lines cannot change', async () => {
    // A party half typed would be left out of the close: the button waits for a whole one.
    await page.getByLabel('eMSP', { exact: true }).fill('DE*EM')
    await page.getByLabel('eMSP', { exact: true }).and(page.locator('[aria-invalid="true"]')).waitFor()
    expect(await page.getByRole('button', { name: /Close the period/ }).count()).toBe(0)
    await page.getByLabel('eMSP', { exact: true }).fill('')
    page.once('dialog', (dialog) => void dialog.accept())
    await page.getByRole('button', { name: `Close the period ${MONTH}` }).click()
    await page
      .getByRole('status')
      .filter({ hasText: `2 statements are closed for ${MONTH}.` })
      .waitFor()
    await row('EM1').getByText('CLOSED').waitFor()
    await row('EM2').getByText('CLOSED').waitFor()
    expect(await page.getByRole('button', { name: /Close the period/ }).count()).toBe(0)
    const closed = await statements(`/clearing/statements/closed?month=${MONTH}`)
    expect(closed.map((statement) => statement.status)).toEqual(['CLOSED', 'CLOSED'])
    expect(await row('EM1').getByTestId('incl-vat').textContent()).toBe(euros(owed.EM1.incl))

    await page.getByRole('button', { name: 'Show lines of NL*CP1 → DE*EM1 EUR' }).click()
    const lines = page.getByRole('region', { name: 'Lines of NL*CP1 → DE*EM1 in EUR' })
    await lines.getByText('This statement is closed: its lines cannot change.').waitFor()
    await lines.locator('tr[data-cdr-id="CDR-M-2"]').waitFor()
    expect(await lines.getByRole('button', { name: /Flag dispute|Resolve/ }).count()).toBe(0)
    // The API refuses too.
    const refused = await hub.admin('PUT', '/clearing/cdrs/NL*CP1/CDR-M-2/dispute', { reason: 'too late' })
    expect(refused.status).toBe(409)
  })

  it('issues a correction that names the closed statement', async () => {
    const closedId = (await statements(`/clearing/statements/closed?month=${MONTH}`)).find(
      (statement) => statement.emsp.party_id === 'EM2',
    )!.id!
    page.once('dialog', (dialog) => void dialog.accept())
    await page.getByRole('button', { name: 'Issue correction of NL*CP1 → DE*EM2 EUR' }).first().click()
    await page.getByText(`corrects ${closedId}`).waitFor()
    const corrections = (await statements(`/clearing/statements/closed?month=${MONTH}`)).filter(
      (statement) => statement.corrects_id === closedId,
    )
    expect(corrections).toHaveLength(1)
  })

  it('shows the fee invoice and the analytics as the API gives them', async () => {
    await page.getByRole('button', { name: 'Fee invoices' }).click()
    const invoices = await hub.admin<{ invoices: { currency: string; total: number }[] }>(
      'GET',
      `/clearing/invoices?month=${MONTH}`,
    )
    const [invoice] = invoices.body.invoices.filter((one) => one.currency === 'EUR')
    // 2 % of what both eMSPs owe plus 0.10 per net session (2 + 1).
    expect(Math.round(invoice!.total * 100)).toBe(Math.round((owed.EM1.excl + owed.EM2.excl) * 0.02) + 30)
    await page
      .locator('[data-invoice="NL*CP1 EUR"]')
      .getByTestId('invoice-total')
      .getByText(euros(Math.round(invoice!.total * 100)))
      .waitFor()

    await page.getByRole('button', { name: 'Analytics' }).click()
    await page.getByTestId('network-sessions').getByText('3', { exact: true }).waitFor()
    await page.getByLabel('CPO', { exact: true }).fill('NL*CP1')
    await page.getByTestId('cpo-sessions').getByText('3', { exact: true }).waitFor()
    await page.getByRole('row').filter({ hasText: 'DE*EM1' }).getByText('66.7 %').waitFor()
    expect(await seriousAccessibilityViolations(page)).toEqual([])
  })

  it('fits a tablet held upright: only the tables scroll sideways', async () => {
    await page.setViewportSize({ width: 768, height: 1024 })
    try {
      await openConsolePage(page, 'Clearing')
      await page.getByLabel('Month').fill(MONTH)
      await page.getByRole('button', { name: 'Statements' }).click()
      await row('EM1').waitFor()
      const overflow = await page.evaluate(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      )
      expect(overflow).toBe(0)
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 })
    }
  })

  it('a viewer reads the statements and their lines without a button that changes them', async () => {
    const viewer = await browser.newPage()
    viewer.setDefaultTimeout(scaled(15_000))
    try {
      await signInThroughPage(viewer, hub.url, VIEWER.email, VIEWER.password)
      await openConsolePage(viewer, 'Clearing')
      await viewer.getByLabel('Month').fill(MONTH)
      await viewer.locator('tr[data-statement="NL*CP1 DE*EM1 EUR"]').first().waitFor()
      await viewer.getByRole('button', { name: 'Show lines of NL*CP1 → DE*EM1 EUR' }).click()
      await viewer.locator('tr[data-cdr-id="CDR-M-2"]').waitFor()
      for (const name of [/Close the period/, /Issue correction/, /Flag dispute/, /Resolve/]) {
        expect(await viewer.getByRole('button', { name }).count()).toBe(0)
      }
      expect(await seriousAccessibilityViolations(viewer)).toEqual([])
    } finally {
      await viewer.close()
    }
  })
})
