import { existsSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'

/** Debian's Chromium (`apt-get install chromium`): the tests never download a browser. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'

/**
 * Whether the browser tests can run here. Without Chromium they skip, and say so loudly, unless
 * REQUIRE_BROWSER=1 (CI: .ci/run installs Chromium), where a missing browser fails the run.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true
  const message = `${CHROMIUM_PATH} is missing: install it with \`apt-get install chromium\` (or set CHROMIUM_PATH)`
  if (process.env['REQUIRE_BROWSER'] === '1') throw new Error(`REQUIRE_BROWSER=1 but ${message}`)
  console.warn(`\n!!! SKIPPING THE CONSOLE'S BROWSER TESTS: ${message} !!!\n`)
  return false
}

/** One headless Chromium with one page, reused by every test of a file (the browser costs more than a test). */
export async function openBrowser(): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Containers run the tests as root, where Chromium's sandbox cannot start.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  })
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } })
  const page = await context.newPage()
  // A page error is a console defect: fail the test that caused it, with the message.
  page.on('pageerror', (error) => {
    throw error
  })
  return { browser, page }
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

export interface AxeViolation {
  readonly id: string
  readonly impact: string | null
  readonly help: string
  readonly nodes: readonly { readonly target: readonly string[] }[]
}

/**
 * axe-core on the page as it is (WCAG 2.1 A and AA rules): the violations of impact serious or critical.
 * Run through the DevTools protocol (page.evaluate), which the page's Content-Security-Policy does not apply to.
 */
export async function seriousAccessibilityViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource)
  const violations = await page.evaluate<AxeViolation[]>(
    `axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] })
      .then((result) => result.violations.map(({ id, impact, help, nodes }) =>
        ({ id, impact, help, nodes: nodes.map((node) => ({ target: node.target })) })))`,
  )
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
}

/** A screenshot of the page into docs/<folder>/<name>.png (docs/console.md, docs/apps.md show them). */
export async function screenshot(page: Page, name: string, folder = 'console'): Promise<void> {
  const screenshots = new URL(`../../docs/${folder}/`, import.meta.url)
  mkdirSync(screenshots, { recursive: true })
  await page.screenshot({ path: new URL(`${name}.png`, screenshots).pathname, fullPage: false })
}

/** Opens the console and signs in through its form, as an operator would; resolves on the overview. */
export async function signInThroughPage(
  page: Page,
  hubUrl: string,
  email: string,
  password: string,
): Promise<void> {
  await page.goto(`${hubUrl}/console/`)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
}

/** Goes to a page through the console's menu and waits for its heading. */
export async function openConsolePage(page: Page, title: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: title }).click()
  await page.getByRole('heading', { level: 1, name: title }).waitFor()
}
