import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aLocation } from '../fixtures/locations.ts'
import {
  browserAvailable,
  openBrowser,
  openConsolePage,
  seriousAccessibilityViolations,
  signInThroughPage,
} from '../support/browser.ts'
import { createOperator } from '../support/operator-session.ts'
import { connectParty, eventually, type ConnectedParty } from '../support/roaming-network.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { scaled } from '../support/time-limits.ts'

/**
 * A viewer in a real browser: every page shows what an admin sees, without one button that changes
 * anything; and the API refuses the viewer's changes (403) when they are sent anyway.
 */

const VIEWER = { email: 'viewer@hub.example', password: 'look but do not touch' }

describe.skipIf(!browserAvailable()).each(STORE_VARIANTS)('the console for a viewer (%s)', (engine) => {
  let hub: TestHub
  let browser: Browser
  let page: Page
  let cpo: ConnectedParty
  let emsp: ConnectedParty
  let invitedId: string

  beforeAll(async () => {
    hub = await startTestHub(engine, { DELIVERY_MAX_ATTEMPTS: '1' })
    await createOperator(hub, VIEWER.email, VIEWER.password, 'viewer')
    // Something for every button to act on: connected parties, an open invitation, a dead letter.
    cpo = await connectParty(hub, 'CPO', 'NL', 'VCP')
    emsp = await connectParty(hub, 'EMSP', 'DE', 'VEM')
    const invited = await hub.admin<{ id: string }>('POST', '/invitations', {
      name: 'Open invitation',
      roles: [{ role: 'CPO', country_code: 'BE', party_id: 'OPN' }],
    })
    invitedId = invited.body.id
    emsp.platform.failNext('PUT', '/2.3.0/receiver/locations/NL/VCP/LOC-V', 500)
    await cpo.call('/receiver/locations/NL/VCP/LOC-V', {
      method: 'PUT',
      body: aLocation({ id: 'LOC-V' }, cpo.party),
    })
    await eventually(async () => {
      const dead = await hub.admin<{ deliveries: unknown[] }>('GET', '/deliveries?state=dead')
      expect(dead.body.deliveries).toHaveLength(1)
    })
    ;({ browser, page } = await openBrowser())
    page.setDefaultTimeout(scaled(15_000))
    await signInThroughPage(page, hub.url, VIEWER.email, VIEWER.password)
  })
  afterAll(async () => {
    await browser?.close()
    await Promise.all([cpo?.platform.close(), emsp?.platform.close()])
    await hub?.close()
  })

  it('names the viewer role', async () => {
    await page.getByText(`${VIEWER.email} (viewer)`).waitFor()
  })

  it('shows the invitations without the form to invite or the revoke button', async () => {
    await openConsolePage(page, 'Invitations')
    await page.getByRole('row').filter({ hasText: 'Open invitation' }).getByText('PLANNED').waitFor()
    expect(await page.getByRole('button', { name: 'Create invitation' }).count()).toBe(0)
    expect(await page.getByLabel('Partner name').count()).toBe(0)
    expect(await page.getByRole('button', { name: /Revoke/ }).count()).toBe(0)
    expect(await seriousAccessibilityViolations(page)).toEqual([])
  })

  it('shows a connected party without disconnect or rotate', async () => {
    await openConsolePage(page, 'Parties')
    await page.getByRole('link', { name: 'CPO NLVCP' }).click()
    await page.getByRole('heading', { level: 1, name: /CPO NLVCP/ }).waitFor()
    await page.getByRole('cell', { name: 'NL*VCP', exact: true }).waitFor()
    expect(await page.getByRole('button', { name: 'Disconnect' }).count()).toBe(0)
    expect(await page.getByRole('button', { name: 'Rotate token' }).count()).toBe(0)
  })

  it('shows the dead letter without a retry button', async () => {
    await openConsolePage(page, 'Deliveries')
    await page.getByRole('row').filter({ hasText: 'DE*VEM' }).filter({ hasText: 'dead' }).waitFor()
    expect(await page.getByRole('button', { name: /Retry/ }).count()).toBe(0)
    expect(await seriousAccessibilityViolations(page)).toEqual([])
  })

  it("gets 403 from the API for a change sent with the viewer's session, and nothing changes", async () => {
    const statuses = await page.evaluate<number[]>(`(async () => {
      const session = await (await fetch('/admin/session')).json()
      const headers = { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token }
      const invite = await fetch('/admin/invitations', { method: 'POST', headers,
        body: JSON.stringify({ name: 'Sneaky', roles: [{ role: 'CPO', country_code: 'NL', party_id: 'SNK' }] }) })
      const revoke = await fetch('/admin/platforms/${invitedId}', { method: 'DELETE', headers })
      return [invite.status, revoke.status]
    })()`)
    expect(statuses).toEqual([403, 403])
    const invited = await hub.admin<{ status: string }>('GET', `/platforms/${invitedId}`)
    expect(invited.body.status).toBe('PLANNED')
    const sneaky = await hub.admin<{ platforms: unknown[] }>('GET', '/platforms?name=Sneaky')
    expect(sneaky.body.platforms).toEqual([])
  })
})
