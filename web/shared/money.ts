/**
 * An amount as the front ends write it. `sign` (the driver app, the owner portal): the currency's sign and
 * its own decimals, in English like the pages' text: "€5.00", "CHF 5.00". `code` (the console's clearing,
 * where statements in several currencies stand side by side): "5.00 EUR".
 */
export function money(amount: number, currency: string, spelling: 'sign' | 'code' = 'sign'): string {
  return spelling === 'code'
    ? `${amount.toFixed(2)} ${currency}`
    : new Intl.NumberFormat('en', { style: 'currency', currency }).format(amount)
}
