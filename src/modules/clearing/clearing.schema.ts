import { Type } from '@sinclair/typebox'

/** What the clearing routes of the admin API and of the parties (docs/clearing.md) take alike. */

export const PartyText = Type.String({ pattern: '^[A-Za-z]{2}\\*[A-Za-z0-9]{3}$', description: 'CC*PID' })
export const Month = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM (UTC)' })

/** A period: `month`, or `from` and `to` (RFC 3339, `from` inclusive, `to` exclusive). */
export const PeriodFields = {
  month: Type.Optional(Month),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
}

/** How a statement or invoice list is answered: JSON (default), or a CSV or PDF download. */
export const DocumentFormat = Type.Optional(
  Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('pdf')]),
)
