import { STRINGS } from './strings.ts'

/**
 * A slot as a driver reads it: "Mon 4 Jan, 18:00–19:00", in `timeZone` (a home charger's own) or else the
 * browser's.
 */
export function slotWords(start: Date | string, end: Date | string, timeZone?: string): string {
  const from = new Date(start)
  const day = from.toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone })
  return `${day}, ${timeWords(from, timeZone)}–${timeWords(new Date(end), timeZone)}`
}

/** A time of day, "18:00", in `timeZone` or else the browser's. */
export function timeWords(moment: Date | string, timeZone?: string): string {
  return new Date(moment).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone })
}

export function statusWords(status: string): string {
  return STRINGS.status[status] ?? status
}

export function connectorWords(standard: string): string {
  return STRINGS.connectors[standard] ?? standard
}
