import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aLocation, anEvse } from '../fixtures/locations.ts'
import {
  browserAvailable,
  openBrowser,
  openConsolePage,
  screenshot,
  seriousAccessibilityViolations,
} from '../support/browser.ts'
import { connectParty, eventually, type ConnectedParty } from '../support/roaming-network.ts'
import { createOperator } from '../support/operator-session.ts'
import { runSamplePartner, type SamplePartnerProcess } from '../support/sample-partner-process.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { scaled } from '../support/time-limits.ts'

/**
 * An admin operator in a real browser (Chromium, headless) against a real hub on loopback: signs in, onboards
 * a partner, diagnoses an exchange and retries a dead letter, and every page passes axe-core. The tests of a
 * store run in order on one page, as an operator's visit would.
 */

const OPERATOR = { email: 'ops@hub.example', password: 'correct horse battery staple' }
const CORRELATION_ID = '6f1c2c1e-9a5d-4d8e-b1c4-4c1b2f0e7d55'
const WAIT_MS = scaled(15_000)

describe.skipIf(!browserAvailable()).each(STORE_VARIANTS)('the console for an admin (%s)', (engine) => {
  let hub: TestHub
  let browser: Browser
  let page: Page
  let partner: SamplePartnerProcess | undefined
  let cpo: ConnectedParty
  let emsp: ConnectedParty
  // Screenshots once per run, from the embedded store's hub.
  const shoot = (name: string) => (engine === 'pglite' ? screenshot(page, name) : Promise.resolve())

  async function expectAccessible(): Promise<void> {
    expect(await seriousAccessibilityViolations(page)).toEqual([])
  }

  const openPage = (title: string) => openConsolePage(page, title)

  beforeAll(async () => {
    // One try per delivery: a refused push turns dead at once, for the dead-letter test.
    hub = await startTestHub(engine, { DELIVERY_MAX_ATTEMPTS: '1' })
    await createOperator(hub, OPERATOR.email, OPERATOR.password, 'admin')
    ;({ browser, page } = await openBrowser())
    page.setDefaultTimeout(WAIT_MS)
  })
  afterAll(async () => {
    await partner?.stop()
    await browser?.close()
    await Promise.all([cpo?.platform.close(), emsp?.platform.close()])
    await hub?.close()
  })

  it('signs in with email and password', async () => {
    await page.goto(`${hub.url}/console/`)
    await page.getByLabel('Email').waitFor()
    await expectAccessible()
    await shoot('sign-in')
    await page.getByLabel('Email').fill(OPERATOR.email)
    await page.getByLabel('Password').fill('not the password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('alert').waitFor()

    await page.getByLabel('Password').fill(OPERATOR.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
    await page.getByText(`${OPERATOR.email} (admin)`).waitFor()
    await expectAccessible()
  })

  it('invites a partner, shows token A once, and the partner turns connected when it registers', async () => {
    await openPage('Invitations')
    await page.getByLabel('Partner name').fill('Sample CPO')
    await page.getByLabel('Country code').fill('NL')
    await page.getByLabel('Party id').fill('SMP')
    await page.getByRole('button', { name: 'Create invitation' }).click()
    const tokenA = (await page.getByTestId('token-a').textContent())?.trim() ?? ''
    const versionsUrl = (await page.getByTestId('versions-url').textContent())?.trim() ?? ''
    expect(tokenA).toMatch(/^\S{20,}$/)
    expect(versionsUrl).toBe(`${hub.url}/ocpi/versions`)
    await page.getByRole('button', { name: 'Copy token A' }).waitFor()
    const row = page.getByRole('row').filter({ hasText: 'Sample CPO' })
    await row.getByText('PLANNED').waitFor()
    await expectAccessible()
    await shoot('invitations')

    // The partner registers from its own process; the page hears of it on the event stream, without a reload.
    partner = await runSamplePartner(versionsUrl, tokenA, 'CPO/NL/SMP')
    await row.getByText('CONNECTED').waitFor()
    await page.getByRole('button', { name: 'I have stored them' }).click()
    expect(await page.getByTestId('token-a').count()).toBe(0)
  })

  it("shows the parties, and one party's roles, endpoints and state", async () => {
    await openPage('Parties')
    await page.getByLabel('Search by name').fill('Sample')
    await page.getByRole('link', { name: 'Sample CPO' }).click()
    await page.getByRole('heading', { level: 1, name: /Sample CPO/ }).waitFor()
    await page.getByRole('cell', { name: 'NL*SMP', exact: true }).waitFor()
    await page.getByRole('cell', { name: 'credentials' }).first().waitFor()
    await page.getByRole('button', { name: 'Rotate token' }).waitFor()
    await page.getByRole('button', { name: 'Disconnect' }).waitFor()
    // The sample partner called the hub when it registered: the page says when, not "–".
    const lastSeen = page.locator('dl.details > div').filter({ hasText: 'Last seen' }).locator('dd')
    expect((await lastSeen.textContent())?.trim()).toMatch(/\d/)
    await expectAccessible()
    await shoot('party')
  })

  it('finds an exchange by its correlation id, with every hop in order and the bodies', async () => {
    cpo = await connectParty(hub, 'CPO', 'NL', 'CPA')
    emsp = await connectParty(hub, 'EMSP', 'DE', 'EMA')
    // A broadcast goes through the queue; the eMSP refuses it, and with one try it is a dead letter (next test).
    emsp.platform.failNext('PUT', '/2.3.0/receiver/locations/NL/CPA/LOC-CONSOLE', 500)
    const pushed = await cpo.call('/receiver/locations/NL/CPA/LOC-CONSOLE', {
      method: 'PUT',
      body: aLocation({ id: 'LOC-CONSOLE', name: 'Console Square' }, cpo.party),
      headers: { 'x-correlation-id': CORRELATION_ID },
    })
    expect(pushed.body.status_code, pushed.text).toBe(1000)
    // The log is written in batches: wait until both hops are in it.
    await eventually(async () => {
      const logged = await hub.admin<{ messages: unknown[] }>(
        'GET',
        `/messages?correlation_id=${CORRELATION_ID}`,
      )
      expect(logged.body.messages).toHaveLength(2)
    })

    await openPage('Message log')
    await page.getByLabel('Correlation id').fill(CORRELATION_ID)
    await page.getByRole('button', { name: 'Search' }).click()
    const exchange = page.getByRole('region', { name: `Exchange ${CORRELATION_ID}` })
    const hops = exchange.getByRole('listitem')
    await hops.nth(1).waitFor()
    expect(await hops.count()).toBe(2)
    expect(await hops.nth(0).locator('summary').textContent()).toMatch(
      /to the hub · PUT \/ocpi\/2\.3\.0\/receiver\/locations\/NL\/CPA\/LOC-CONSOLE · HTTP 20[01], OCPI 1000/,
    )
    expect(await hops.nth(1).locator('summary').textContent()).toMatch(
      /from the hub · PUT http:\/\/127\.0\.0\.1:\d+\/2\.3\.0\/receiver\/locations\/NL\/CPA\/LOC-CONSOLE · HTTP 500/,
    )
    await hops.nth(0).locator('summary').click()
    await hops.nth(0).getByText('"Console Square"').first().waitFor()
    await expectAccessible()
    await shoot('message-log')
  })

  it('retries a dead letter and shows it delivered', async () => {
    await eventually(async () => {
      const dead = await hub.admin<{ deliveries: unknown[] }>('GET', '/deliveries?state=dead')
      expect(dead.body.deliveries).toHaveLength(1)
    })
    await openPage('Deliveries')
    const receiver = page.getByRole('row').filter({ hasText: 'EMSP DEEMA' })
    await receiver.getByRole('button', { name: 'Retry all dead for EMSP DEEMA' }).waitFor()
    const deadRow = page.getByRole('row').filter({ hasText: 'DE*EMA' }).filter({ hasText: 'dead' })
    await deadRow.waitFor()
    await expectAccessible()
    await shoot('deliveries')

    await deadRow.getByRole('button', { name: /^Retry delivery/ }).click()
    await page.getByText(/^Delivered: delivery \d+, locations to DE\*EMA/).waitFor()
    await page.getByText('No dead letters.').waitFor()
    expect(emsp.platform.requestsTo('PUT', '/2.3.0/receiver/locations/NL/CPA/LOC-CONSOLE')).toHaveLength(2)

    // A push that dies while the page is open shows up in the summary and the dead letters from the stream alone.
    emsp.platform.failNext('PUT', '/2.3.0/receiver/locations/NL/CPA/LOC-LATE', 500)
    const late = await cpo.call('/receiver/locations/NL/CPA/LOC-LATE', {
      method: 'PUT',
      body: aLocation({ id: 'LOC-LATE', name: 'Late Lane' }, cpo.party),
    })
    expect(late.body.status_code, late.text).toBe(1000)
    await page.getByText(/^Gave up \(dead\): delivery \d+, locations to DE\*EMA/).waitFor()
    await page.getByRole('row').filter({ hasText: 'DE*EMA' }).filter({ hasText: 'dead' }).waitFor()
  })

  it('shows the broadcast locations on a map and in a table, with EVSE status live', async () => {
    await openPage('Locations')
    const row = page.getByRole('row').filter({ hasText: 'Console Square' })
    await row.waitFor()
    await page.locator('.leaflet-interactive').first().waitFor()
    expect(await row.getByText('AVAILABLE').count()).toBeGreaterThan(0)

    const patched = await cpo.call('/receiver/locations/NL/CPA/LOC-CONSOLE/EVSE-A', {
      method: 'PATCH',
      body: { status: 'CHARGING', last_updated: new Date().toISOString() },
    })
    expect(patched.body.status_code, patched.text).toBe(1000)
    await row.getByText('CHARGING').waitFor()

    // An EVSE the row did not have appears too: the page fetches the hub's copy when the event names one.
    const added = await cpo.call('/receiver/locations/NL/CPA/LOC-CONSOLE/EVSE-NEW', {
      method: 'PUT',
      body: anEvse('EVSE-NEW', { status: 'OUTOFORDER' }, cpo.party),
    })
    expect(added.body.status_code, added.text).toBe(1000)
    await row.getByText('EVSE-NEW').waitFor()
    await row.getByText('OUTOFORDER').waitFor()
    await expectAccessible()
    await shoot('locations')
  })

  it('shows the overview: parties, traffic, queue and charts', async () => {
    await openPage('Overview')
    await page.getByText('Connected parties').waitFor()
    await page.getByRole('figure').first().waitFor()
    await page.getByRole('button', { name: 'Last day' }).click()
    await page.getByRole('button', { name: 'Last day', pressed: true }).waitFor()
    await expectAccessible()
    await shoot('overview')
  })

  it('fits a tablet held upright', async () => {
    await page.setViewportSize({ width: 768, height: 1024 })
    await openPage('Parties')
    const overflow = await page.evaluate(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    )
    expect(overflow).toBe(0)
    await expectAccessible()
    await page.setViewportSize({ width: 1280, height: 860 })
  })
})
