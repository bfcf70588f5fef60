import { Type, type Static } from '@sinclair/typebox'

/** Local wall-clock time `HH:MM` (OCPI RegularHours: 00:00 to 23:59). */
const LocalTime = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'Local time HH:MM' })

/** Opening hours on one local day: from `begin` to `end` (later than `begin`). */
export const OpenPeriod = Type.Object({ begin: LocalTime, end: LocalTime }, { additionalProperties: false })
export type OpenPeriod = Static<typeof OpenPeriod>

export const WeeklyPeriod = Type.Object(
  {
    weekday: Type.Integer({ minimum: 1, maximum: 7, description: '1 = Monday … 7 = Sunday' }),
    begin: LocalTime,
    end: LocalTime,
  },
  { additionalProperties: false },
)
export type WeeklyPeriod = Static<typeof WeeklyPeriod>

/** A local date with other hours than the weekly ones: none means closed all day. */
export const ScheduleException = Type.Object(
  {
    date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Local date YYYY-MM-DD' }),
    hours: Type.Array(OpenPeriod, { maxItems: 8 }),
  },
  { additionalProperties: false },
)
export type ScheduleException = Static<typeof ScheduleException>

/** An owner's weekly schedule in the listing's time zone, with exceptions; it becomes opening_times. */
export const Schedule = Type.Object(
  {
    weekly: Type.Array(WeeklyPeriod, { minItems: 1, maxItems: 50 }),
    exceptions: Type.Array(ScheduleException, { maxItems: 400, default: [] }),
  },
  { additionalProperties: false },
)
export type Schedule = Static<typeof Schedule>
