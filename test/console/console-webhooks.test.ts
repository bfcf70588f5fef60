import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  browserAvailable,
  openBrowser,
  openConsolePage,
  screenshot,
  seriousAccessibilityViolations,
  signInThroughPage,
} from '../support/browser.ts'
import { freePort } from '../support/free-port.ts'
import { createOperator } from '../support/operator-session.ts'
import { eventually } from '../support/roaming-network.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { scaled } from '../support/time-limits.ts'
import { documentedVerifier, WebhookReceiver } from '../webhooks/webhook-receiver.ts'

/**
 * The Webhooks page in a real browser: an admin subscribes a receiver on loopback, keeps the secret shown
 * once, sends a test event the receiver can verify, sees a failing receiver's dead event and retries it;
 * a viewer sees the subscriptions without one button that changes them, and the API refuses the viewer.
 */

const ADMIN = { email: 'hooks@hub.example', password: 'signed sealed delivered' }
const VIEWER = { email: 'hooks-viewer@hub.example', password: 'read the hooks only' }

describe.skipIf(!browserAvailable()).each(STORE_VARIANTS)('the console webhooks page (%s)', (engine) => {
  let hub: TestHub
  let browser: Browser
  let page: Page
  let receiver: WebhookReceiver
  let secret = ''
  let webhookId = ''

  beforeAll(async () => {
    // One try per delivery: a refused event turns dead at once.
    hub = await startTestHub(engine, { DELIVERY_MAX_ATTEMPTS: '1' })
    await createOperator(hub, ADMIN.email, ADMIN.password, 'admin')
    await createOperator(hub, VIEWER.email, VIEWER.password, 'viewer')
    receiver = new WebhookReceiver(await freePort())
    await receiver.start()
    ;({ browser, page } = await openBrowser())
    page.setDefaultTimeout(scaled(15_000))
    await signInThroughPage(page, hub.url, ADMIN.email, ADMIN.password)
  })
  afterAll(async () => {
    await browser?.close()
    await receiver?.stop()
    await hub?.close()
  })

  it('asks for at least one event type and keeps what was typed', async () => {
    await openConsolePage(page, 'Webhooks')
    await page.getByText('No URL is subscribed yet.').waitFor()
    await page.getByLabel('URL', { exact: true }).fill(receiver.url)
    await page.getByRole('button', { name: 'Subscribe' }).click()
    await page.getByRole('alert').filter({ hasText: 'Choose at least one event type.' }).waitFor()
    expect(await page.getByLabel('URL', { exact: true }).inputValue()).toBe(receiver.url)
    expect((await hub.admin<{ webhooks: unknown[] }>('GET', '/webhooks')).body.webhooks).toEqual([])
  })

  it('subscribes a URL and shows its signing secret once', async () => {
    await page.getByLabel('Description').fill('billing')
    await page.getByLabel('delivery.dead').check()
    await page.getByLabel('session.ended').check()
    await page.getByRole('button', { name: 'Subscribe' }).click()
    secret = ((await page.getByTestId('webhook-secret').textContent()) ?? '').trim()
    expect(secret).toMatch(/^whsec_/)
    await page.getByRole('button', { name: 'Copy the signing secret' }).waitFor()
    const row = page.getByRole('row').filter({ hasText: receiver.url })
    await row.getByText('enabled').waitFor()
    await row.getByText('delivery.dead, session.ended').waitFor()
    webhookId = (await row.getAttribute('data-webhook-id')) ?? ''
    const stored = await hub.admin<{ events: string[]; description: string }>('GET', `/webhooks/${webhookId}`)
    expect(stored.body).toMatchObject({ events: ['delivery.dead', 'session.ended'], description: 'billing' })
    expect(await seriousAccessibilityViolations(page)).toEqual([])
    if (engine === 'pglite') await screenshot(page, 'webhooks')
    await page.getByRole('button', { name: 'I have stored it' }).click()
    expect(await page.getByTestId('webhook-secret').count()).toBe(0)
  })

  it('sends a test event the receiver verifies with the secret it was shown', async () => {
    await page.getByRole('button', { name: `Send test event to ${receiver.url}` }).click()
    await page.getByRole('status').filter({ hasText: 'A test event is queued' }).waitFor()
    await eventually(() => expect(receiver.types()).toEqual(['webhook.ping']))
    const verify = await documentedVerifier()
    const [ping] = receiver.received
    expect(verify(secret, ping!.headers['hub-signature'], ping!.rawBody)).toBe(true)
  })

  it("shows a failing receiver's dead event as it happens, and retrying it delivers it", async () => {
    receiver.status = 500
    await page.getByRole('button', { name: `Send test event to ${receiver.url}` }).click()
    const row = page.getByRole('row').filter({ hasText: receiver.url })
    // The count turns 1 from the event stream, without a reload.
    await eventually(async () => expect(await row.getByTestId('dead').textContent()).toBe('1'))
    await row.getByText(/HTTP 500/).waitFor()
    expect(await seriousAccessibilityViolations(page)).toEqual([])

    receiver.status = 200
    await page.getByRole('button', { name: `Retry dead events of ${receiver.url}` }).click()
    await eventually(() => expect(receiver.types()).toEqual(['webhook.ping', 'webhook.ping']))
    await eventually(async () => expect(await row.getByTestId('dead').textContent()).toBe('0'))
  })

  it('disables and enables a subscription', async () => {
    const row = page.getByRole('row').filter({ hasText: receiver.url })
    await page.getByRole('button', { name: `Disable ${receiver.url}` }).click()
    await row.getByText('disabled').waitFor()
    expect((await hub.admin<{ enabled: boolean }>('GET', `/webhooks/${webhookId}`)).body.enabled).toBe(false)
    await page.getByRole('button', { name: `Enable ${receiver.url}` }).click()
    await row.getByText('enabled').waitFor()
  })

  it('a viewer sees the subscription without a button that changes it, and the API answers 403', async () => {
    const viewer = await browser.newPage()
    viewer.setDefaultTimeout(scaled(15_000))
    try {
      await signInThroughPage(viewer, hub.url, VIEWER.email, VIEWER.password)
      await openConsolePage(viewer, 'Webhooks')
      await viewer.getByRole('row').filter({ hasText: receiver.url }).waitFor()
      expect(await viewer.getByRole('button', { name: 'Subscribe' }).count()).toBe(0)
      expect(await viewer.getByLabel('URL', { exact: true }).count()).toBe(0)
      for (const name of [/Send test event/, /Disable/, /Delete/, /New secret/, /Retry/]) {
        expect(await viewer.getByRole('button', { name }).count()).toBe(0)
      }
      expect(await seriousAccessibilityViolations(viewer)).toEqual([])
      const statuses = await viewer.evaluate<number[]>(`(async () => {
        const session = await (await fetch('/admin/session')).json()
        const headers = { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token }
        const create = await fetch('/admin/webhooks', { method: 'POST', headers,
          body: JSON.stringify({ url: 'https://example.com/sneaky', events: ['cdr.received'] }) })
        const remove = await fetch('/admin/webhooks/${webhookId}', { method: 'DELETE', headers })
        return [create.status, remove.status]
      })()`)
      expect(statuses).toEqual([403, 403])
      const list = await hub.admin<{ webhooks: { id: string }[] }>('GET', '/webhooks')
      expect(list.body.webhooks.map((webhook) => webhook.id)).toEqual([webhookId])
    } finally {
      await viewer.close()
    }
  })

  it('deletes the subscription after confirming', async () => {
    page.once('dialog', (dialog) => void dialog.accept())
    await page.getByRole('button', { name: `Delete the subscription of ${receiver.url}` }).click()
    await page.getByText('No URL is subscribed yet.').waitFor()
    expect((await hub.admin<{ webhooks: unknown[] }>('GET', '/webhooks')).body.webhooks).toEqual([])
  })
})
