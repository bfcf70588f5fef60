import { readFileSync } from 'node:fs'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { mailsTo, startHubAndMarketplace, type HubAndMarketplace } from '../marketplace/support.ts'
import {
  browserAvailable,
  openBrowser,
  screenshot,
  seriousAccessibilityViolations,
} from '../support/browser.ts'
import { buildFrontEndIfStale } from '../support/front-end-build.ts'
import { eventually } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'

/**
 * A driver's account in the driver app on a phone (Chromium, 360×740): confirms the address from the mail's
 * link, downloads their data, changes their name and (from the new address's mail) their address, resets a
 * forgotten password from the mail, and deletes the account after a wrong then a right password.
 */
const FIRST_EMAIL = 'account.driver@example.org'
const EMAIL = 'moved.driver@example.org'
const FIRST_PASSWORD = 'a long enough password'
const NEW_PASSWORD = 'another long password'

describe.skipIf(!browserAvailable()).each(STORE_VARIANTS)('the account in the driver app (%s)', (engine) => {
  let running: HubAndMarketplace
  let browser: Browser
  let context: BrowserContext
  let page: Page
  const pageErrors: string[] = []

  beforeAll(async () => {
    await buildFrontEndIfStale('app')
    running = await startHubAndMarketplace(engine)
    ;({ browser } = await openBrowser())
    context = await browser.newContext({
      viewport: { width: 360, height: 740 },
      isMobile: true,
      hasTouch: true,
      acceptDownloads: true,
    })
    page = await context.newPage()
    page.on('pageerror', (error) => pageErrors.push(error.message))
  })

  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([])
  })

  afterAll(async () => {
    await browser?.close()
    await running?.close()
  })

  async function expectAccessible(): Promise<void> {
    expect(await seriousAccessibilityViolations(page)).toEqual([])
  }

  /** The app's page a mail's link leads to: the mail's link path and code, under the app's base. */
  async function linkIn(subject: RegExp, path: string, to = EMAIL): Promise<string> {
    const mail = await eventually(() => {
      const found = mailsTo(running, to).filter((m) => subject.test(m.subject))
      expect(found.length).toBeGreaterThan(0)
      return found.at(-1)!
    })
    // The link as mailed, followed as is: it must lead to the app's page.
    const link = new RegExp(`\\S+/${path}\\?token=[A-Za-z0-9_-]+`).exec(mail.text)?.[0]
    expect(link, mail.text).toBe(`${running.marketplaceUrl}/app/${path}?token=${link?.split('token=')[1]}`)
    return link!
  }

  it('signs up and confirms the address from the link in the mail', async () => {
    await page.goto(`${running.marketplaceUrl}/app/account`)
    await page.getByLabel('Email').fill(FIRST_EMAIL)
    await page.getByLabel('Password').fill(FIRST_PASSWORD)
    await page.getByRole('button', { name: 'Create an account' }).click()
    await page.getByRole('heading', { level: 1, name: 'Find a charger' }).waitFor()
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click()
    await page.getByText('Your address is not confirmed yet', { exact: false }).waitFor()

    await page.goto(await linkIn(/confirm/i, 'verify-email', FIRST_EMAIL))
    await page.getByText('Thank you: your address is confirmed.').waitFor()
    await expectAccessible()
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click()
    await page.getByText('Your address is confirmed.').waitFor()
  })

  it('downloads everything kept about the driver as JSON', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download my data' }).click(),
    ])
    expect(download.suggestedFilename()).toMatch(/^my-data-\d{4}-\d{2}-\d{2}\.json$/)
    const exported = JSON.parse(readFileSync(await download.path(), 'utf8')) as {
      account: { email: string; email_verified: boolean }
    }
    expect(exported.account).toMatchObject({ email: FIRST_EMAIL, email_verified: true })
    await page.getByText('Downloaded.').waitFor()
    await expectAccessible()
    await screenshot(page, 'driver-account', 'apps')
  })

  it('changes the name at once and the address from the link mailed to it, refusing a taken one in words', async () => {
    await page.getByLabel('Your name (optional)').fill('Ada Lovelace')
    await page.getByRole('button', { name: 'Save the name' }).click()
    await page.getByText('Saved.').waitFor()

    await running.signUp('taken.driver@example.org')
    const newEmail = page.getByLabel('New email address')
    const password = page.getByLabel('Your current password')
    await newEmail.fill('taken.driver@example.org')
    await password.fill(FIRST_PASSWORD)
    await page.getByRole('button', { name: 'Change the address' }).click()
    await page
      .getByRole('alert')
      .getByText('Email: taken.driver@example.org already has an account.')
      .waitFor()
    expect([await newEmail.inputValue(), await password.inputValue()]).toEqual([
      'taken.driver@example.org',
      FIRST_PASSWORD,
    ])

    await newEmail.fill(EMAIL)
    await page.getByRole('button', { name: 'Change the address' }).click()
    await page.getByText(`Waiting for you to confirm ${EMAIL}`, { exact: false }).waitFor()
    await page.getByText(`the address stays ${FIRST_EMAIL} until it is confirmed`, { exact: false }).waitFor()
    await expectAccessible()
    expect(mailsTo(running, FIRST_EMAIL).filter((m) => /changed/.test(m.subject))).toEqual([])

    await page.goto(await linkIn(/new email address/i, 'confirm-email'))
    await page.getByText('Thank you: your account uses the new address now.').waitFor()
    await expectAccessible()
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click()
    // Still signed in, under the new address, with the name kept.
    await page.getByText(`Signed in as ${EMAIL}`).waitFor()
    expect(await page.getByLabel('Your name (optional)').inputValue()).toBe('Ada Lovelace')
    await eventually(() =>
      expect(mailsTo(running, FIRST_EMAIL).filter((m) => /changed/.test(m.subject))).toHaveLength(1),
    )
  })

  it('resets a forgotten password from the mail and signs in with the new one', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('button', { name: 'I already have an account' }).click()
    await page.getByRole('button', { name: 'I forgot my password' }).click()
    await page.getByLabel('Email').fill(EMAIL)
    await page.getByRole('button', { name: 'Mail me a link' }).click()
    await page
      .getByText(`If ${EMAIL} has an account, a mail with a link is on its way.`, { exact: false })
      .waitFor()

    await page.goto(await linkIn(/password/i, 'reset-password'))
    await page.getByLabel('New password').fill(NEW_PASSWORD)
    await expectAccessible()
    await page.getByRole('button', { name: 'Save the new password' }).click()
    await page.getByText('Your password is changed', { exact: false }).waitFor()
    await page.getByRole('link', { name: 'Sign in' }).click()
    await page.getByRole('button', { name: 'I already have an account' }).click()
    await page.getByLabel('Email').fill(EMAIL)
    await page.getByLabel('Password').fill(NEW_PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { level: 1, name: 'Find a charger' }).waitFor()
  })

  it('deletes the account only with the right password, keeping what was typed when refused', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click()
    await page.getByRole('button', { name: 'Delete my account…' }).click()
    const confirmation = page.getByLabel('Type your password to confirm')
    await confirmation.fill(FIRST_PASSWORD)
    await page.getByRole('button', { name: 'Delete my account for good' }).click()
    await page.getByRole('alert').waitFor()
    expect(await confirmation.inputValue()).toBe(FIRST_PASSWORD)
    expect((await running.api('POST', '/sessions', { email: EMAIL, password: NEW_PASSWORD })).status).toBe(
      200,
    )
    await expectAccessible()

    await confirmation.fill(NEW_PASSWORD)
    await page.getByRole('button', { name: 'Delete my account for good' }).click()
    await page.getByText('Your account is deleted.', { exact: false }).waitFor()
    await page.getByRole('heading', { level: 1, name: 'Create an account' }).waitFor()
    expect((await running.api('POST', '/sessions', { email: EMAIL, password: NEW_PASSWORD })).status).toBe(
      401,
    )
  })
})
