import type { Locator, Page } from 'playwright-core'

/**
 * Presses Tab until `target` has the focus, as a person without a mouse would; fails when it never does
 * (the element cannot be reached with the keyboard). A time or date field takes several presses (one per
 * part of it): the limit leaves room for a long form.
 */
export async function tabTo(page: Page, target: Locator, presses = 250): Promise<void> {
  await target.waitFor()
  for (let press = 0; press < presses; press += 1) {
    await page.keyboard.press('Tab')
    if ((await target.and(page.locator(':focus')).count()) > 0) return
  }
  throw new Error(`not reached with Tab: ${target.toString()}`)
}

/**
 * Types a time `HH:MM` into the focused time field, as typed on the keyboard of a browser that writes
 * times with AM and PM (Chromium's en-US): the hour, the minutes, then A or P.
 */
export async function typeTime(page: Page, time: string): Promise<void> {
  const [hour, minute] = time.split(':').map(Number) as [number, number]
  const twelve = String(hour % 12 || 12).padStart(2, '0')
  await page.keyboard.type(`${twelve}${String(minute).padStart(2, '0')}${hour < 12 ? 'A' : 'P'}`)
}

/** The accessible text of the focused element (its aria-label, else its words). */
export function focusedName(page: Page): Promise<string> {
  return page.evaluate<string>(
    "document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? ''",
  )
}
