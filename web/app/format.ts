import { STRINGS } from './strings.ts'

/** An amount in the marketplace's or the operator's currency, as people read it. */
export function money(amount: number, currency: string): string {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).format(amount)
}

/** A slot as a driver reads it: "Mon 4 Jan, 18:00–19:00" in the browser's time zone. */
export function slotWords(start: Date | string, end: Date | string): string {
  const from = new Date(start)
  const until = new Date(end)
  const day = from.toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short' })
  const time = (date: Date) => date.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })
  return `${day}, ${time(from)}–${time(until)}`
}

export function statusWords(status: string): string {
  return STRINGS.status[status] ?? status
}

export function connectorWords(standard: string): string {
  return STRINGS.connectors[standard] ?? standard
}
