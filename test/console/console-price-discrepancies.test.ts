import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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
import { connectParty, eventually, type ConnectedParty } from '../support/roaming-network.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { scaled } from '../support/time-limits.ts'

/**
 * The price discrepancies page in a real browser: a CDR billed above its CPO's published tariff appears
 * while the page is open (from the event stream), with what differs; the filters narrow the list.
 */

const VIEWER = { email: 'prices@hub.example', password: 'what the tariff says' }

describe.skipIf(!browserAvailable()).each(STORE_VARIANTS)(
  'the console price discrepancies page (%s)',
  (engine) => {
    let hub: TestHub
    let browser: Browser
    let page: Page
    let cpo: ConnectedParty
    let emsp: ConnectedParty

    beforeAll(async () => {
      hub = await startTestHub(engine)
      await createOperator(hub, VIEWER.email, VIEWER.password, 'viewer')
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1')
      emsp.platform.answer('POST', '/2.3.0/receiver/cdrs', () => ({
        status: 201,
        body: envelope(null),
        headers: { location: `${emsp.platform.url}/2.3.0/receiver/cdrs/stored/1` },
      }))
      const location = aLocation({}, cpo.party)
      await cpo.call(`/receiver/locations/NL/CP1/${location.id}`, { method: 'PUT', body: location })
      const tariff = aTariff({}, cpo.party)
      await cpo.call(`/receiver/tariffs/NL/CP1/${tariff.id}`, { method: 'PUT', body: tariff })
      ;({ browser, page } = await openBrowser())
      page.setDefaultTimeout(scaled(15_000))
      await signInThroughPage(page, hub.url, VIEWER.email, VIEWER.password)
    })
    afterAll(async () => {
      await browser?.close()
      await Promise.all([cpo, emsp].map((party) => party?.platform.close()))
      await hub?.close()
    })

    it('shows a CDR billed above its tariff as it is found, with the amounts that differ', async () => {
      await openConsolePage(page, 'Price discrepancies')
      await page.getByText('No CDR differs from its tariffs.').waitFor()
      // The published tariff gives 8.90 before taxes for the fixture session; this CDR says 9.50.
      const wrong = aCdr(
        {
          id: 'CDR-OVERBILLED',
          tariffs: undefined,
          total_cost: { before_taxes: 9.5, taxes: [{ name: 'VAT', percentage: 21, amount: 2 }] },
        },
        cpo.party,
        emsp.party,
      )
      const posted = await cpo.call('/receiver/cdrs', { method: 'POST', body: wrong })
      expect(posted.body.status_code).toBe(1000)
      const row = page.locator('tr[data-cdr-id="CDR-OVERBILLED"]')
      await row.waitFor()
      await row.getByText('NL*CP1 → DE*EM1').waitFor()
      await row.getByText('total_cost (excl. VAT): 9.5 / 8.9 EUR').waitFor()
      await row.getByText("the CPO's tariffs at the hub").waitFor()
      expect(await seriousAccessibilityViolations(page)).toEqual([])
      if (engine === 'pglite') await screenshot(page, 'price-discrepancies')
    })

    it('narrows the list by CPO and by the sessions’ dates', async () => {
      await page.getByLabel('CPO', { exact: true }).fill('NL*CP2')
      await page.getByText('No CDR differs from its tariffs.').waitFor()
      await page.getByLabel('CPO', { exact: true }).fill('NL*CP1')
      await page.locator('tr[data-cdr-id="CDR-OVERBILLED"]').waitFor()
      await page.getByLabel('Sessions from').fill('2099-01-01')
      await page.getByText('No CDR differs from its tariffs.').waitFor()
      await page.getByLabel('Sessions from').fill('')
      await eventually(async () => expect(await page.locator('tr[data-cdr-id]').count()).toBe(1))
    })
  },
)
