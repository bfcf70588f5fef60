import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aLocation } from '../fixtures/locations.ts'
import {
  browserAvailable,
  openBrowser,
  openConsolePage,
  screenshot,
  seriousAccessibilityViolations,
  signInThroughPage,
} from '../support/browser.ts'
import { createOperator } from '../support/operator-session.ts'
import { connectParty, eventually, type ConnectedParty } from '../support/roaming-network.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { scaled } from '../support/time-limits.ts'

/**
 * The Agreements page in a real browser, on a hub in agreement-based roaming: an admin proposes an
 * agreement in the page, accepts it (the eMSP then receives the CPO's Location), filters by state,
 * suspends it, blocks a party and lifts the block; a refused proposal says why in the hub's words; a viewer
 * sees it all without a button that changes anything.
 */

const ADMIN = { email: 'deals@hub.example', password: 'we roam together now' }
const VIEWER = { email: 'deals-viewer@hub.example', password: 'just looking at deals' }

interface AgreementView {
  id: string
  state: string
  modules: string[] | null
  location_ids: string[] | null
  valid_until: string | null
}

describe.skipIf(!browserAvailable()).each(STORE_VARIANTS)('the console agreements page (%s)', (engine) => {
  let hub: TestHub
  let browser: Browser
  let page: Page
  let cpo: ConnectedParty
  let emsp: ConnectedParty
  let agreementId = ''

  const locationPuts = () =>
    emsp
      .inbox('locations')
      .filter((request) => request.method === 'PUT' && request.path.endsWith('/LOC-DEAL'))
  const agreements = async () =>
    (await hub.admin<{ agreements: AgreementView[] }>('GET', '/agreements')).body.agreements

  beforeAll(async () => {
    hub = await startTestHub(engine, { HUB_ROAMING_MODE: 'agreements', DELIVERY_POLL_INTERVAL_MS: '50' })
    await createOperator(hub, ADMIN.email, ADMIN.password, 'admin')
    await createOperator(hub, VIEWER.email, VIEWER.password, 'viewer')
    cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
    emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1')
    const location = aLocation({ id: 'LOC-DEAL' }, cpo.party)
    const pushed = await cpo.call('/receiver/locations/NL/CP1/LOC-DEAL', { method: 'PUT', body: location })
    expect(pushed.body.status_code).toBe(1000)
    ;({ browser, page } = await openBrowser())
    page.setDefaultTimeout(scaled(15_000))
    await signInThroughPage(page, hub.url, ADMIN.email, ADMIN.password)
  })
  afterAll(async () => {
    await browser?.close()
    await Promise.all([cpo, emsp].map((party) => party?.platform.close()))
    await hub?.close()
  })

  it('shows the roaming mode, and a refused proposal in the hub’s own words', async () => {
    await openConsolePage(page, 'Agreements')
    await page.getByTestId('roaming-mode').getByText('Roaming mode: agreements.').waitFor()
    await page.getByText('No agreement yet.').waitFor()
    await page.getByLabel('CPO', { exact: true }).fill('nl*cp1')
    await page.getByLabel('eMSP', { exact: true }).fill('NL*CP1')
    await page.getByRole('button', { name: 'Propose' }).click()
    await page.getByRole('alert').filter({ hasText: 'an agreement is between two parties.' }).waitFor()
    expect(await agreements()).toEqual([])
  })

  it('proposes an agreement with its scope and validity; accepting it makes it active and delivers the Location', async () => {
    await page.getByLabel('eMSP', { exact: true }).fill('DE*EM1')
    await page.getByLabel('locations', { exact: true }).check()
    await page.getByLabel('tariffs', { exact: true }).check()
    await page.getByLabel('Locations (ids; empty: all)').fill('loc-deal')
    await page.getByLabel('until (not included)').fill('2099-01-01')
    await page.getByRole('button', { name: 'Propose' }).click()
    await page
      .getByRole('status')
      .filter({ hasText: 'The agreement of NL*CP1 with DE*EM1 is proposed.' })
      .waitFor()
    const row = page.getByRole('row').filter({ hasText: 'NL*CP1 → DE*EM1' })
    await row.getByText('proposed').waitFor()
    await row.getByText(/^until /).waitFor()
    agreementId = (await row.getAttribute('data-agreement-id')) ?? ''
    const [stored] = await agreements()
    expect(stored).toMatchObject({
      id: agreementId,
      state: 'proposed',
      modules: ['locations', 'tariffs'],
      location_ids: ['LOC-DEAL'],
      valid_until: '2099-01-01T00:00:00.000Z',
    })
    expect(locationPuts()).toEqual([])

    // Dismissing the confirmation changes nothing.
    page.once('dialog', (dialog) => void dialog.dismiss())
    await page.getByRole('button', { name: 'Accept the agreement NL*CP1 → DE*EM1' }).click()
    expect((await agreements())[0]!.state).toBe('proposed')

    page.once('dialog', (dialog) => void dialog.accept())
    await page.getByRole('button', { name: 'Accept the agreement NL*CP1 → DE*EM1' }).click()
    await row.getByText('active').waitFor()
    expect((await agreements())[0]!.state).toBe('active')
    await eventually(() => expect(locationPuts()).toHaveLength(1))
    expect(await seriousAccessibilityViolations(page)).toEqual([])
    if (engine === 'pglite') await screenshot(page, 'agreements')
  })

  it('filters by state and suspends the agreement', async () => {
    await page.getByLabel('State').selectOption('proposed')
    await page.getByText('No agreement is proposed.').waitFor()
    await page.getByLabel('State').selectOption('active')
    const row = page.locator(`tr[data-agreement-id="${agreementId}"]`)
    await row.waitFor()
    page.once('dialog', (dialog) => void dialog.accept())
    await page.getByRole('button', { name: 'Suspend the agreement NL*CP1 → DE*EM1' }).click()
    await page.getByText('No agreement is active.').waitFor()
    expect((await agreements())[0]!.state).toBe('suspended')
    await page.getByLabel('State').selectOption('')
    await row.getByText('suspended').waitFor()
    await page.getByRole('button', { name: 'Resume the agreement NL*CP1 → DE*EM1' }).waitFor()
  })

  it('blocks a party and lifts the block after confirming', async () => {
    await page.getByText('No party blocks another.').waitFor()
    await page.getByLabel('Blocker').fill('DE*EM1')
    await page.getByLabel('Blocks', { exact: true }).fill('NL*CP1')
    await page.getByRole('button', { name: 'Block', exact: true }).click()
    await page.locator('tr[data-block="DE*EM1 NL*CP1"]').waitFor()
    const listed = await hub.admin<{ blocks: unknown[] }>('GET', '/blocks')
    expect(listed.body.blocks).toMatchObject([
      { blocker: { country_code: 'DE', party_id: 'EM1' }, blocked: { country_code: 'NL', party_id: 'CP1' } },
    ])
    page.once('dialog', (dialog) => void dialog.accept())
    await page.getByRole('button', { name: 'Remove the block of NL*CP1 by DE*EM1' }).click()
    await page.getByText('No party blocks another.').waitFor()
    expect((await hub.admin<{ blocks: unknown[] }>('GET', '/blocks')).body.blocks).toEqual([])
  })

  it('follows changes made elsewhere: an agreement resumed and a block added through the API show without a reload', async () => {
    const row = page.locator(`tr[data-agreement-id="${agreementId}"]`)
    await row.getByText('suspended').waitFor()
    expect((await hub.admin('POST', `/agreements/${agreementId}/accept`)).status).toBe(200)
    await row.getByText('active').waitFor()
    const blocked = await hub.admin('POST', '/blocks', {
      blocker: { country_code: 'NL', party_id: 'CP1' },
      blocked: { country_code: 'DE', party_id: 'EM1' },
    })
    expect(blocked.status, blocked.text).toBeLessThan(300)
    await page.locator('tr[data-block="NL*CP1 DE*EM1"]').waitFor()
    expect((await hub.admin('POST', `/agreements/${agreementId}/suspend`)).status).toBe(200)
    await row.getByText('suspended').waitFor()
  })

  it('fits a tablet held upright: only the tables scroll sideways', async () => {
    await page.setViewportSize({ width: 768, height: 1024 })
    try {
      await openConsolePage(page, 'Agreements')
      await page.locator(`tr[data-agreement-id="${agreementId}"]`).waitFor()
      const overflow = await page.evaluate(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      )
      expect(overflow).toBe(0)
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 })
    }
  })

  it('a viewer sees agreements, blocks and the mode without a button that changes them', async () => {
    await hub.admin('POST', '/blocks', {
      blocker: { country_code: 'NL', party_id: 'CP1' },
      blocked: { country_code: 'DE', party_id: 'EM9' },
    })
    const viewer = await browser.newPage()
    viewer.setDefaultTimeout(scaled(15_000))
    try {
      await signInThroughPage(viewer, hub.url, VIEWER.email, VIEWER.password)
      await openConsolePage(viewer, 'Agreements')
      await viewer.getByTestId('roaming-mode').waitFor()
      await viewer.locator(`tr[data-agreement-id="${agreementId}"]`).getByText('suspended').waitFor()
      await viewer.locator('tr[data-block="NL*CP1 DE*EM9"]').waitFor()
      for (const name of ['Propose', 'Block', /Resume/, /End/, /Remove/]) {
        expect(await viewer.getByRole('button', { name }).count()).toBe(0)
      }
      expect(await viewer.getByLabel('CPO', { exact: true }).count()).toBe(0)
      expect(await seriousAccessibilityViolations(viewer)).toEqual([])
    } finally {
      await viewer.close()
    }
  })
})
